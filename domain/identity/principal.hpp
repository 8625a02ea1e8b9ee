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
  // An external subject with a users row of the same id (see
  // IdentityService::authenticate_bearer): it may own records.
  bool has_user_row = false;
};

std::string_view actor_type(const Principal& principal);

struct RequestContext {
  std::string request_id;
  std::string ip;
  std::optional<Principal> principal;

  // The users row of the caller, if it has one: a signed-in user, or an
  // external subject mirrored into users; not an API key.
  std::optional<Uuid> user_id() const {
    if (principal && (principal->kind == Principal::Kind::user || principal->has_user_row))
      return principal->id;
    return std::nullopt;
  }
};

}  // namespace crmd::identity
