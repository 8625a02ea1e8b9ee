// The read models: each one statement over open deals of a pipeline,
// filtered by boundaries the domain's rules computed (see
// domain/deals/health.hpp), so that an index answers them.
#include <boost/json.hpp>

#include "domain/common/date.hpp"
#include "storage/deals/repository.hpp"
#include "storage/deals/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

const std::string kLineColumns =
    std::string(kDealColumns) + ", s.name, coalesce(nullif(u.name, ''), u.email::text, pu.name)";
constexpr const char* kLineJoins =
    " JOIN stages s ON s.id = d.stage_id LEFT JOIN users u ON u.id = d.owner_id"
    " LEFT JOIN pipedrive_users pu ON pu.pipedrive_id = d.pipedrive_owner_id";

// Open, unarchived, live deals of the pipeline (and the caller's, for sales).
std::string open_deals_of(pg::Params& params, const Uuid& pipeline,
                          const std::optional<Uuid>& visible_to) {
  std::string where = "d.pipeline_id = " + placeholder(params, pipeline) +
                      " AND d.status = 'open' AND d.deleted_at IS NULL AND d.archived_at IS NULL";
  if (visible_to) where += " AND d.owner_id = " + placeholder(params, *visible_to);
  return where;
}

KeysetQuery line_query(std::string where, std::string sort, SortKeyType type) {
  KeysetQuery keyset{kLineColumns, "deals d", std::move(where)};
  keyset.sort = std::move(sort);
  keyset.sort_type = type;
  keyset.id = "d.id";
  keyset.joins = kLineJoins;
  return keyset;
}

std::vector<Listed<DealLine>> lines_of(const pg::Result& result,
                                       const std::optional<PagePosition>& from) {
  std::vector<Listed<DealLine>> out;
  out.reserve(static_cast<std::size_t>(result.rows()));
  for (auto r : result)
    out.push_back({{deal_from(r), r.get<std::string>(kDealColumnCount),
                    r.get<std::optional<std::string>>(kDealColumnCount + 1)},
                   r.get<std::string>(kDealColumnCount + 2)});
  reorder(out, from);
  return out;
}

// The SQL that a deal (alias d) lacks a checklist field: the twin of
// deals::missing_fields, field for field (a blank string is missing; an
// object, as Pipedrive's money fields, by its "value").
std::string missing_condition(const std::string& field, pg::Params& params) {
  static constexpr std::string_view kCustom = "custom_fields.";
  const auto blank = [](const std::string& text) {
    return "coalesce(btrim(" + text + ", E' \\t\\n\\r'), '') = ''";
  };
  if (field.starts_with(kCustom)) {
    const auto key = placeholder(params, field.substr(kCustom.size()));
    const auto item = "d.custom_fields -> " + key;
    return blank("CASE WHEN jsonb_typeof(" + item + ") = 'object' THEN CASE WHEN " + item +
                 " ? 'value' THEN " + item + " ->> 'value' ELSE 'x' END ELSE d.custom_fields ->> " +
                 key + " END");
  }
  if (field == "title" || field == "lost_reason" || field == "currency") return blank("d." + field);
  // The remaining allowed fields are columns that are null or not.
  return "d." + field + " IS NULL";
}

// The terms joined to each deal by its stage.
std::string terms_join(pg::Params& params, const std::vector<StageAggregateTerms>& terms) {
  std::vector<Uuid> stages;
  std::vector<std::int32_t> probabilities;
  std::vector<bool> applies;
  std::vector<std::string> rotten;  // "-infinity": rot is off, nothing is before it
  std::vector<Timestamp> stuck;
  for (const auto& t : terms) {
    stages.push_back(t.stage_id);
    probabilities.push_back(t.stage_probability);
    applies.push_back(t.deal_probability_applies);
    rotten.push_back(t.rotten_before ? format_rfc3339(*t.rotten_before) : "-infinity");
    stuck.push_back(t.stuck_before);
  }
  return " JOIN unnest(" + placeholder(params, stages) + "::uuid[], " +
         placeholder(params, probabilities) + "::int[], " + placeholder(params, applies) +
         "::boolean[], " + placeholder(params, rotten) + "::timestamptz[], " +
         placeholder(params, stuck) +
         "::timestamptz[]) AS t (stage_id, probability, applies, rotten_before, stuck_before)"
         " ON t.stage_id = d.stage_id";
}

constexpr const char* kProbability =
    "coalesce(CASE WHEN t.applies THEN d.probability END, t.probability)";

}  // namespace

asio::awaitable<std::vector<Listed<DealLine>>> DealRepository::overdue(
    const Uuid& pipeline, std::chrono::sys_days close_before_or_on,
    const std::optional<Uuid>& visible_to, std::size_t limit,
    const std::optional<PagePosition>& from) {
  pg::Params params;
  auto where = open_deals_of(params, pipeline, visible_to) + " AND d.expected_close_date <= " +
               placeholder(params, format_date(close_before_or_on)) + "::date";
  auto keyset = line_query(std::move(where), "d.expected_close_date", SortKeyType::date);
  auto sql = keyset.sql(from, limit, params);
  co_return lines_of(co_await pool_.read_page(std::move(sql), std::move(params)), from);
}

asio::awaitable<std::vector<Listed<DealLine>>> DealRepository::in_stage_since(
    const Uuid& pipeline, const std::vector<StageCutoff>& cutoffs,
    const std::optional<Uuid>& visible_to, std::size_t limit,
    const std::optional<PagePosition>& from) {
  if (cutoffs.empty()) co_return std::vector<Listed<DealLine>>{};
  pg::Params params;
  auto keyset = line_query(open_deals_of(params, pipeline, visible_to), "d.stage_entered_at",
                           SortKeyType::timestamp);
  for (const auto& c : cutoffs)
    keyset.any_of.push_back({"d.stage_id = " + placeholder(params, c.stage_id) +
                             " AND d.stage_entered_at < " + placeholder(params, c.before)});
  auto sql = keyset.sql(from, limit, params);
  co_return lines_of(co_await pool_.read_page(std::move(sql), std::move(params)), from);
}

asio::awaitable<std::vector<Listed<DealLine>>> DealRepository::untouched(
    const Uuid& pipeline, const std::vector<StageCutoff>& cutoffs, bool notes_and_events,
    const std::optional<Uuid>& visible_to, std::size_t limit,
    const std::optional<PagePosition>& from) {
  if (cutoffs.empty()) co_return std::vector<Listed<DealLine>>{};
  pg::Params params;
  auto where = open_deals_of(params, pipeline, visible_to);
  if (notes_and_events) {
    // All cutoffs are one instant then: the first.
    const auto since = placeholder(params, cutoffs.front().before);
    where +=
        " AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.entity_type = 'deal'"
        " AND n.entity_id = d.id AND n.created_at >= " +
        since +
        " AND n.deleted_at IS NULL) AND NOT EXISTS (SELECT 1 FROM calendar_event_links k"
        " JOIN calendar_events e ON e.id = k.event_id WHERE k.entity_type = 'deal'"
        " AND k.entity_id = d.id AND e.status <> 'cancelled' AND e.start_time >= " +
        since + " AND e.start_time <= now())";
  }
  auto keyset = line_query(std::move(where), "d.update_time", SortKeyType::timestamp);
  for (const auto& c : cutoffs)
    keyset.any_of.push_back({"d.stage_id = " + placeholder(params, c.stage_id) +
                             " AND d.update_time < " + placeholder(params, c.before)});
  auto sql = keyset.sql(from, limit, params);
  co_return lines_of(co_await pool_.read_page(std::move(sql), std::move(params)), from);
}

asio::awaitable<std::vector<Listed<DealLine>>> DealRepository::incomplete(
    const Uuid& pipeline, const std::vector<StageChecklist>& checklists,
    const std::optional<Uuid>& visible_to, std::size_t limit,
    const std::optional<PagePosition>& from) {
  pg::Params params;
  auto keyset = line_query(open_deals_of(params, pipeline, visible_to), "d.stage_entered_at",
                           SortKeyType::timestamp);
  for (const auto& c : checklists) {
    if (c.checklist.fields.empty()) continue;
    std::string missing;
    for (const auto& field : c.checklist.fields)
      missing += (missing.empty() ? "" : " OR ") + missing_condition(field, params);
    keyset.any_of.push_back(
        {"d.stage_id = " + placeholder(params, c.stage_id) + " AND (" + missing + ")"});
  }
  if (keyset.any_of.empty()) co_return std::vector<Listed<DealLine>>{};
  auto sql = keyset.sql(from, limit, params);
  co_return lines_of(co_await pool_.read_page(std::move(sql), std::move(params)), from);
}

asio::awaitable<std::vector<deals::CashflowGroup>> DealRepository::cashflow_groups(
    const Uuid& pipeline, std::chrono::sys_days today,
    const std::vector<StageAggregateTerms>& terms, const std::optional<Uuid>& visible_to) {
  pg::Params params;
  const auto where = open_deals_of(params, pipeline, visible_to);
  const auto day = placeholder(params, format_date(today));
  auto sql =
      std::string("SELECT d.currency, date_trunc('month', d.expected_close_date)::date::text,") +
      " coalesce(d.expected_close_date < " + day + "::date, false), " + kProbability +
      ", coalesce(sum((d.value * 100)::bigint), 0), count(*) FROM deals d" +
      terms_join(params, terms) + " WHERE " + where + " GROUP BY 1, 2, 3, 4";
  const auto result = co_await pool_.read_page(std::move(sql), std::move(params));
  std::vector<deals::CashflowGroup> out;
  for (auto r : result) {
    deals::CashflowGroup g;
    g.currency = r.get<std::string>(0);
    if (auto month = r.get<std::optional<std::string>>(1)) g.expected_close = parse_date(*month);
    g.slipped = r.get<bool>(2);
    g.probability = static_cast<int>(r.get<std::int64_t>(3));
    g.value_cents = r.get<std::int64_t>(4);
    g.deals = r.get<std::int64_t>(5);
    out.push_back(std::move(g));
  }
  co_return out;
}

asio::awaitable<std::vector<RecentTotals>> DealRepository::recent(
    const Uuid& pipeline, Timestamp since, const std::optional<Uuid>& visible_to) {
  pg::Params params;
  std::string base =
      "d.pipeline_id = " + placeholder(params, pipeline) + " AND d.deleted_at IS NULL";
  if (visible_to) base += " AND d.owner_id = " + placeholder(params, *visible_to);
  const auto from = placeholder(params, since);
  const auto totals = [&](const char* kind, const std::string& condition) {
    return std::string("SELECT '") + kind +
           "', d.currency, count(*), coalesce(sum((d.value * 100)::bigint), 0) FROM deals d"
           " WHERE " +
           base + " AND " + condition + " GROUP BY d.currency";
  };
  // Moved: entered a stage in the window other than their first.
  const auto moved =
      "d.id IN (SELECT h.deal_id FROM deal_stage_history h WHERE h.entered_at >= " + from +
      " AND EXISTS (SELECT 1 FROM deal_stage_history h0 WHERE h0.deal_id = h.deal_id"
      " AND h0.id < h.id))";
  auto sql = totals("created", "d.add_time >= " + from) + " UNION ALL " + totals("moved", moved) +
             " UNION ALL " + totals("won", "d.status = 'won' AND d.won_time >= " + from) +
             " UNION ALL " + totals("lost", "d.status = 'lost' AND d.lost_time >= " + from) +
             " ORDER BY 1, 2";
  const auto result = co_await pool_.read_page(std::move(sql), std::move(params));
  std::vector<RecentTotals> out;
  for (auto r : result)
    out.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<std::int64_t>(2),
                   r.get<std::int64_t>(3)});
  co_return out;
}

asio::awaitable<std::vector<deals::OwnerKpiRow>> DealRepository::owner_kpis(const KpiQuery& q) {
  pg::Params params;
  const auto from = placeholder(params, q.from), to = placeholder(params, q.to);
  std::string where =
      "d.deleted_at IS NULL AND d.archived_at IS NULL AND (d.status = 'open'"
      " OR (d.status = 'won' AND d.won_time >= " +
      from + " AND d.won_time < " + to + ") OR (d.status = 'lost' AND d.lost_time >= " + from +
      " AND d.lost_time < " + to + "))";
  if (q.pipeline_id) where += " AND d.pipeline_id = " + placeholder(params, *q.pipeline_id);
  if (q.owner_id) where += " AND d.owner_id = " + placeholder(params, *q.owner_id);
  const auto overdue = placeholder(params, format_date(q.overdue_before));
  const std::string open = "d.status = 'open'";
  auto sql =
      // Grouped by the columns themselves (an owner's key is made below): a
      // text key made the planner expect thousands of groups and sort to disk.
      "SELECT d.owner_id, d.pipedrive_owner_id, d.currency,"
      " count(*) FILTER (WHERE " +
      open +
      "),"
      " coalesce(sum((d.value * 100)::bigint) FILTER (WHERE " +
      open +
      "), 0),"
      " coalesce(round(sum(d.value * " +
      kProbability + ") FILTER (WHERE " + open +
      "))::bigint, 0),"
      " count(*) FILTER (WHERE d.status = 'won'),"
      " coalesce(sum((d.value * 100)::bigint) FILTER (WHERE d.status = 'won'), 0),"
      " count(*) FILTER (WHERE d.status = 'lost'),"
      " coalesce(sum((d.value * 100)::bigint) FILTER (WHERE d.status = 'lost'), 0),"
      " coalesce(sum(extract(epoch FROM d.won_time - d.add_time) / 86400)"
      " FILTER (WHERE d.status = 'won'), 0)::float8,"
      " count(*) FILTER (WHERE " +
      open +
      " AND d.update_time < t.rotten_before),"
      " count(*) FILTER (WHERE " +
      open +
      " AND d.stage_entered_at < t.stuck_before),"
      " count(*) FILTER (WHERE " +
      open + " AND d.expected_close_date < " + overdue +
      "::date)"
      " FROM deals d" +
      terms_join(params, q.terms) + " WHERE " + where + " GROUP BY 1, 2, 3";
  const auto result = co_await pool_.read_page(std::move(sql), std::move(params));
  std::vector<deals::OwnerKpiRow> out;
  for (auto r : result) {
    deals::OwnerKpiRow k;
    if (auto user = r.get<std::optional<Uuid>>(0))
      k.owner_id = user->str();
    else if (auto pipedrive = r.get<std::optional<std::int64_t>>(1))
      k.owner_id = "pipedrive:" + std::to_string(*pipedrive);
    k.currency = r.get<std::string>(2);
    k.open_deals = r.get<std::int64_t>(3);
    k.open_value = r.get<std::int64_t>(4);
    k.open_weighted = r.get<std::int64_t>(5);
    k.won_deals = r.get<std::int64_t>(6);
    k.won_value = r.get<std::int64_t>(7);
    k.lost_deals = r.get<std::int64_t>(8);
    k.lost_value = r.get<std::int64_t>(9);
    k.won_days_total = r.get<double>(10);
    k.rotten = r.get<std::int64_t>(11);
    k.stuck = r.get<std::int64_t>(12);
    k.overdue = r.get<std::int64_t>(13);
    out.push_back(std::move(k));
  }
  co_return out;
}

asio::awaitable<std::pair<std::chrono::sys_days, Timestamp>> DealRepository::today(
    const std::string& time_zone) {
  const auto result = co_await pool_.read(
      "SELECT (now() AT TIME ZONE $1)::date::text,"
      " ((now() AT TIME ZONE $1)::date + 1)::timestamp AT TIME ZONE $1",
      pg::Params(time_zone));
  const auto row = result.one();
  co_return std::pair{*parse_date(row.get<std::string>(0)), row.get<Timestamp>(1)};
}

}  // namespace crmd::storage
