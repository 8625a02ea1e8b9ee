#include "domain/deals/kpis.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <map>

#include "domain/common/json_of.hpp"
#include "domain/deals/money.hpp"

namespace crmd::deals {
namespace {

struct Tally {
  OwnerKpis kpis;
  std::map<std::string, CurrencyKpis> currencies;
  double won_days_total = 0;
};

void add(CurrencyKpis& to, const OwnerKpiRow& row) {
  to.open_deals += row.open_deals;
  to.open_value += row.open_value;
  to.open_weighted += row.open_weighted;
  to.won_deals += row.won_deals;
  to.won_value += row.won_value;
  to.lost_deals += row.lost_deals;
  to.lost_value += row.lost_value;
}

void add(Tally& to, const OwnerKpiRow& row) {
  auto& currency = to.currencies[row.currency];
  currency.currency = row.currency;
  add(currency, row);
  to.kpis.open_deals += row.open_deals;
  to.kpis.won_deals += row.won_deals;
  to.kpis.lost_deals += row.lost_deals;
  to.kpis.rotten += row.rotten;
  to.kpis.stuck += row.stuck;
  to.kpis.overdue += row.overdue;
  to.won_days_total += row.won_days_total;
}

OwnerKpis finish(Tally& t) {
  auto k = std::move(t.kpis);
  for (auto& [code, currency] : t.currencies) k.currencies.push_back(std::move(currency));
  const auto closed = k.won_deals + k.lost_deals;
  if (closed > 0) k.win_rate = static_cast<double>(k.won_deals) / static_cast<double>(closed);
  if (k.won_deals > 0)
    k.average_days_to_close = t.won_days_total / static_cast<double>(k.won_deals);
  return k;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool before(const OwnerKpis& a, const OwnerKpis& b) {
  if (a.owner_id.has_value() != b.owner_id.has_value()) return a.owner_id.has_value();
  const auto la = lower(a.owner_name), lb = lower(b.owner_name);
  if (la != lb) return la < lb;
  if (a.owner_name != b.owner_name) return a.owner_name < b.owner_name;
  return a.owner_id < b.owner_id;
}

boost::json::value json_of_number(const std::optional<double>& n) {
  return n ? boost::json::value(*n) : boost::json::value(nullptr);
}

boost::json::object currency_json(const CurrencyKpis& c) {
  return {{"currency", c.currency},
          {"open_deals", c.open_deals},
          {"open_value", format_money(c.open_value)},
          {"open_weighted", format_money(c.open_weighted)},
          {"won_deals", c.won_deals},
          {"won_value", format_money(c.won_value)},
          {"lost_deals", c.lost_deals},
          {"lost_value", format_money(c.lost_value)}};
}

}  // namespace

std::vector<OwnerKpis> owner_kpis(
    const std::vector<OwnerKpiRow>& rows,
    const std::function<std::string(const std::optional<std::string>&)>& name_of) {
  std::map<std::optional<std::string>, Tally> owners;
  for (const auto& row : rows) add(owners[row.owner_id], row);
  std::vector<OwnerKpis> out;
  out.reserve(owners.size());
  for (auto& [id, tally] : owners) {
    tally.kpis.owner_id = id;
    tally.kpis.owner_name = name_of(id);
    if (!id && tally.kpis.owner_name.empty()) tally.kpis.owner_name = kUnassignedName;
    out.push_back(finish(tally));
  }
  std::sort(out.begin(), out.end(), before);
  return out;
}

boost::json::object to_json(const OwnerKpis& k) {
  boost::json::array currencies;
  currencies.reserve(k.currencies.size());
  for (const auto& c : k.currencies) currencies.emplace_back(currency_json(c));
  return {{"owner_id", json_of(k.owner_id)},
          {"owner_name", k.owner_name},
          {"open_deals", k.open_deals},
          {"won_deals", k.won_deals},
          {"lost_deals", k.lost_deals},
          {"win_rate", json_of_number(k.win_rate)},
          {"average_days_to_close", json_of_number(k.average_days_to_close)},
          {"rotten", k.rotten},
          {"stuck", k.stuck},
          {"overdue", k.overdue},
          {"currencies", std::move(currencies)}};
}

schema::Schema json_schema(std::type_identity<OwnerKpis>) {
  using namespace schema;
  const Schema currency = Object("OwnerCurrencyKpis")
                              .field("currency", string(3), "ISO 4217")
                              .field("open_deals", integer(0))
                              .field("open_value", money_schema())
                              .field("open_weighted", money_schema())
                              .field("won_deals", integer(0))
                              .field("won_value", money_schema())
                              .field("lost_deals", integer(0))
                              .field("lost_value", money_schema());
  return Object("OwnerKpis")
      .field("owner_id", nullable(uuid()), "null: deals without an owner")
      .field("owner_name", string())
      .field("open_deals", integer(0), "across currencies")
      .field("won_deals", integer(0), "across currencies, won in the period")
      .field("lost_deals", integer(0), "across currencies, lost in the period")
      .field("win_rate", nullable(number()), "won / (won + lost); null when neither")
      .field("average_days_to_close", nullable(number()), "won_time - add_time; null when none won")
      .field("rotten", integer(0))
      .field("stuck", integer(0))
      .field("overdue", integer(0))
      .field("currencies", array(currency), "money per currency, never added together");
}

}  // namespace crmd::deals
