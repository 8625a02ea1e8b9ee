#include "domain/identity/user.hpp"

#include "domain/common/fields.hpp"
#include "domain/common/json_of.hpp"
#include "domain/identity/password.hpp"

namespace crmd::identity {
namespace {

constexpr std::size_t kMaxEmailBytes = 254;
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMinPasswordBytes = 8;

std::optional<Role> read_role(FieldReader& reader, bool required) {
  auto text = reader.string("role", required, 16);
  if (!text) return std::nullopt;
  auto role = parse_role(*text);
  if (!role) reader.fail("role", "expected admin, manager or sales");
  return role;
}

std::string read_email(FieldReader& reader) {
  auto email = reader.string("email", true, kMaxEmailBytes);
  if (email && !plausible_email(*email)) reader.fail("email", "not an e-mail address");
  return email ? normalize_email(*email) : std::string();
}

}  // namespace

boost::json::object to_json(const User& u) {
  return {{"id", json_of(u.id)},
          {"email", u.email},
          {"name", u.name},
          {"role", to_string(u.role)},
          {"is_active", u.is_active},
          {"created_at", json_of(u.created_at)},
          {"updated_at", json_of(u.updated_at)},
          {"last_sign_in_at", json_of(u.last_sign_in_at)}};
}

bool plausible_email(std::string_view email) {
  if (email.empty() || email.size() > kMaxEmailBytes) return false;
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
    return false;
  const auto domain = email.substr(at + 1);
  const auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  for (char c : email)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  return true;
}

std::string normalize_email(std::string_view email) {
  std::string out(email);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

NewUser parse_new_user(const boost::json::value& body) {
  FieldReader reader(body, {"email", "name", "password", "role"});
  NewUser user;
  user.email = read_email(reader);
  user.name = reader.string("name", false, kMaxNameBytes).value_or("");
  auto password = reader.string("password", true, kMaxPasswordBytes, false);
  if (password && password->size() < kMinPasswordBytes)
    reader.fail("password", "at least " + std::to_string(kMinPasswordBytes) + " bytes");
  user.password = password.value_or("");
  user.role = read_role(reader, true).value_or(Role::sales);
  reader.finish();
  return user;
}

UserPatch parse_user_patch(const boost::json::value& body) {
  FieldReader reader(body, {"name", "role", "is_active"});
  UserPatch patch;
  patch.name = reader.string("name", false, kMaxNameBytes);
  patch.role = read_role(reader, false);
  patch.is_active = reader.boolean("is_active");
  reader.finish();
  return patch;
}

Credentials parse_credentials(const boost::json::value& body) {
  FieldReader reader(body, {"email", "password"});
  Credentials credentials;
  auto email = reader.string("email", true, kMaxEmailBytes);
  credentials.email = email ? normalize_email(*email) : "";
  credentials.password = reader.string("password", true, kMaxPasswordBytes, false).value_or("");
  reader.finish();
  return credentials;
}

}  // namespace crmd::identity
