// The read models: the domain's rules (domain/deals/) give each stage's
// boundaries, the repository reads the deals past them in one statement,
// and the aggregates are kept until a deal changes.
#include <algorithm>
#include <unordered_map>

#include "actors/deals.hpp"
#include "actors/leads.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/date.hpp"
#include "domain/deals/cashflow.hpp"
#include "domain/deals/focus.hpp"
#include "domain/deals/kpis.hpp"
#include "domain/deals/money.hpp"
#include "storage/leads/repository.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using storage::StageCutoff;

namespace {

std::string key_of(const std::optional<Uuid>& id) {
  return id ? id->str() : "all";
}

boost::json::array totals_json(const std::vector<storage::RecentTotals>& rows,
                               std::string_view kind) {
  boost::json::array out;
  for (const auto& r : rows) {
    if (r.kind != kind) continue;
    boost::json::object o;
    o["currency"] = r.currency;
    o["deals"] = r.deals;
    o["value"] = deals::format_money(r.value_cents);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

std::vector<storage::StageAggregateTerms> DealService::aggregate_terms(
    const DealReference& reference, const std::optional<Uuid>& pipeline, Timestamp now) const {
  std::vector<storage::StageAggregateTerms> out;
  for (const auto& s : reference.stages) {
    if (pipeline && s.pipeline_id != *pipeline) continue;
    const auto* p = reference.pipeline(s.pipeline_id);
    const auto terms = terms_of(s);
    deals::PipelineTerms pipeline_terms;
    if (p) pipeline_terms.uses_probability = p->uses_probability;
    storage::StageAggregateTerms t;
    t.stage_id = s.id;
    // The rule with no deal probability: what the stage (and pipeline) give.
    t.stage_probability = deals::effective_probability(std::nullopt, terms, pipeline_terms);
    t.deal_probability_applies = pipeline_terms.uses_probability;
    t.rotten_before = deals::rotten_cutoff(terms, now);
    t.stuck_before = deals::stuck_cutoff(terms, now, options_.stuck_days);
    out.push_back(t);
  }
  return out;
}

asio::awaitable<DealLines> DealService::overdue(Uuid pipeline, int min_days, std::size_t limit,
                                                std::optional<PagePosition> from,
                                                identity::RequestContext context) {
  const auto reference = co_await pipeline_reference(pipeline);
  const auto day = co_await today();
  // Overdue is a close date before today: at least one day past it.
  const auto last_close = day - std::chrono::days(std::max(1, min_days));
  auto rows =
      co_await repository_.overdue(pipeline, last_close, own_leads_only(context), limit, from);
  co_return DealLines{std::move(rows), reference, day, current_time()};
}

asio::awaitable<DealLines> DealService::stuck(Uuid pipeline, std::size_t limit,
                                              std::optional<PagePosition> from,
                                              identity::RequestContext context) {
  const auto reference = co_await pipeline_reference(pipeline);
  const auto day = co_await today();
  const auto now = current_time();
  std::vector<StageCutoff> cutoffs;
  for (const auto* s : reference->stages_of(pipeline))
    cutoffs.push_back({s->id, deals::stuck_cutoff(terms_of(*s), now, options_.stuck_days)});
  auto rows =
      co_await repository_.in_stage_since(pipeline, cutoffs, own_leads_only(context), limit, from);
  co_return DealLines{std::move(rows), reference, day, now};
}

asio::awaitable<DealLines> DealService::order_received(Uuid pipeline, std::size_t limit,
                                                       std::optional<PagePosition> from,
                                                       identity::RequestContext context) {
  const auto reference = co_await pipeline_reference(pipeline);
  const auto day = co_await today();
  const auto now = current_time();
  std::vector<StageCutoff> cutoffs;
  // Every deal of a flagged stage entered it before now (and a clock skew
  // of a day between crmd and the database changes nothing).
  for (const auto* s : reference->stages_of(pipeline))
    if (s->order_received) cutoffs.push_back({s->id, now + std::chrono::hours(24)});
  auto rows =
      co_await repository_.in_stage_since(pipeline, cutoffs, own_leads_only(context), limit, from);
  co_return DealLines{std::move(rows), reference, day, now};
}

asio::awaitable<DealLines> DealService::incomplete(Uuid pipeline, std::size_t limit,
                                                   std::optional<PagePosition> from,
                                                   identity::RequestContext context) {
  const auto reference = co_await pipeline_reference(pipeline);
  const auto day = co_await today();
  std::vector<storage::StageChecklist> checklists;
  for (const auto* s : reference->stages_of(pipeline))
    if (!s->required_fields.fields.empty()) checklists.push_back({s->id, s->required_fields});
  auto rows =
      co_await repository_.incomplete(pipeline, checklists, own_leads_only(context), limit, from);
  co_return DealLines{std::move(rows), reference, day, current_time()};
}

asio::awaitable<DealLines> DealService::inactive(Uuid pipeline, int days, std::size_t limit,
                                                 std::optional<PagePosition> from,
                                                 identity::RequestContext context) {
  const auto reference = co_await pipeline_reference(pipeline);
  const auto day = co_await today();
  const auto now = current_time();
  const auto cutoff = now - std::chrono::days(days);
  std::vector<StageCutoff> cutoffs;
  for (const auto* s : reference->stages_of(pipeline)) cutoffs.push_back({s->id, cutoff});
  auto rows =
      co_await repository_.untouched(pipeline, cutoffs, true, own_leads_only(context), limit, from);
  co_return DealLines{std::move(rows), reference, day, now};
}

asio::awaitable<boost::json::object> DealService::cashflow(Uuid pipeline, int months,
                                                           identity::RequestContext context) {
  const auto reference = co_await pipeline_reference(pipeline);
  const auto day = co_await today();
  const auto own = own_leads_only(context);
  auto make = [this, reference, pipeline, day, own,
               months]() -> asio::awaitable<boost::json::object> {
    const auto terms = aggregate_terms(*reference, pipeline, current_time());
    const auto groups = co_await repository_.cashflow_groups(pipeline, day, terms, own);
    auto projection = deals::project_cashflow(groups, day, months, options_.commit_probability);
    co_return deals::to_json(projection);
  };
  co_return co_await cached("cashflow|" + pipeline.str() + "|" + std::to_string(months) + "|" +
                                key_of(own) + "|" + format_date(day),
                            std::move(make));
}

asio::awaitable<boost::json::object> DealService::recent_summary(Uuid pipeline, int days,
                                                                 identity::RequestContext context) {
  co_await pipeline_reference(pipeline);
  const auto own = own_leads_only(context);
  const auto since = current_time() - std::chrono::days(days);
  const auto rows = co_await repository_.recent(pipeline, since, own);
  boost::json::object out;
  out["pipeline_id"] = pipeline.str();
  out["days"] = days;
  out["since"] = format_rfc3339(since);
  for (const char* kind : {"created", "moved", "won", "lost"}) out[kind] = totals_json(rows, kind);
  co_return out;
}

asio::awaitable<boost::json::object> DealService::owner_kpis(Timestamp from, Timestamp to,
                                                             std::optional<Uuid> pipeline,
                                                             identity::RequestContext context) {
  if (pipeline) co_await pipeline_reference(pipeline.value());
  const auto reference = co_await this->reference();
  const auto day = co_await today();
  const auto own = own_leads_only(context);
  auto make = [this, reference, pipeline, day, own, from,
               to]() -> asio::awaitable<boost::json::object> {
    storage::KpiQuery q;
    q.from = from;
    q.to = to;
    q.pipeline_id = pipeline;
    q.owner_id = own;
    q.overdue_before = day;
    q.terms = aggregate_terms(*reference, pipeline, current_time());
    const auto rows = co_await repository_.owner_kpis(q);
    std::vector<std::optional<Uuid>> users;
    std::vector<std::int64_t> pipedrive;
    for (const auto& r : rows) {
      if (!r.owner_id) continue;
      if (r.owner_id->starts_with("pipedrive:")) {
        pipedrive.push_back(std::stoll(r.owner_id->substr(10)));
      } else {
        users.push_back(Uuid::parse(*r.owner_id));
      }
    }
    const auto names = co_await repository_.owner_names(users, pipedrive);
    std::unordered_map<std::string, std::string> by_key;
    for (const auto& n : names)
      by_key[n.owner_id ? n.owner_id->str()
                        : "pipedrive:" + std::to_string(*n.pipedrive_owner_id)] = n.name;
    const auto name_of = [&by_key](const std::optional<std::string>& key) -> std::string {
      if (!key) return "Unassigned";
      auto it = by_key.find(*key);
      return it == by_key.end() ? *key : it->second;
    };
    boost::json::array owners;
    for (const auto& k : deals::owner_kpis(rows, name_of)) owners.push_back(deals::to_json(k));
    boost::json::object out;
    out["from"] = format_rfc3339(from);
    out["to"] = format_rfc3339(to);
    out["pipeline_id"] =
        pipeline ? boost::json::value(pipeline->str()) : boost::json::value(nullptr);
    out["owners"] = std::move(owners);
    co_return out;
  };
  co_return co_await cached("kpis|" + format_rfc3339(from) + "|" + format_rfc3339(to) + "|" +
                                key_of(pipeline) + "|" + key_of(own) + "|" + format_date(day),
                            std::move(make));
}

asio::awaitable<boost::json::object> DealService::today_dashboard(
    identity::RequestContext context) {
  constexpr std::size_t kPerRule = 20;
  const auto me = context.user_id();
  if (!me)
    throw Error(ErrorKind::forbidden, "forbidden", "the dashboard is a user's: sign in as one");
  const auto reference = co_await this->reference();
  const auto day = co_await today();
  const auto now = current_time();
  std::vector<deals::FocusItem> items;
  const auto add_deals = [&](const std::vector<Listed<storage::DealLine>>& rows, const char* rule) {
    for (const auto& row : rows) {
      const auto& d = row.item.deal;
      const auto* stage = reference->stage(d.stage_id);
      const auto terms = stage ? terms_of(*stage) : deals::StageTerms{};
      deals::FocusReason reason;
      reason.rule = rule;
      if (reason.rule == "overdue") {
        const auto days = deals::overdue_days(d.expected_close_date, d.status, day).value_or(0);
        reason.days_past = static_cast<double>(days);
        reason.detail = "expected to close " + std::to_string(days) + " days ago";
      } else if (reason.rule == "stuck") {
        const auto verdict =
            deals::stuck(terms, d.status, d.stage_entered_at, now, options_.stuck_days);
        const auto in_stage = deals::whole_days(d.stage_entered_at, now);
        reason.days_past = verdict ? static_cast<double>(in_stage - verdict->threshold_days) : 0;
        reason.detail = std::to_string(in_stage) + " days in " + row.item.stage_name;
      } else {
        const auto idle = deals::whole_days(d.update_time, now);
        reason.days_past = static_cast<double>(idle - terms.days_to_rotten.value_or(0));
        reason.detail = "no update for " + std::to_string(idle) + " days";
      }
      deals::FocusItem item;
      item.kind = "deal";
      item.id = d.id.str();
      item.title = d.title;
      item.reasons.push_back(std::move(reason));
      item.subject = deals::to_json(d);
      items.push_back(std::move(item));
    }
  };
  for (const auto& p : reference->pipelines) {
    const auto stages = reference->stages_of(p.id);
    std::vector<StageCutoff> stuck, rotten;
    for (const auto* s : stages) {
      const auto terms = terms_of(*s);
      stuck.push_back({s->id, deals::stuck_cutoff(terms, now, options_.stuck_days)});
      if (auto r = deals::rotten_cutoff(terms, now)) rotten.push_back({s->id, *r});
    }
    auto overdue_rows =
        co_await repository_.overdue(p.id, day - std::chrono::days(1), me, kPerRule, std::nullopt);
    add_deals(overdue_rows, "overdue");
    auto stuck_rows = co_await repository_.in_stage_since(p.id, stuck, me, kPerRule, std::nullopt);
    add_deals(stuck_rows, "stuck");
    auto rotten_rows =
        co_await repository_.untouched(p.id, rotten, false, me, kPerRule, std::nullopt);
    add_deals(rotten_rows, "rotten");
  }
  storage::LeadRepository leads(pool_);
  const auto breaches = co_await leads.sla_breaches(me, kPerRule, std::nullopt);
  for (const auto& b : breaches) {
    deals::FocusItem item;
    item.kind = "lead";
    item.id = b.item.lead.id.str();
    item.title = b.item.lead.title;
    deals::FocusReason reason;
    reason.rule = "sla_breached";
    reason.days_past = b.item.days_without_interaction - b.item.sla_days;
    reason.detail = "no interaction for " +
                    std::to_string(static_cast<int>(b.item.days_without_interaction)) +
                    " days (SLA " + std::to_string(b.item.sla_days) + ")";
    item.reasons.push_back(std::move(reason));
    item.subject = leads::to_json(b.item.lead);
    items.push_back(std::move(item));
  }
  boost::json::array ranked;
  for (const auto& item : deals::rank_focus(std::move(items)))
    ranked.push_back(deals::to_json(item));
  boost::json::object out;
  out["today"] = format_date(day);
  out["items"] = std::move(ranked);
  co_return out;
}

}  // namespace crmd::actors
