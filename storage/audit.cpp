#include "storage/audit.hpp"

namespace crmd::storage {

boost::asio::awaitable<void> write_audit(pg::Transaction& tx,
                                         const identity::RequestContext& context,
                                         const AuditEntry& entry) {
  std::optional<Uuid> actor_id;
  std::string actor_type = "anonymous";
  if (context.principal) {
    actor_type = identity::actor_type(*context.principal);
    if (!context.principal->id.is_nil()) actor_id = context.principal->id;
  }
  co_await tx.query(
      "INSERT INTO audit_logs (actor_id, actor_type, action, entity_type, entity_id, before, after,"
      " request_id, ip) VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, NULLIF($8, ''), NULLIF($9, "
      "''))",
      actor_id, actor_type, entry.action, entry.entity_type, entry.entity_id, entry.before,
      entry.after, context.request_id, context.ip);
}

}  // namespace crmd::storage
