// Who is calling: a user with a bearer token, an external identity, or a
// v1 write key; and the request facts every audited change records.
#pragma once

#include <optional>
#include <string>

#include "domain/common/uuid.hpp"
#include "domain/identity/role.hpp"

namespace crmd::identity {

struct Principal {
  enum class Kind { user, external, api_key, system };
  Kind kind = Kind::user;
  Uuid id;  // user id, external subject, or api key id (nil: the configured key)
  Role role = Role::sales;
  std::string email;
  std::string name;
};

std::string_view actor_type(const Principal& principal);

struct RequestContext {
  std::string request_id;
  std::string ip;
  std::optional<Principal> principal;

  // The signed-in user, if the caller is one (not an API key).
  std::optional<Uuid> user_id() const {
    if (principal && principal->kind == Principal::Kind::user) return principal->id;
    return std::nullopt;
  }
};

}  // namespace crmd::identity
