#include "domain/deals/focus.hpp"

#include <algorithm>
#include <map>

namespace crmd::deals {

double urgency_of(const FocusItem& item) {
  double total = 0;
  for (const auto& r : item.reasons) total += std::max(0.0, r.days_past);
  return total;
}

std::vector<FocusItem> rank_focus(std::vector<FocusItem> items) {
  std::map<std::pair<std::string, std::string>, FocusItem> merged;
  for (auto& item : items) {
    auto [it, fresh] = merged.try_emplace({item.kind, item.id}, item);
    if (fresh) continue;
    for (auto& reason : item.reasons) {
      const bool known = std::any_of(it->second.reasons.begin(), it->second.reasons.end(),
                                     [&](const FocusReason& r) { return r.rule == reason.rule; });
      if (!known) it->second.reasons.push_back(std::move(reason));
    }
  }
  std::vector<FocusItem> out;
  out.reserve(merged.size());
  for (auto& [key, item] : merged) out.push_back(std::move(item));
  std::stable_sort(out.begin(), out.end(), [](const FocusItem& a, const FocusItem& b) {
    const auto ua = urgency_of(a), ub = urgency_of(b);
    if (ua != ub) return ua > ub;
    return a.id < b.id;
  });
  return out;
}

boost::json::object to_json(const FocusItem& item) {
  boost::json::object o;
  o["kind"] = item.kind;
  o["id"] = item.id;
  o["title"] = item.title;
  o["urgency"] = urgency_of(item);
  boost::json::array reasons;
  for (const auto& r : item.reasons) {
    boost::json::object reason;
    reason["rule"] = r.rule;
    reason["detail"] = r.detail;
    reason["days_past"] = r.days_past;
    reasons.push_back(std::move(reason));
  }
  o["reasons"] = std::move(reasons);
  o["subject"] = item.subject;
  return o;
}

schema::Schema json_schema(std::type_identity<FocusItem>) {
  using namespace schema;
  return Object("FocusItem")
      .field("kind", one_of_strings({"deal", "lead"}))
      .field("id", uuid())
      .field("title", string())
      .field("urgency", number(), "the sum of the reasons' days past their line")
      .field(
          "reasons",
          array(Object("FocusReason")
                    .field("rule", one_of_strings({"overdue", "stuck", "rotten", "sla_breached"}))
                    .field("detail", string())
                    .field("days_past", number())))
      .field("subject", any_object(), "the deal or lead as its GET shows it");
}

}  // namespace crmd::deals
