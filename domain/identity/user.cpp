#include "domain/identity/user.hpp"

#include <algorithm>

#include "domain/common/fields.hpp"
#include "domain/common/json_of.hpp"
#include "domain/common/storable_text.hpp"
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
  if (email && !valid_email(*email)) reader.fail("email", "not an e-mail address");
  return email ? normalize_email(*email) : std::string();
}

}  // namespace

boost::json::value to_json(const User& u, const boost::json::storage_ptr& sp) {
  return boost::json::value(to_json(u), sp);
}

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

namespace {

bool ascii_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool atext(unsigned char c) {
  return ascii_alnum(c) || std::string_view("!#$%&'*+/=?^_`{|}~-").find(static_cast<char>(c)) !=
                               std::string_view::npos;
}

// A letter or digit, or a byte of a UTF-8 sequence (IDN labels: the
// domain may be written in Unicode rather than punycode).
bool let_dig(unsigned char c) {
  return ascii_alnum(c) || c >= 0x80;
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (!let_dig(static_cast<unsigned char>(label.front())) ||
      !let_dig(static_cast<unsigned char>(label.back())))
    return false;
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return let_dig(static_cast<unsigned char>(c)) || c == '-'; });
}

}  // namespace

// The WHATWG "valid e-mail address" rule (what <input type=email> takes):
// local part of atext and dots, domain of labels of letters, digits and
// inner hyphens; UTF-8 is allowed in the domain for IDN, and at least one
// dot is required (crm addresses are on the Internet). So no quotes,
// angle brackets, spaces or comments.
bool valid_email(std::string_view email) {
  if (email.empty() || email.size() > kMaxEmailBytes || !valid_utf8(email)) return false;
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0) return false;
  const auto local = email.substr(0, at);
  if (!std::all_of(local.begin(), local.end(),
                   [](char c) { return atext(static_cast<unsigned char>(c)) || c == '.'; }))
    return false;
  auto domain = email.substr(at + 1);
  if (domain.find('.') == std::string_view::npos) return false;
  while (true) {
    const auto dot = domain.find('.');
    if (!valid_label(domain.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    domain.remove_prefix(dot + 1);
  }
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

schema::Schema json_schema(std::type_identity<User>) {
  using namespace schema;
  return Object("User")
      .field("id", uuid())
      .field("email", string())
      .field("name", string())
      .field("role", one_of_strings({"admin", "manager", "sales"}))
      .field("is_active", boolean())
      .field("created_at", timestamp())
      .field("updated_at", timestamp())
      .field("last_sign_in_at", nullable(timestamp()));
}

schema::Schema new_user_schema() {
  using namespace schema;
  return Object("NewUser")
      .field("email", string(kMaxEmailBytes))
      .optional("name", string(kMaxNameBytes))
      .field("password", string(kMaxPasswordBytes))
      .field("role", one_of_strings({"admin", "manager", "sales"}));
}

schema::Schema user_patch_schema() {
  using namespace schema;
  return Object("UserChanges")
      .optional("name", string(kMaxNameBytes))
      .optional("role", one_of_strings({"admin", "manager", "sales"}))
      .optional("is_active", boolean());
}

}  // namespace crmd::identity
