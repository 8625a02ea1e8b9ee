#include "storage/leads/repository.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <set>

#include "domain/common/error.hpp"
#include "domain/common/json_of.hpp"
#include "domain/contacts/company.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using leads::Lead;

namespace {

// A lead's columns, read from "leads l"; tags and codes come with it in the
// same statement.
constexpr const char* kColumns =
    "l.id, l.legal_name, l.trade_name, l.lead_status_id,"
    " (SELECT s.code FROM lead_statuses s WHERE s.id = l.lead_status_id), l.lead_origin_id,"
    " (SELECT o.code FROM lead_origins o WHERE o.id = l.lead_origin_id), l.owner_user_id,"
    " l.qualified_company_id, l.qualified_master_deal_id, l.address_city, l.address_state,"
    " l.last_interaction_at, l.priority_score, l.disqualified_at, l.disqualification_reason,"
    " l.qualified_at, l.sla_breached_at, l.created_at, l.updated_at, l.deleted_at, l.tag_names";
constexpr int kColumnCount = 22;

// The same columns for the sales view, without the status and origin codes
// (NULL here): the leads actor fills them, and their labels, from its cache.
constexpr const char* kViewColumns =
    "l.id, l.legal_name, l.trade_name, l.lead_status_id, NULL::text, l.lead_origin_id,"
    " NULL::text, l.owner_user_id,"
    " l.qualified_company_id, l.qualified_master_deal_id, l.address_city, l.address_state,"
    " l.last_interaction_at, l.priority_score, l.disqualified_at, l.disqualification_reason,"
    " l.qualified_at, l.sla_breached_at, l.created_at, l.updated_at, l.deleted_at, l.tag_names";

Lead lead_from(const pg::Row& r, int at = 0) {
  Lead l;
  l.id = r.get<Uuid>(at + 0);
  l.title = r.get<std::string>(at + 1);
  l.trade_name = r.get<std::optional<std::string>>(at + 2);
  l.status_id = r.get<std::optional<Uuid>>(at + 3);
  l.status = r.get<std::optional<std::string>>(at + 4);
  l.origin_id = r.get<std::optional<Uuid>>(at + 5);
  l.origin = r.get<std::optional<std::string>>(at + 6);
  l.owner_user_id = r.get<std::optional<Uuid>>(at + 7);
  l.qualified_company_id = r.get<std::optional<Uuid>>(at + 8);
  l.qualified_master_deal_id = r.get<std::optional<Uuid>>(at + 9);
  l.address_city = r.get<std::optional<std::string>>(at + 10);
  l.address_state = r.get<std::optional<std::string>>(at + 11);
  l.last_interaction_at = r.get<std::optional<Timestamp>>(at + 12);
  l.priority_score = r.get<std::int32_t>(at + 13);
  l.disqualified_at = r.get<std::optional<Timestamp>>(at + 14);
  l.disqualification_reason = r.get<std::optional<std::string>>(at + 15);
  l.qualified_at = r.get<std::optional<Timestamp>>(at + 16);
  l.sla_breached_at = r.get<std::optional<Timestamp>>(at + 17);
  l.created_at = r.get<Timestamp>(at + 18);
  l.updated_at = r.get<Timestamp>(at + 19);
  l.deleted_at = r.get<std::optional<Timestamp>>(at + 20);
  l.tags = r.get<std::vector<std::string>>(at + 21);  // sorted by the trigger
  return l;
}

// The priority score's inputs of the row of "leads" (unaliased: usable in
// an UPDATE's RETURNING as in a SELECT).
constexpr const char* kInputs =
    "coalesce((SELECT s.code FROM lead_statuses s WHERE s.id = leads.lead_status_id), ''),"
    " coalesce((SELECT o.code FROM lead_origins o WHERE o.id = leads.lead_origin_id), ''),"
    " extract(epoch FROM now() - leads.created_at)::float8 / 86400,"
    " extract(epoch FROM now() - leads.last_interaction_at)::float8 / 86400,"
    " coalesce((SELECT st.engagement_score FROM lead_activity_stats st"
    " WHERE st.lead_id = leads.id), 0),"
    " leads.tag_names, leads.disqualified_at IS NOT NULL";

leads::PriorityInputs inputs_from(const pg::Row& row) {
  leads::PriorityInputs in;
  in.status = row.get<std::string>(0);
  in.origin = row.get<std::string>(1);
  in.age_days = row.get<double>(2);
  in.days_since_interaction = row.get<std::optional<double>>(3);
  in.engagement = row.get<std::int32_t>(4);
  in.tags = row.get<std::vector<std::string>>(5);
  in.disqualified = row.get<bool>(6);
  return in;
}

const char* table_of(Reference which) {
  return which == Reference::statuses ? "lead_statuses" : "lead_origins";
}

constexpr const char* kReferenceColumns =
    "id, code, label, description, is_active, sort_order, NULL::integer, created_at";
constexpr const char* kStatusColumns =
    "id, code, label, description, is_active, sort_order, sla_days, created_at";

const char* reference_columns(Reference which) {
  return which == Reference::statuses ? kStatusColumns : kReferenceColumns;
}

leads::ReferenceItem reference_from(const pg::Row& r) {
  return {r.get<Uuid>(0),
          r.get<std::string>(1),
          r.get<std::string>(2),
          r.get<std::optional<std::string>>(3),
          r.get<bool>(4),
          r.get<std::int32_t>(5),
          r.get<std::optional<std::int32_t>>(6),
          r.get<Timestamp>(7)};
}

constexpr const char* kTagColumns = "id, name::text, color, created_at";

leads::Tag tag_from(const pg::Row& r) {
  return {r.get<Uuid>(0), r.get<std::string>(1), r.get<std::optional<std::string>>(2),
          r.get<Timestamp>(3)};
}

constexpr const char* kContactColumns =
    "lc.contact_id, c.full_name, c.email::text, c.phone, c.title, lc.is_primary, lc.added_at";

leads::LeadContact contact_from(const pg::Row& r, int at) {
  leads::LeadContact c;
  c.contact_id = r.get<Uuid>(at);
  c.full_name = r.get<std::string>(at + 1);
  c.email = r.get<std::optional<std::string>>(at + 2);
  c.phone = r.get<std::optional<std::string>>(at + 3);
  c.title = r.get<std::optional<std::string>>(at + 4);
  c.is_primary = r.get<bool>(at + 5);
  c.primary = c.is_primary;
  c.added_at = r.get<Timestamp>(at + 6);
  return c;
}

constexpr const char* kStatsColumns =
    "st.lead_id, st.engagement_score, st.last_interaction_at, st.last_email_at, "
    "st.last_event_at, st.total_emails, st.total_events, st.total_interactions, st.created_at, "
    "st.updated_at";

leads::ActivityStats stats_from(const pg::Row& r, int at) {
  leads::ActivityStats s;
  s.lead_id = r.get<Uuid>(at);
  s.engagement_score = r.get<std::int32_t>(at + 1);
  s.last_interaction_at = r.get<std::optional<Timestamp>>(at + 2);
  s.last_email_at = r.get<std::optional<Timestamp>>(at + 3);
  s.last_event_at = r.get<std::optional<Timestamp>>(at + 4);
  s.total_emails = r.get<std::int32_t>(at + 5);
  s.total_events = r.get<std::int32_t>(at + 6);
  s.total_interactions = r.get<std::int32_t>(at + 7);
  s.created_at = r.get<Timestamp>(at + 8);
  s.updated_at = r.get<Timestamp>(at + 9);
  return s;
}

Assignments assignments_of(const LeadColumns& c, pg::Params params) {
  Assignments a{{}, {}, std::move(params)};
  a.add("legal_name", c.title);
  a.add("trade_name", c.trade_name);
  a.add("lead_status_id", c.status_id);
  a.add("lead_origin_id", c.origin_id);
  a.add("owner_user_id", c.owner_user_id);
  a.add("address_city", c.address_city);
  a.add("address_state", c.address_state);
  return a;
}

[[noreturn]] void rethrow_write_error(const pg::Error& e) {
  if (e.is_foreign_key_violation())
    throw Error(ErrorKind::validation, "validation_error", "the owner does not exist",
                {{"owner_user_id", "no such user"}});
  throw e;
}

// The WHERE clause of a list query; its values are appended to params.
std::string where_of(const leads::LeadListQuery& q, pg::Params& params) {
  const auto param = [&](const auto& value) { return placeholder(params, value); };
  std::string where = "TRUE";
  if (!q.include_deleted) {
    // Qualified leads are soft-deleted too: include_qualified shows those.
    where += q.include_qualified ? " AND (l.deleted_at IS NULL OR l.qualified_at IS NOT NULL)"
                                 : " AND l.deleted_at IS NULL";
  }
  if (!q.include_qualified) where += " AND l.qualified_at IS NULL";
  if (!q.include_disqualified) where += " AND l.disqualified_at IS NULL";
  if (q.visible_to) where += " AND l.owner_user_id = " + param(*q.visible_to);
  if (!q.statuses.empty())
    where += " AND l.lead_status_id IN (SELECT id FROM lead_statuses WHERE code = ANY(" +
             param(q.statuses) + "::text[]))";
  if (!q.origins.empty())
    where += " AND l.lead_origin_id IN (SELECT id FROM lead_origins WHERE code = ANY(" +
             param(q.origins) + "::text[]))";
  if (!q.tags.empty())
    where +=
        " AND EXISTS (SELECT 1 FROM lead_tags lt JOIN tags t ON t.id = lt.tag_id"
        " WHERE lt.lead_id = l.id AND t.name = ANY(" +
        param(q.tags) + "::citext[]))";
  if (!q.owners.empty()) where += " AND l.owner_user_id = ANY(" + param(q.owners) + "::uuid[])";
  if (q.q)
    where += " AND lower(l.legal_name || ' ' || coalesce(l.trade_name, '')) LIKE " +
             param(contains_patterns(lowered({*q.q}))[0]);
  if (q.priority_min) where += " AND l.priority_score >= " + param(*q.priority_min);
  if (q.priority_max) where += " AND l.priority_score <= " + param(*q.priority_max);
  if (q.created_after) where += " AND l.created_at >= " + param(*q.created_after);
  if (q.created_before) where += " AND l.created_at < " + param(*q.created_before);
  if (q.interaction_after) where += " AND l.last_interaction_at >= " + param(*q.interaction_after);
  if (q.interaction_before) where += " AND l.last_interaction_at < " + param(*q.interaction_before);
  return where;
}

}  // namespace

asio::awaitable<pg::Result> LeadRepository::run(std::string sql, pg::Params params) {
  statements_.fetch_add(1);
  co_return co_await pool_.query(std::move(sql), std::move(params));
}

asio::awaitable<pg::Result> LeadRepository::run(pg::Transaction& tx, std::string sql,
                                                pg::Params params) {
  statements_.fetch_add(1);
  co_return co_await tx.query(std::move(sql), std::move(params));
}

asio::awaitable<pg::Result> LeadRepository::run(pg::Transaction& tx, std::string sql,
                                                pg::Params params, ErrorMapper map_error) {
  statements_.fetch_add(1);
  co_return co_await query_or_map(tx, std::move(sql), std::move(params), map_error);
}

// ---- reference data

asio::awaitable<std::vector<leads::ReferenceItem>> LeadRepository::references(Reference which) {
  // Not counted (pool_, not run()): these load the actor's cache, at times
  // no request chooses (a NOTIFY from another process).
  const auto result =
      co_await pool_.query(std::string("SELECT ") + reference_columns(which) + " FROM " +
                           table_of(which) + " ORDER BY sort_order, code");
  std::vector<leads::ReferenceItem> items;
  for (auto row : result) items.push_back(reference_from(row));
  co_return items;
}

namespace {
Assignments reference_assignments(const leads::ReferenceChanges& c, Reference which,
                                  pg::Params params) {
  Assignments a{{}, {}, std::move(params)};
  a.add("code", c.code);
  a.add("label", c.label);
  a.add("description", c.description);
  a.add("is_active", c.is_active);
  if (c.sort_order) a.set("sort_order", static_cast<std::int32_t>(*c.sort_order));
  if (which == Reference::statuses && c.sla_days) {
    std::optional<std::int32_t> days;
    if (*c.sla_days) days = static_cast<std::int32_t>(**c.sla_days);
    a.set("sla_days", days, "::integer");
  }
  return a;
}

[[noreturn]] void rethrow_reference_error(const pg::Error& e) {
  if (e.is_unique_violation())
    throw Error(ErrorKind::conflict, "code_taken", "this code is already used",
                {{"code", "already used"}});
  throw e;
}
}  // namespace

asio::awaitable<leads::ReferenceItem> LeadRepository::insert_reference(
    pg::Transaction& tx, Reference which, const leads::ReferenceChanges& changes) {
  auto a = reference_assignments(changes, which, pg::Params{});
  auto result =
      co_await run(tx, a.insert_into(table_of(which)) + " RETURNING " + reference_columns(which),
                   a.params, rethrow_reference_error);
  co_return reference_from(result.one());
}

asio::awaitable<std::optional<leads::ReferenceItem>> LeadRepository::update_reference(
    pg::Transaction& tx, Reference which, const Uuid& id, const leads::ReferenceChanges& changes) {
  auto a = reference_assignments(changes, which, pg::Params(id));
  auto result = co_await run(tx,
                             std::string("UPDATE ") + table_of(which) + " SET " + a.set_list("") +
                                 (a.columns.empty() ? "id = id" : "") +
                                 " WHERE id = $1 RETURNING " + reference_columns(which),
                             a.params, rethrow_reference_error);
  if (result.empty()) co_return std::nullopt;
  co_return reference_from(result[0]);
}

// ---- tags

asio::awaitable<std::vector<leads::Tag>> LeadRepository::tags() {
  const auto result =
      co_await run(std::string("SELECT ") + kTagColumns + " FROM tags ORDER BY name", pg::Params{});
  std::vector<leads::Tag> tags;
  for (auto row : result) tags.push_back(tag_from(row));
  co_return tags;
}

asio::awaitable<std::optional<leads::Tag>> LeadRepository::find_tag(pg::Transaction& tx,
                                                                    const Uuid& id, TagLock lock) {
  const char* mode = lock == TagLock::remove   ? " FOR UPDATE"
                     : lock == TagLock::update ? " FOR NO KEY UPDATE"
                                               : " FOR KEY SHARE";
  const auto result = co_await run(
      tx, std::string("SELECT ") + kTagColumns + " FROM tags WHERE id = $1" + mode, pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return tag_from(result[0]);
}

namespace {
[[noreturn]] void rethrow_tag_error(const pg::Error& e) {
  if (e.is_unique_violation())
    throw Error(ErrorKind::conflict, "tag_exists", "a tag with this name exists",
                {{"name", "already used"}});
  throw e;
}
}  // namespace

asio::awaitable<leads::Tag> LeadRepository::insert_tag(pg::Transaction& tx,
                                                       const leads::TagChanges& changes) {
  Assignments a;
  a.add("name", changes.name);
  a.add("color", changes.color);
  auto result = co_await run(tx, a.insert_into("tags") + " RETURNING " + std::string(kTagColumns),
                             a.params, rethrow_tag_error);
  co_return tag_from(result.one());
}

asio::awaitable<leads::Tag> LeadRepository::update_tag(pg::Transaction& tx, const Uuid& id,
                                                       const leads::TagChanges& changes) {
  Assignments a{{}, {}, pg::Params(id)};
  a.add("name", changes.name);
  a.add("color", changes.color);
  auto result = co_await run(tx,
                             "UPDATE tags SET " + a.set_list("updated_at = now()") +
                                 " WHERE id = $1 RETURNING " + std::string(kTagColumns),
                             a.params, rethrow_tag_error);
  co_return tag_from(result.one());
}

asio::awaitable<void> LeadRepository::delete_tag(pg::Transaction& tx, const Uuid& id) {
  co_await run(tx, "DELETE FROM tags WHERE id = $1", pg::Params(id));
}

asio::awaitable<std::vector<Uuid>> LeadRepository::resolve_tags(pg::Transaction& tx,
                                                                const leads::TagSet& set,
                                                                bool may_create) {
  std::vector<Uuid> ids;
  if (!set.names.empty()) {
    if (may_create)
      co_await run(tx,
                   "INSERT INTO tags (name) SELECT DISTINCT btrim(n) FROM unnest($1::text[]) AS n"
                   " WHERE btrim(n) <> '' ON CONFLICT (name) DO NOTHING",
                   pg::Params(set.names));
    const auto result = co_await run(
        tx,
        "SELECT t.id, n FROM unnest($1::text[]) AS n LEFT JOIN tags t ON t.name = btrim(n)::citext",
        pg::Params(set.names));
    std::vector<std::string> missing;
    for (auto row : result) {
      if (row.is_null(0))
        missing.push_back(row.get<std::string>(1));
      else
        ids.push_back(row.get<Uuid>(0));
    }
    if (!missing.empty()) {
      std::string names;
      for (const auto& name : missing) names += (names.empty() ? "" : ", ") + name;
      throw Error(ErrorKind::validation, "unknown_tag",
                  "only managers and admins create tags; unknown: " + names,
                  {{"tags", "no such tag: " + names}});
    }
  }
  if (!set.ids.empty()) {
    const auto result =
        co_await run(tx, "SELECT id FROM tags WHERE id = ANY($1::uuid[])", pg::Params(set.ids));
    if (static_cast<std::size_t>(result.rows()) <
        std::set<Uuid>(set.ids.begin(), set.ids.end()).size())
      throw Error(ErrorKind::validation, "validation_error", "unknown tag",
                  {{"tag_ids", "no such tag"}});
    for (auto row : result) ids.push_back(row.get<Uuid>(0));
  }
  co_return ids;
}

asio::awaitable<void> LeadRepository::set_lead_tags(pg::Transaction& tx, const Uuid& lead,
                                                    const std::vector<Uuid>& tags) {
  co_await run(tx, "DELETE FROM lead_tags WHERE lead_id = $1 AND NOT (tag_id = ANY($2::uuid[]))",
               pg::Params(lead, tags));
  co_await run(tx,
               "INSERT INTO lead_tags (lead_id, tag_id) SELECT $1, t FROM unnest($2::uuid[]) AS t"
               " ON CONFLICT DO NOTHING",
               pg::Params(lead, tags));
}

asio::awaitable<void> LeadRepository::add_lead_tag(pg::Transaction& tx, const Uuid& lead,
                                                   const Uuid& tag) {
  co_await run(tx, "INSERT INTO lead_tags (lead_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
               pg::Params(lead, tag));
}

asio::awaitable<bool> LeadRepository::remove_lead_tag(pg::Transaction& tx, const Uuid& lead,
                                                      const Uuid& tag) {
  const auto result = co_await run(tx, "DELETE FROM lead_tags WHERE lead_id = $1 AND tag_id = $2",
                                   pg::Params(lead, tag));
  co_return result.affected() > 0;
}

// ---- leads

asio::awaitable<std::vector<Listed<Lead>>> LeadRepository::list(
    const leads::LeadListQuery& q, std::size_t limit, const std::optional<PagePosition>& from) {
  using leads::LeadOrder;
  pg::Params params;
  KeysetQuery keyset{kColumns, "leads l", where_of(q, params)};
  keyset.id = "l.id";
  switch (q.order) {
    case LeadOrder::created_at:
      keyset.sort = "l.created_at";
      keyset.sort_type = SortKeyType::timestamp;
      break;
    case LeadOrder::updated_at:
      keyset.sort = "l.updated_at";
      keyset.sort_type = SortKeyType::timestamp;
      break;
    case LeadOrder::priority:
      keyset.sort = "l.priority_score";
      keyset.sort_type = SortKeyType::integer;
      break;
    case LeadOrder::title:
      keyset.sort = "lower(l.legal_name)";
      keyset.sort_type = SortKeyType::text;
      break;
    case LeadOrder::last_interaction:
      // Never: before every interaction.
      keyset.sort = "coalesce(l.last_interaction_at, '-infinity'::timestamptz)";
      keyset.sort_type = SortKeyType::timestamp;
      break;
  }
  keyset.descending = q.descending;
  const auto result = co_await run(keyset.sql(from, limit, params), params);
  std::vector<Listed<Lead>> rows;
  for (auto row : result) rows.push_back({lead_from(row), row.get<std::string>(kColumnCount)});
  reorder(rows, from);
  co_return rows;
}

asio::awaitable<std::optional<Lead>> LeadRepository::find(const Uuid& id) {
  const auto result = co_await run(
      std::string("SELECT ") + kColumns + " FROM leads l WHERE l.id = $1", pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return lead_from(result[0]);
}

asio::awaitable<std::optional<Lead>> LeadRepository::find(pg::Transaction& tx, const Uuid& id) {
  const auto result = co_await run(
      tx, std::string("SELECT ") + kColumns + " FROM leads l WHERE l.id = $1", pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return lead_from(result[0]);
}

asio::awaitable<std::optional<Lead>> LeadRepository::lock(pg::Transaction& tx, const Uuid& id) {
  const auto result = co_await run(
      tx, std::string("SELECT ") + kColumns + " FROM leads l WHERE l.id = $1 FOR UPDATE",
      pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return lead_from(result[0]);
}

asio::awaitable<Lead> LeadRepository::insert(pg::Transaction& tx, const LeadColumns& columns) {
  auto a = assignments_of(columns, pg::Params{});
  // A new lead's first interaction is its creation.
  a.set("last_interaction_at", std::string("now"), "::timestamptz");
  auto result =
      co_await run(tx, a.insert_into("leads") + " RETURNING id", a.params, rethrow_write_error);
  const auto id = result.one().get<Uuid>(0);
  co_await run(tx,
               "INSERT INTO lead_activity_stats (lead_id, last_interaction_at)"
               " SELECT id, last_interaction_at FROM leads WHERE id = $1",
               pg::Params(id));
  auto lead = co_await find(tx, id);
  co_return *lead;
}

asio::awaitable<std::optional<leads::PriorityInputs>> LeadRepository::update(
    pg::Transaction& tx, const Uuid& id, const LeadColumns& columns) {
  auto a = assignments_of(columns, pg::Params(id));
  if (a.columns.empty()) co_return std::nullopt;
  // updated_at and last_interaction_at: the leads_track trigger, when a
  // tracked field changes; RETURNING sees the row as the trigger left it.
  auto result =
      co_await run(tx, "UPDATE leads SET " + a.set_list("") + " WHERE id = $1 RETURNING " + kInputs,
                   a.params, rethrow_write_error);
  co_return inputs_from(result.one());
}

asio::awaitable<leads::PriorityInputs> LeadRepository::priority_inputs(pg::Transaction& tx,
                                                                       const Uuid& id) {
  const auto result = co_await run(
      tx, std::string("SELECT ") + kInputs + " FROM leads WHERE id = $1", pg::Params(id));
  co_return inputs_from(result.one());
}

asio::awaitable<Lead> LeadRepository::rescore_and_find(pg::Transaction& tx, const Uuid& id,
                                                       int score) {
  // The CTE's update runs before the select's rows come out but is not
  // visible to it (one snapshot): the score read is the old one, replaced
  // below; nothing else of the row changes (a derived write is not an
  // interaction). The setting's CTE runs before any row is updated (the
  // join needs its row first), so the trigger sees it.
  const auto result = co_await run(
      tx,
      std::string("WITH derived AS (SELECT set_config('crmd.derived_write', 'on', true)),"
                  " rescored AS (UPDATE leads SET priority_score = $2 FROM derived"
                  " WHERE id = $1 AND priority_score <> $2 RETURNING id) SELECT ") +
          kColumns + " FROM leads l WHERE l.id = $1",
      pg::Params(id, static_cast<std::int32_t>(score)));
  auto lead = lead_from(result.one());
  lead.priority_score = score;
  co_return lead;
}

asio::awaitable<Lead> LeadRepository::set_deleted(pg::Transaction& tx, const Uuid& id,
                                                  const std::optional<Uuid>& by, bool deleted) {
  if (deleted)
    co_await run(tx,
                 "UPDATE leads SET deleted_at = now(), deleted_by = $2, updated_at = now()"
                 " WHERE id = $1",
                 pg::Params(id, by));
  else
    co_await run(tx,
                 "UPDATE leads SET deleted_at = NULL, deleted_by = NULL, delete_reason = NULL,"
                 " updated_at = now() WHERE id = $1",
                 pg::Params(id));
  auto lead = co_await find(tx, id);
  co_return *lead;
}

// ---- qualification

asio::awaitable<bool> LeadRepository::live_company_exists(pg::Transaction& tx, const Uuid& id) {
  const auto result = co_await run(
      tx, "SELECT 1 FROM companies WHERE id = $1 AND deleted_at IS NULL FOR SHARE", pg::Params(id));
  co_return !result.empty();
}

asio::awaitable<Uuid> LeadRepository::insert_deal(pg::Transaction& tx, const std::string& title,
                                                  const Uuid& company, const Uuid& lead,
                                                  const std::optional<Uuid>& by) {
  const auto result = co_await run(tx,
                                   "INSERT INTO master_deals (client_name, company_id, lead_id,"
                                   " created_by) VALUES ($1, $2, $3, $4) RETURNING id",
                                   pg::Params(title, company, lead, by));
  co_return result.one().get<Uuid>(0);
}

asio::awaitable<Lead> LeadRepository::mark_qualified(pg::Transaction& tx, const Uuid& id,
                                                     const Uuid& company, const Uuid& deal,
                                                     const std::optional<Uuid>& by) {
  co_await run(tx,
               "UPDATE leads SET qualified_at = now(), qualified_company_id = $2,"
               " qualified_master_deal_id = $3, deleted_at = now(), deleted_by = $4,"
               " delete_reason = 'qualified' WHERE id = $1",
               pg::Params(id, company, deal, by));
  auto lead = co_await find(tx, id);
  co_return *lead;
}

asio::awaitable<std::vector<std::string>> LeadRepository::copy_contacts_to_company(
    pg::Transaction& tx, const Uuid& lead, const Uuid& company) {
  const auto result =
      co_await run(tx,
                   "UPDATE contacts c SET company_id = $2, updated_at = now() FROM lead_contacts lc"
                   " WHERE lc.lead_id = $1 AND lc.contact_id = c.id AND c.company_id IS NULL"
                   " AND c.deleted_at IS NULL RETURNING c.id::text",
                   pg::Params(lead, company));
  std::vector<std::string> ids;
  for (auto row : result) ids.push_back(row.get<std::string>(0));
  co_return ids;
}

asio::awaitable<Lead> LeadRepository::mark_disqualified(pg::Transaction& tx, const Uuid& id,
                                                        const std::string& reason) {
  co_await run(tx,
               "UPDATE leads SET disqualified_at = now(), disqualification_reason = $2,"
               " updated_at = now() WHERE id = $1",
               pg::Params(id, reason));
  auto lead = co_await find(tx, id);
  co_return *lead;
}

asio::awaitable<Lead> LeadRepository::restore(pg::Transaction& tx, const Uuid& id) {
  co_await run(tx,
               "UPDATE master_deals SET deleted_at = now(), updated_at = now()"
               " WHERE lead_id = $1 AND deleted_at IS NULL",
               pg::Params(id));
  co_await run(tx,
               "UPDATE leads SET qualified_at = NULL, qualified_company_id = NULL,"
               " qualified_master_deal_id = NULL, disqualified_at = NULL,"
               " disqualification_reason = NULL, deleted_at = NULL, deleted_by = NULL,"
               " delete_reason = NULL, updated_at = now() WHERE id = $1",
               pg::Params(id));
  auto lead = co_await find(tx, id);
  co_return *lead;
}

// ---- lead contacts

asio::awaitable<std::vector<leads::LeadContact>> LeadRepository::contacts(const Uuid& lead) {
  const auto result =
      co_await run(std::string("SELECT ") + kContactColumns +
                       " FROM lead_contacts lc JOIN contacts c ON c.id = lc.contact_id"
                       " WHERE lc.lead_id = $1 AND c.deleted_at IS NULL"
                       " ORDER BY lc.is_primary DESC, lc.added_at, lc.contact_id",
                   pg::Params(lead));
  std::vector<leads::LeadContact> contacts;
  for (auto row : result) contacts.push_back(contact_from(row, 0));
  // The primary: the flagged one, else the earliest added (first here).
  if (!contacts.empty()) contacts.front().primary = true;
  co_return contacts;
}

asio::awaitable<bool> LeadRepository::live_contact_exists(pg::Transaction& tx, const Uuid& id) {
  const auto result = co_await run(
      tx, "SELECT 1 FROM contacts WHERE id = $1 AND deleted_at IS NULL FOR SHARE", pg::Params(id));
  co_return !result.empty();
}

asio::awaitable<void> LeadRepository::lock_contacts_of(pg::Transaction& tx, const Uuid& lead) {
  co_await run(tx,
               "SELECT c.id FROM contacts c JOIN lead_contacts lc ON lc.contact_id = c.id"
               " WHERE lc.lead_id = $1 ORDER BY c.id FOR NO KEY UPDATE OF c",
               pg::Params(lead));
}

asio::awaitable<bool> LeadRepository::add_contact(pg::Transaction& tx, const Uuid& lead,
                                                  const Uuid& contact) {
  const auto result = co_await run(
      tx, "INSERT INTO lead_contacts (lead_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
      pg::Params(lead, contact));
  co_return result.affected() > 0;
}

asio::awaitable<bool> LeadRepository::remove_contact(pg::Transaction& tx, const Uuid& lead,
                                                     const Uuid& contact) {
  const auto result =
      co_await run(tx, "DELETE FROM lead_contacts WHERE lead_id = $1 AND contact_id = $2",
                   pg::Params(lead, contact));
  co_return result.affected() > 0;
}

asio::awaitable<bool> LeadRepository::set_primary_contact(pg::Transaction& tx, const Uuid& lead,
                                                          const Uuid& contact) {
  // The lead's row lock (taken by the caller) orders concurrent changes; the
  // old primary is cleared before the new one is set, so the partial unique
  // index holds at every statement.
  const auto linked =
      co_await run(tx, "SELECT 1 FROM lead_contacts WHERE lead_id = $1 AND contact_id = $2",
                   pg::Params(lead, contact));
  if (linked.empty()) co_return false;
  co_await run(tx,
               "UPDATE lead_contacts SET is_primary = false WHERE lead_id = $1 AND is_primary"
               " AND contact_id <> $2",
               pg::Params(lead, contact));
  co_await run(tx,
               "UPDATE lead_contacts SET is_primary = true WHERE lead_id = $1 AND contact_id = $2",
               pg::Params(lead, contact));
  co_return true;
}

asio::awaitable<std::optional<leads::ActivityStats>> LeadRepository::stats(const Uuid& lead) {
  const auto result = co_await run(
      std::string("SELECT ") + kStatsColumns + " FROM lead_activity_stats st WHERE st.lead_id = $1",
      pg::Params(lead));
  if (result.empty()) co_return std::nullopt;
  co_return stats_from(result[0], 0);
}

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
  const std::string sql =
      std::string("SELECT ") + kViewColumns +
      ", u.name, NULL::text, NULL::text, pc.id, pc.full_name, pc.email::text, pc.phone, pc.title,"
      " true, pc.created_at, " +
      kStatsColumns + ", l.priority_score::text || '|' || " + kLast +
      "::text"
      " FROM leads l LEFT JOIN users u ON u.id = l.owner_user_id"
      " LEFT JOIN lead_activity_stats st ON st.lead_id = l.id"
      " LEFT JOIN contacts pc ON pc.id = l.primary_contact_id"
      " WHERE " +
      where + " ORDER BY l.priority_score" + direction + ", " + kLast + direction + ", l.id" +
      direction + " LIMIT " + std::to_string(limit);
  const auto result = co_await run(sql, params);
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

asio::awaitable<std::vector<SlaBreach>> LeadRepository::sla_breaches(
    const std::optional<Uuid>& owner, std::size_t limit) {
  pg::Params params;
  std::string where =
      "l.sla_breached_at IS NOT NULL AND l.deleted_at IS NULL AND l.qualified_at IS NULL"
      " AND l.disqualified_at IS NULL";
  if (owner) where += " AND l.owner_user_id = " + placeholder(params, *owner);
  const auto result = co_await run(
      std::string("SELECT ") + kColumns +
          ", s.sla_days, extract(epoch FROM now() - coalesce(l.last_interaction_at,"
          " l.created_at))::float8 / 86400 FROM leads l JOIN lead_statuses s"
          " ON s.id = l.lead_status_id WHERE " +
          where + " ORDER BY coalesce(l.last_interaction_at, l.created_at), l.id LIMIT " +
          placeholder(params, static_cast<std::int64_t>(limit)),
      params);
  std::vector<SlaBreach> breaches;
  for (auto row : result)
    breaches.push_back({lead_from(row),
                        row.get<std::optional<std::int32_t>>(kColumnCount).value_or(0),
                        row.get<double>(kColumnCount + 1)});
  co_return breaches;
}

}  // namespace crmd::storage
