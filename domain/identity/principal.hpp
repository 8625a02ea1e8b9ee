// Who is calling: a user with a bearer token, an external identity, or a
// v1 write key; and the request facts every audited change records.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/common/uuid.hpp"
#include "domain/identity/role.hpp"

namespace crmd::pg {
class Transaction;
}

namespace crmd::identity {

struct Principal {
  enum class Kind { user, external, api_key, system };
  Kind kind = Kind::user;
  Uuid id;  // user id, external subject, or api key id (nil: the configured key)
  Role role = Role::sales;
  std::string email;
  std::string name;
  // An external subject with a users row of the same id (see
  // IdentityService::authenticate_bearer): it may own records.
  bool has_user_row = false;
  // An API key: what it may do (see scopes.hpp), the user it acts for on v2
  // (its creator), and how the audit log names it (write_key:<prefix>, or
  // write_key:configured for CRMD_CONTACTS_WRITE_KEY).
  std::vector<std::string> scopes;
  std::optional<Uuid> acting_user;
  std::string key_label;

  // Whether the principal may do what scope names: users by their role
  // alone, API keys by their scopes too.
  bool may(std::string_view scope) const;
};

std::string_view actor_type(const Principal& principal);
// "<actor type>:<id>": whose requests count together against a per-caller cap.
std::string caller_key(const Principal& principal);

struct RequestContext {
  std::string request_id;
  std::string ip;
  std::optional<Principal> principal;
  // The request's transaction when it runs in one (an Idempotency-Key
  // request): writes join it through storage::WriteScope.
  pg::Transaction* transaction = nullptr;
  // The request's If-Match header (empty: none), checked against the
  // version of the record a write changes (see common/version.hpp).
  std::string if_match;

  // The users row of the caller, if it has one: a signed-in user, or an
  // external subject mirrored into users; not an API key.
  std::optional<Uuid> user_id() const {
    if (!principal) return std::nullopt;
    if (principal->kind == Principal::Kind::user || principal->has_user_row) return principal->id;
    return principal->acting_user;
  }
};

}  // namespace crmd::identity
