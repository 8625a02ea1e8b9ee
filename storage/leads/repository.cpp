#include "storage/leads/repository.hpp"

#include "domain/common/error.hpp"
#include "storage/leads/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using leads::Lead;
using namespace lead_rows;

namespace {

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
  co_return co_await pool_.read(std::move(sql), std::move(params));
}

asio::awaitable<pg::Result> LeadRepository::run_page(std::string sql, pg::Params params,
                                                     pg::Format format) {
  statements_.fetch_add(1);
  co_return co_await pool_.read_page(std::move(sql), std::move(params), pg::Planning::cached,
                                     format);
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

// ---- leads

asio::awaitable<std::vector<Listed<Lead>>> LeadRepository::list(
    const leads::LeadListQuery& q, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  KeysetQuery keyset{kColumns, "leads l", where_of(q, params)};
  keyset.id = "l.id";
  keyset.order_by(q.order);
  const auto result = co_await run_page(keyset.sql(from, limit, params), params);
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
               "UPDATE deals SET deleted_at = now(), updated_at = now()"
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

schema::Schema json_schema(std::type_identity<SlaBreach>) {
  using namespace schema;
  auto s = schema_of<leads::Lead>();
  s["title"] = "SlaBreach";
  auto& properties = s["properties"].as_object();
  properties["sla_days"] = integer(1);
  properties["days_without_interaction"] = number();
  s["required"].as_array().emplace_back("sla_days");
  s["required"].as_array().emplace_back("days_without_interaction");
  return s;
}

}  // namespace crmd::storage
