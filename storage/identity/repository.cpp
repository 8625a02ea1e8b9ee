#include "storage/identity/repository.hpp"

#include <boost/json/array.hpp>

#include "domain/common/error.hpp"
#include "domain/common/json_of.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using identity::User;

namespace {

constexpr const char* kUserColumns =
    "id, email::text, name, role, is_active, last_sign_in_at, created_at, updated_at";
constexpr const char* kKeyColumns =
    "id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at";

User user_from(const pg::Row& row) {
  return {row.get<Uuid>(0),
          row.get<std::string>(1),
          row.get<std::string>(2),
          identity::parse_role(row.get<std::string_view>(3)).value_or(identity::Role::sales),
          row.get<bool>(4),
          row.get<std::optional<Timestamp>>(5),
          row.get<Timestamp>(6),
          row.get<Timestamp>(7)};
}

ApiKey key_from(const pg::Row& row) {
  return {row.get<Uuid>(0),
          row.get<std::string>(1),
          row.get<std::string>(2),
          row.get<std::vector<std::string>>(3),
          row.get<std::optional<Uuid>>(4),
          row.get<Timestamp>(5),
          row.get<std::optional<Timestamp>>(6),
          row.get<std::optional<Timestamp>>(7)};
}

}  // namespace

boost::json::object to_json(const ApiKey& key) {
  boost::json::array scopes;
  for (const auto& s : key.scopes) scopes.emplace_back(s);
  return {{"id", json_of(key.id)},
          {"name", key.name},
          {"prefix", key.prefix},
          {"scopes", std::move(scopes)},
          {"created_by", json_of(key.created_by)},
          {"created_at", json_of(key.created_at)},
          {"last_used_at", json_of(key.last_used_at)},
          {"revoked_at", json_of(key.revoked_at)}};
}

asio::awaitable<std::optional<UserWithHash>> IdentityRepository::find_by_email(
    const std::string& email) {
  auto result = co_await pool_.read(
      std::string("SELECT ") + kUserColumns + ", password_hash FROM users WHERE email = $1", email);
  if (result.empty()) co_return std::nullopt;
  co_return UserWithHash{user_from(result[0]), result[0].get<std::string>(8)};
}

asio::awaitable<std::optional<User>> IdentityRepository::find_user(const Uuid& id) {
  auto result =
      co_await pool_.read(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1", id);
  if (result.empty()) co_return std::nullopt;
  co_return user_from(result[0]);
}

asio::awaitable<std::int64_t> IdentityRepository::count_users() {
  const auto result = co_await pool_.read("SELECT count(*) FROM users");
  co_return result.one().get<std::int64_t>(0);
}

asio::awaitable<std::vector<Listed<User>>> IdentityRepository::list_users(
    std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  KeysetQuery keyset{kUserColumns, "users", "TRUE"};
  keyset.sort = "created_at";
  keyset.sort_type = SortKeyType::timestamp;
  const auto result = co_await pool_.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<User>> users;
  constexpr int kSortKey = 8;
  for (auto row : result) users.push_back({user_from(row), row.get<std::string>(kSortKey)});
  reorder(users, from);
  co_return users;
}

asio::awaitable<User> IdentityRepository::insert_user(pg::Transaction& tx,
                                                      const identity::NewUser& user,
                                                      const std::string& password_hash) {
  try {
    auto result = co_await tx.query(
        std::string("INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, $4)"
                    " RETURNING ") +
            kUserColumns,
        user.email, user.name, password_hash, std::string(identity::to_string(user.role)));
    auto created = user_from(result.one());
    co_await tx.query("INSERT INTO user_profiles (user_id) VALUES ($1)", created.id);
    co_return created;
  } catch (const pg::Error& e) {
    if (!e.is_unique_violation()) throw;
  }
  throw Error(ErrorKind::conflict, "email_taken", "a user with this e-mail exists",
              {{"email", "already in use"}});
}

asio::awaitable<std::optional<User>> IdentityRepository::lock_user(pg::Transaction& tx,
                                                                   const Uuid& id) {
  auto result = co_await tx.query(
      std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1 FOR UPDATE", id);
  if (result.empty()) co_return std::nullopt;
  co_return user_from(result[0]);
}

asio::awaitable<User> IdentityRepository::update_user(pg::Transaction& tx, const Uuid& id,
                                                      const identity::UserPatch& patch) {
  std::optional<std::string> role;
  if (patch.role) role = std::string(identity::to_string(*patch.role));
  auto result = co_await tx.query(
      std::string("UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role),"
                  " is_active = COALESCE($4, is_active), updated_at = now() WHERE id = $1"
                  " RETURNING ") +
          kUserColumns,
      id, patch.name, role, patch.is_active);
  co_return user_from(result.one());
}

asio::awaitable<void> IdentityRepository::record_sign_in(
    pg::Transaction& tx, const Uuid& id, const std::optional<std::string>& new_hash) {
  co_await tx.query(
      "UPDATE users SET last_sign_in_at = now(), password_hash = COALESCE($2, password_hash)"
      " WHERE id = $1",
      id, new_hash);
}

asio::awaitable<void> IdentityRepository::insert_refresh_token(pg::Transaction& tx, const Uuid& id,
                                                               const Uuid& family, const Uuid& user,
                                                               Timestamp expires_at) {
  co_await tx.query(
      "INSERT INTO refresh_tokens (id, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)", id,
      family, user, expires_at);
}

asio::awaitable<std::optional<RefreshTokenRow>> IdentityRepository::lock_refresh_token(
    pg::Transaction& tx, const Uuid& id) {
  auto result = co_await tx.query(
      "SELECT id, family_id, user_id, expires_at, rotated_at IS NOT NULL, revoked_at IS NOT NULL"
      " FROM refresh_tokens WHERE id = $1 FOR UPDATE",
      id);
  if (result.empty()) co_return std::nullopt;
  auto row = result[0];
  co_return RefreshTokenRow{row.get<Uuid>(0),      row.get<Uuid>(1), row.get<Uuid>(2),
                            row.get<Timestamp>(3), row.get<bool>(4), row.get<bool>(5)};
}

asio::awaitable<void> IdentityRepository::mark_rotated(pg::Transaction& tx, const Uuid& id) {
  co_await tx.query("UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1", id);
}

asio::awaitable<void> IdentityRepository::revoke_family(pg::Transaction& tx, const Uuid& family) {
  co_await tx.query(
      "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
      family);
}

asio::awaitable<void> IdentityRepository::revoke_user_tokens(pg::Transaction& tx,
                                                             const Uuid& user) {
  co_await tx.query(
      "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
      user);
}

asio::awaitable<std::optional<identity::Role>> IdentityRepository::external_role(
    const Uuid& subject) {
  auto result = co_await pool_.read("SELECT role FROM user_roles WHERE user_id = $1", subject);
  if (result.empty()) co_return std::nullopt;
  co_return identity::parse_role(result[0].get<std::string_view>(0));
}

asio::awaitable<bool> IdentityRepository::mirror_external_user(const Uuid& subject,
                                                               const std::string& email,
                                                               identity::Role role) {
  // One snapshot: the outer SELECT does not see the CTE's row, hence both.
  const auto result = co_await pool_.query(
      "WITH added AS (INSERT INTO users (id, email, name, password_hash, role)"
      " VALUES ($1, $2::text, $2::text, '', $3) ON CONFLICT DO NOTHING RETURNING id)"
      " SELECT EXISTS (SELECT 1 FROM added) OR EXISTS (SELECT 1 FROM users WHERE id = $1)",
      subject, email, std::string(identity::to_string(role)));
  co_return result.one().get<bool>(0);
}

asio::awaitable<ApiKey> IdentityRepository::insert_api_key(pg::Transaction& tx,
                                                           const std::string& name,
                                                           const std::string& prefix,
                                                           const std::string& key_hash,
                                                           const std::vector<std::string>& scopes,
                                                           const std::optional<Uuid>& created_by) {
  auto result = co_await tx.query(
      std::string("INSERT INTO api_keys (name, prefix, key_hash, scopes, created_by)"
                  " VALUES ($1, $2, $3, $4::text[], $5) RETURNING ") +
          kKeyColumns,
      name, prefix, key_hash, scopes, created_by);
  co_return key_from(result.one());
}

asio::awaitable<std::vector<ApiKey>> IdentityRepository::list_api_keys() {
  auto result = co_await pool_.read(std::string("SELECT ") + kKeyColumns +
                                     " FROM api_keys ORDER BY created_at, id");
  std::vector<ApiKey> keys;
  for (auto row : result) keys.push_back(key_from(row));
  co_return keys;
}

asio::awaitable<std::optional<ApiKey>> IdentityRepository::revoke_api_key(pg::Transaction& tx,
                                                                          const Uuid& id) {
  auto before = co_await tx.query(
      std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE id = $1 FOR UPDATE", id);
  if (before.empty()) co_return std::nullopt;
  co_await tx.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                    id);
  co_return key_from(before[0]);
}

asio::awaitable<std::optional<ApiKeySecret>> IdentityRepository::find_api_key(
    const std::string& prefix) {
  auto result = co_await pool_.read(
      "SELECT id, key_hash, revoked_at IS NOT NULL, scopes, created_by FROM api_keys"
      " WHERE prefix = $1",
      prefix);
  if (result.empty()) co_return std::nullopt;
  const auto row = result[0];
  co_return ApiKeySecret{row.get<Uuid>(0), row.get<std::string>(1), row.get<bool>(2),
                         row.get<std::vector<std::string>>(3), row.get<std::optional<Uuid>>(4)};
}

asio::awaitable<void> IdentityRepository::touch_api_key(const Uuid& id) {
  co_await pool_.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", id);
}

schema::Schema api_key_schema(bool with_secret) {
  using namespace schema;
  Object o(with_secret ? "NewApiKey" : "ApiKey");
  o.field("id", uuid())
      .field("name", string())
      .field("prefix", string(), "the key's public part: crmd_<prefix>_…")
      .field("scopes", array(string()))
      .field("created_by", nullable(uuid()))
      .field("created_at", timestamp())
      .field("last_used_at", nullable(timestamp()))
      .field("revoked_at", nullable(timestamp()));
  if (with_secret) o.field("key", string(), "the whole key, shown this once");
  return o;
}

}  // namespace crmd::storage
