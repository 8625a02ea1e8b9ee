#include <algorithm>

#include "storage/leads/repository.hpp"
#include "storage/leads/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using leads::Lead;
using namespace lead_rows;

// ---- activities

namespace {

constexpr const char* kActivityColumns =
    "lead_activities.id, lead_activities.lead_id, lead_activities.kind,"
    " lead_activities.summary, lead_activities.occurred_at, lead_activities.created_by,"
    " lead_activities.created_at";

leads::Activity activity_from(const pg::Row& r) {
  return {r.get<Uuid>(0),        r.get<Uuid>(1),
          r.get<std::string>(2), r.get<std::optional<std::string>>(3),
          r.get<Timestamp>(4),   r.get<std::optional<Uuid>>(5),
          r.get<Timestamp>(6)};
}

}  // namespace

asio::awaitable<leads::Activity> LeadRepository::insert_activity(
    pg::Transaction& tx, const Uuid& lead, const leads::NewActivity& activity,
    const std::optional<Uuid>& created_by) {
  const auto result = co_await run(
      tx,
      std::string("INSERT INTO lead_activities (lead_id, kind, summary, occurred_at, created_by)"
                  " VALUES ($1, $2, $3, $4, $5) RETURNING ") +
          kActivityColumns,
      pg::Params(lead, activity.kind, activity.summary, activity.occurred_at, created_by));
  co_return activity_from(result.one());
}

asio::awaitable<std::vector<Uuid>> LeadRepository::follow_event(
    pg::Transaction& tx, const Uuid& event, const std::vector<Uuid>& leads,
    std::optional<Timestamp> at, const std::optional<std::string>& summary) {
  const auto removed = co_await run(tx,
                                    "DELETE FROM lead_activities WHERE calendar_event_id = $1"
                                    " AND lead_id <> ALL($2::uuid[]) RETURNING lead_id",
                                    pg::Params(event, leads));
  std::vector<Uuid> touched;
  for (auto row : removed) touched.push_back(row.get<Uuid>(0));
  if (!leads.empty() && at) {
    const auto kept = co_await run(
        tx,
        "INSERT INTO lead_activities (lead_id, kind, summary, occurred_at, calendar_event_id)"
        " SELECT l.id, 'event', left($3, 2000), $4, $1 FROM leads l WHERE l.id = ANY($2::uuid[])"
        " AND l.deleted_at IS NULL"
        " ON CONFLICT (lead_id, calendar_event_id) WHERE calendar_event_id IS NOT NULL"
        " DO UPDATE SET occurred_at = excluded.occurred_at, summary = excluded.summary"
        " WHERE (lead_activities.occurred_at, lead_activities.summary) IS DISTINCT FROM"
        " (excluded.occurred_at, excluded.summary) RETURNING lead_id",
        pg::Params(event, leads, summary, *at));
    for (auto row : kept) touched.push_back(row.get<Uuid>(0));
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  co_return touched;
}

asio::awaitable<std::vector<Listed<leads::Activity>>> LeadRepository::activities(
    const Uuid& lead, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  KeysetQuery keyset{kActivityColumns, "lead_activities", "lead_id = " + placeholder(params, lead)};
  keyset.sort = "occurred_at";
  keyset.sort_type = SortKeyType::timestamp;
  keyset.id = "lead_activities.id";
  keyset.descending = true;
  const auto result = co_await run_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<leads::Activity>> rows;
  constexpr int kSortKey = 7;
  for (auto row : result) rows.push_back({activity_from(row), row.get<std::string>(kSortKey)});
  reorder(rows, from);
  co_return rows;
}

}  // namespace crmd::storage
