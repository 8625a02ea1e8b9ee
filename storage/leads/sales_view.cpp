#include "storage/leads/repository.hpp"
#include "storage/leads/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using leads::Lead;
using namespace lead_rows;

// ---- the sales view

// One statement for the whole page, however many rows: the lead's columns
// (with tag_names and primary_contact_id, copies the triggers of migration
// 0010 keep, so that a row costs no lookup of its tags nor a search of its
// contacts), the owner, the primary contact and the stats by joins. No
// per-row round trip (no N+1); status and origin come from the actor's
// cache. Order: priority, then last interaction (never last), then id, all
// descending, as the partial indexes idx_leads_sales_view(_owner) read; the
// cursor's sort key is "priority|last interaction". The page size is
// written into the SQL, not a parameter: with a parameter the planner
// cannot trust a generic plan, and planning every execution cost twice the
// execution.
asio::awaitable<std::vector<Listed<leads::SalesViewRow>>> LeadRepository::sales_view(
    const std::optional<Uuid>& owner, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  std::string where =
      "l.deleted_at IS NULL AND l.qualified_at IS NULL AND l.disqualified_at IS NULL";
  if (owner) where += " AND l.owner_user_id = " + placeholder(params, *owner);
  const bool backward = from && from->backward;
  constexpr const char* kLast = "coalesce(l.last_interaction_at, '-infinity'::timestamptz)";
  if (from) {
    const auto bar = from->sort_key.find('|');
    if (bar == std::string::npos ||
        !valid_sort_key(std::string_view(from->sort_key).substr(0, bar), SortKeyType::integer) ||
        !valid_sort_key(std::string_view(from->sort_key).substr(bar + 1), SortKeyType::timestamp))
      throw invalid_cursor();
    where += std::string(" AND (l.priority_score, ") + kLast + ", l.id) " + (backward ? ">" : "<") +
             " (" + placeholder(params, from->sort_key.substr(0, bar)) + "::integer, " +
             placeholder(params, from->sort_key.substr(bar + 1)) + "::timestamptz, " +
             placeholder(params, from->id) + ")";
  }
  const std::string direction = backward ? " ASC" : " DESC";
  const std::string order =
      " ORDER BY l.priority_score" + direction + ", " + kLast + direction + ", l.id" + direction;
  // The page's leads first, the joins on them after: joined before the
  // LIMIT, the planner sized each join's Memoize cache for all the live
  // leads, and clearing those caches at every execution was a quarter of
  // the statement's time (8,400 tps against 5,200 this way, pgbench -c 32).
  const std::string sql =
      std::string("SELECT ") + kViewColumns +
      ", u.name, NULL::text, NULL::text, pc.id, pc.full_name, pc.email::text, pc.phone, pc.title,"
      " true, pc.created_at, " +
      kStatsColumns + ", l.priority_score::text || '|' || " + kLast +
      "::text"
      " FROM (SELECT * FROM leads l WHERE " +
      where + order + " LIMIT " + std::to_string(limit) +
      ") l LEFT JOIN users u ON u.id = l.owner_user_id"
      " LEFT JOIN lead_activity_stats st ON st.lead_id = l.id"
      " LEFT JOIN contacts pc ON pc.id = l.primary_contact_id" +
      order;
  const auto result = co_await run_page(sql, params, pg::Format::binary);
  std::vector<Listed<leads::SalesViewRow>> rows;
  constexpr int at = kColumnCount;
  for (auto row : result) {
    leads::SalesViewRow r;
    r.lead = lead_from(row);
    r.id = r.lead.id;
    r.owner_name = row.get<std::optional<std::string>>(at);
    r.status_label = row.get<std::optional<std::string>>(at + 1);
    r.origin_label = row.get<std::optional<std::string>>(at + 2);
    if (!row.is_null(at + 3)) {
      // added_at holds the contact's created_at here: the view does not show it.
      r.primary_contact = contact_from(row, at + 3);
      r.primary_contact->primary = true;
    }
    if (!row.is_null(at + 10)) r.stats = stats_from(row, at + 10);
    rows.push_back({std::move(r), row.get<std::string>(at + 20)});
  }
  reorder(rows, from);
  co_return rows;
}

boost::json::value to_json(const SlaBreach& breach, const boost::json::storage_ptr& sp) {
  boost::json::object o(leads::to_json(breach.lead), sp);
  o["sla_days"] = breach.sla_days;
  o["days_without_interaction"] = breach.days_without_interaction;
  return o;
}

asio::awaitable<std::vector<Listed<SlaBreach>>> LeadRepository::sla_breaches(
    const std::optional<Uuid>& owner, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  std::string where =
      "l.sla_breached_at IS NOT NULL AND l.deleted_at IS NULL AND l.qualified_at IS NULL"
      " AND l.disqualified_at IS NULL";
  if (owner) where += " AND l.owner_user_id = " + placeholder(params, *owner);
  KeysetQuery keyset{std::string(kColumns) +
                         ", s.sla_days, extract(epoch FROM now() - coalesce(l.last_interaction_at,"
                         " l.created_at))::float8 / 86400",
                     "leads l", where};
  keyset.sort = "coalesce(l.last_interaction_at, l.created_at)";
  keyset.sort_type = SortKeyType::timestamp;
  keyset.id = "l.id";
  keyset.joins = "JOIN lead_statuses s ON s.id = l.lead_status_id";
  const auto result = co_await run_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<SlaBreach>> breaches;
  for (auto row : result) {
    auto lead = lead_from(row);
    const auto id = lead.id;
    breaches.push_back(
        {{id, std::move(lead), row.get<std::optional<std::int32_t>>(kColumnCount).value_or(0),
          row.get<double>(kColumnCount + 1)},
         row.get<std::string>(kColumnCount + 2)});
  }
  reorder(breaches, from);
  co_return breaches;
}

}  // namespace crmd::storage
