// The audit log: one row per change that matters, written in the same
// transaction as the change it records.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/json_schema.hpp"
#include "domain/common/page.hpp"
#include "domain/common/time.hpp"
#include "domain/identity/principal.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct AuditEntry {
  AuditEntry(std::string action, std::string entity_type, std::string entity_id,
             std::optional<boost::json::value> before = std::nullopt,
             std::optional<boost::json::value> after = std::nullopt)
      : action(std::move(action)),
        entity_type(std::move(entity_type)),
        entity_id(std::move(entity_id)),
        before(std::move(before)),
        after(std::move(after)) {}

  std::string action;       // e.g. sign_in, role_changed, api_key_created
  std::string entity_type;  // e.g. user, api_key
  std::string entity_id;
  std::optional<boost::json::value> before;
  std::optional<boost::json::value> after;
};

boost::asio::awaitable<void> write_audit(pg::Transaction& tx,
                                         const identity::RequestContext& context,
                                         const AuditEntry& entry);

// Many entries in one statement.
boost::asio::awaitable<void> write_audits(pg::Transaction& tx,
                                          const identity::RequestContext& context,
                                          const std::vector<AuditEntry>& entries);

// One row per entity id for the same change, in one statement.
boost::asio::awaitable<void> write_audit_each(pg::Transaction& tx,
                                              const identity::RequestContext& context,
                                              const AuditEntry& entry,
                                              const std::vector<std::string>& entity_ids);

// A row of the audit log as read back.
struct AuditRow {
  std::int64_t id = 0;
  std::optional<Uuid> actor_id;
  std::string actor_type, action, entity_type;
  std::optional<std::string> entity_id;
  std::optional<boost::json::value> before, after;
  std::optional<std::string> request_id;
  Timestamp at;
  std::optional<std::string> actor_label;
};
boost::json::object to_json(const AuditRow& row, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<AuditRow>);

// The audit trail of an entity (any entity of the type when entity_id is
// empty), newest first, a page from the position.
boost::asio::awaitable<std::vector<Listed<AuditRow>>> read_audit(
    pg::Pool& pool, const std::string& entity_type, const std::optional<std::string>& entity_id,
    const std::optional<PagePosition>& from, std::size_t limit);

}  // namespace crmd::storage
