// The SQL of identity: users, refresh tokens, external roles, API keys.
// Reads use the shared pool; writes take the caller's transaction so the
// audit row commits with them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/json_schema.hpp"
#include "domain/common/page.hpp"
#include "domain/identity/user.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct UserWithHash {
  identity::User user;
  std::string password_hash;
};

struct RefreshTokenRow {
  Uuid id;
  Uuid family_id;
  Uuid user_id;
  Timestamp expires_at;
  bool rotated = false;
  bool revoked = false;
};

struct ApiKey {
  Uuid id;
  std::string name;
  std::string prefix;
  std::vector<std::string> scopes;
  std::optional<Uuid> created_by;
  Timestamp created_at;
  std::optional<Timestamp> last_used_at;
  std::optional<Timestamp> revoked_at;
};

// The JSON form of a key: never its secret, which is not stored.
boost::json::object to_json(const ApiKey& key);
// With the whole key: the create answer, the only one that shows it.
schema::Schema api_key_schema(bool with_secret = false);

struct ApiKeySecret {
  Uuid id;
  std::string key_hash;
  bool revoked = false;
  std::vector<std::string> scopes;
  std::optional<Uuid> created_by;
};

class IdentityRepository {
 public:
  explicit IdentityRepository(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<std::optional<UserWithHash>> find_by_email(const std::string& email);
  boost::asio::awaitable<std::optional<identity::User>> find_user(const Uuid& id);
  boost::asio::awaitable<std::int64_t> count_users();
  // Users ordered by (created_at, id), after the given position.
  boost::asio::awaitable<std::vector<Listed<identity::User>>> list_users(
      std::size_t limit, const std::optional<PagePosition>& from);

  // Throws Error{conflict} when the e-mail is taken.
  boost::asio::awaitable<identity::User> insert_user(pg::Transaction& tx,
                                                     const identity::NewUser& user,
                                                     const std::string& password_hash);
  boost::asio::awaitable<std::optional<identity::User>> lock_user(pg::Transaction& tx,
                                                                  const Uuid& id);
  boost::asio::awaitable<identity::User> update_user(pg::Transaction& tx, const Uuid& id,
                                                     const identity::UserPatch& patch);
  boost::asio::awaitable<void> record_sign_in(pg::Transaction& tx, const Uuid& id,
                                              const std::optional<std::string>& new_hash);

  boost::asio::awaitable<void> insert_refresh_token(pg::Transaction& tx, const Uuid& id,
                                                    const Uuid& family, const Uuid& user,
                                                    Timestamp expires_at);
  boost::asio::awaitable<std::optional<RefreshTokenRow>> lock_refresh_token(pg::Transaction& tx,
                                                                            const Uuid& id);
  boost::asio::awaitable<void> mark_rotated(pg::Transaction& tx, const Uuid& id);
  boost::asio::awaitable<void> revoke_family(pg::Transaction& tx, const Uuid& family);
  boost::asio::awaitable<void> revoke_user_tokens(pg::Transaction& tx, const Uuid& user);

  boost::asio::awaitable<std::optional<identity::Role>> external_role(const Uuid& subject);
  // Makes sure an external subject has a users row of the same id (users are
  // "mapped from Supabase Auth"), with no password (an empty hash matches
  // none). False when another user already has the e-mail.
  boost::asio::awaitable<bool> mirror_external_user(const Uuid& subject, const std::string& email,
                                                    identity::Role role);

  boost::asio::awaitable<ApiKey> insert_api_key(pg::Transaction& tx, const std::string& name,
                                                const std::string& prefix,
                                                const std::string& key_hash,
                                                const std::vector<std::string>& scopes,
                                                const std::optional<Uuid>& created_by);
  boost::asio::awaitable<std::vector<ApiKey>> list_api_keys();
  // The key as it was before revocation; nullopt when there is none.
  boost::asio::awaitable<std::optional<ApiKey>> revoke_api_key(pg::Transaction& tx, const Uuid& id);
  boost::asio::awaitable<std::optional<ApiKeySecret>> find_api_key(const std::string& prefix);
  boost::asio::awaitable<void> touch_api_key(const Uuid& id);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
