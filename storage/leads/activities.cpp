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

asio::awaitable<std::vector<Listed<leads::Activity>>> LeadRepository::activities(
    const Uuid& lead, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  KeysetQuery keyset{kActivityColumns, "lead_activities", "lead_id = " + placeholder(params, lead)};
  keyset.sort = "occurred_at";
  keyset.sort_type = SortKeyType::timestamp;
  keyset.id = "lead_activities.id";
  keyset.descending = true;
  const auto result = co_await run(keyset.sql(from, limit, params), params);
  std::vector<Listed<leads::Activity>> rows;
  constexpr int kSortKey = 7;
  for (auto row : result) rows.push_back({activity_from(row), row.get<std::string>(kSortKey)});
  reorder(rows, from);
  co_return rows;
}

}  // namespace crmd::storage
