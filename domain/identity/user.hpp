// Users of crmd: their JSON form and the validation of what clients send.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "domain/identity/role.hpp"

namespace crmd::identity {

struct User {
  Uuid id;
  std::string email;
  std::string name;
  Role role = Role::sales;
  bool is_active = true;
  std::optional<Timestamp> last_sign_in_at;
  Timestamp created_at;
  Timestamp updated_at;
};

boost::json::object to_json(const User& user);
// In a list answer's storage (see http::KeysetPage).
boost::json::value to_json(const User& user, const boost::json::storage_ptr& sp);
// The schema of to_json(User), and of what POST and PATCH /users take.
schema::Schema json_schema(std::type_identity<User>);
schema::Schema new_user_schema();
schema::Schema user_patch_schema();

struct NewUser {
  std::string email;  // trimmed, lower-cased
  std::string name;
  std::string password;
  Role role = Role::sales;
};

struct UserPatch {
  std::optional<std::string> name;
  std::optional<Role> role;
  std::optional<bool> is_active;
};

struct Credentials {
  std::string email;
  std::string password;
};

// Each throws Error{validation} listing every bad or unknown field.
NewUser parse_new_user(const boost::json::value& body);
UserPatch parse_user_patch(const boost::json::value& body);
Credentials parse_credentials(const boost::json::value& body);

// The WHATWG "valid e-mail address" rule with IDN domains, a dot required,
// at most 254 bytes: see user.cpp.
bool valid_email(std::string_view email);
std::string normalize_email(std::string_view email);

}  // namespace crmd::identity
