#include "storage/audit.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "domain/common/json_of.hpp"
#include "domain/events/event.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {

namespace {

struct Actor {
  std::optional<Uuid> id;
  std::string type = "anonymous";
  std::string label;
};

Actor actor_of(const identity::RequestContext& context) {
  Actor actor;
  if (context.principal) {
    actor.type = identity::actor_type(*context.principal);
    if (!context.principal->id.is_nil()) actor.id = context.principal->id;
    actor.label = context.principal->key_label;
  }
  return actor;
}

}  // namespace

boost::asio::awaitable<void> write_audit(pg::Transaction& tx,
                                         const identity::RequestContext& context,
                                         const AuditEntry& entry) {
  const auto actor = actor_of(context);
  co_await tx.query(
      "INSERT INTO audit_logs (actor_id, actor_type, action, entity_type, entity_id, before, after,"
      " request_id, ip, actor_label, event_type, changed) VALUES ($1, $2, $3, $4, NULLIF($5, ''),"
      " $6, $7, NULLIF($8, ''), NULLIF($9, ''), NULLIF($10, ''), $11, $12)",
      actor.id, actor.type, entry.action, entry.entity_type, entry.entity_id, entry.before,
      entry.after, context.request_id, context.ip, actor.label,
      events::event_type_of(entry.entity_type, entry.action),
      events::changed_fields(entry.before, entry.after));
}

boost::asio::awaitable<void> write_audits(pg::Transaction& tx,
                                          const identity::RequestContext& context,
                                          const std::vector<AuditEntry>& entries) {
  if (entries.empty()) co_return;
  boost::json::array rows;
  for (const auto& e : entries) {
    const auto type = events::event_type_of(e.entity_type, e.action);
    boost::json::array changed;
    for (auto& field : events::changed_fields(e.before, e.after)) changed.emplace_back(field);
    rows.push_back(boost::json::object{{"action", e.action},
                                       {"entity_type", e.entity_type},
                                       {"entity_id", e.entity_id},
                                       {"before", e.before.value_or(nullptr)},
                                       {"after", e.after.value_or(nullptr)},
                                       {"event_type", type ? boost::json::value(*type) : nullptr},
                                       {"changed", std::move(changed)}});
  }
  const auto actor = actor_of(context);
  co_await tx.query(
      "INSERT INTO audit_logs (actor_id, actor_type, action, entity_type, entity_id, before, after,"
      " request_id, ip, actor_label, event_type, changed) SELECT $1, $2, e->>'action',"
      " e->>'entity_type', NULLIF(e->>'entity_id', ''), NULLIF(e->'before', 'null'),"
      " NULLIF(e->'after', 'null'), NULLIF($3, ''), NULLIF($4, ''), NULLIF($6, ''),"
      " e->>'event_type', ARRAY(SELECT jsonb_array_elements_text(e->'changed'))"
      " FROM jsonb_array_elements($5::jsonb) AS e",
      actor.id, actor.type, context.request_id, context.ip, boost::json::value(std::move(rows)),
      actor.label);
}

boost::asio::awaitable<void> write_audit_each(pg::Transaction& tx,
                                              const identity::RequestContext& context,
                                              const AuditEntry& entry,
                                              const std::vector<std::string>& entity_ids) {
  if (entity_ids.empty()) co_return;
  const auto actor = actor_of(context);
  co_await tx.query(
      "INSERT INTO audit_logs (actor_id, actor_type, action, entity_type, entity_id, before, after,"
      " request_id, ip, actor_label, event_type, changed) SELECT $1, $2, $3, $4, id, $5, $6,"
      " NULLIF($7, ''), NULLIF($8, ''), NULLIF($10, ''), $11, $12 FROM unnest($9::text[]) AS id",
      actor.id, actor.type, entry.action, entry.entity_type, entry.before, entry.after,
      context.request_id, context.ip, entity_ids, actor.label,
      events::event_type_of(entry.entity_type, entry.action),
      events::changed_fields(entry.before, entry.after));
}

boost::json::object to_json(const AuditRow& a, const boost::json::storage_ptr& sp) {
  return boost::json::object({{"id", a.id},
                              {"actor_id", json_of(a.actor_id, sp)},
                              {"actor_type", json_of(a.actor_type, sp)},
                              {"actor_label", json_of(a.actor_label, sp)},
                              {"action", json_of(a.action, sp)},
                              {"entity_type", json_of(a.entity_type, sp)},
                              {"entity_id", json_of(a.entity_id, sp)},
                              {"before", boost::json::value(a.before.value_or(nullptr), sp)},
                              {"after", boost::json::value(a.after.value_or(nullptr), sp)},
                              {"request_id", json_of(a.request_id, sp)},
                              {"at", json_of(a.at, sp)}},
                             sp);
}

boost::asio::awaitable<std::vector<Listed<AuditRow>>> read_audit(
    pg::Pool& pool, const std::string& entity_type, const std::optional<std::string>& entity_id,
    const std::optional<PagePosition>& from, std::size_t limit) {
  pg::Params params(entity_type, entity_id);
  KeysetQuery keyset{
      "id, actor_id, actor_type, action, entity_type, entity_id, before, after, request_id, at,"
      " actor_label",
      "audit_logs", "entity_type = $1 AND ($2::text IS NULL OR entity_id = $2)"};
  keyset.sort = "id";
  keyset.sort_type = SortKeyType::integer;
  keyset.unique_sort = true;
  keyset.descending = true;
  const auto result = co_await pool.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<AuditRow>> rows;
  for (auto r : result)
    rows.push_back(
        {{r.get<std::int64_t>(0), r.get<std::optional<Uuid>>(1), r.get<std::string>(2),
          r.get<std::string>(3), r.get<std::string>(4), r.get<std::optional<std::string>>(5),
          r.get<std::optional<boost::json::value>>(6), r.get<std::optional<boost::json::value>>(7),
          r.get<std::optional<std::string>>(8), r.get<Timestamp>(9),
          r.get<std::optional<std::string>>(10)},
         r.get<std::string>(11)});
  reorder(rows, from);
  co_return rows;
}

schema::Schema json_schema(std::type_identity<AuditRow>) {
  using namespace schema;
  return Object("AuditRow")
      .field("id", integer())
      .field("actor_id", nullable(uuid()))
      .field("actor_type", string())
      .field("actor_label", nullable(string()))
      .field("action", string())
      .field("entity_type", string())
      .field("entity_id", nullable(string()))
      .field("before", any())
      .field("after", any())
      .field("request_id", nullable(string()))
      .field("at", timestamp());
}

}  // namespace crmd::storage
