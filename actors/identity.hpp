// Identity: sign-in with rotating refresh tokens, bearer and write-key
// checks, users and API keys. The failed-login limits are state of the
// identity actor; the user cache behind bearer checks is shared by all I/O
// threads (a short TTL, emptied across processes by NOTIFY).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/actor.hpp"
#include "domain/identity/principal.hpp"
#include "domain/identity/rate_limiter.hpp"
#include "domain/identity/tokens.hpp"
#include "domain/identity/user.hpp"
#include "storage/identity/repository.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

struct IdentityOptions {
  identity::TokenSettings tokens;
  std::optional<identity::ExternalSettings> external;
  std::string contacts_write_key;  // the configured v1 key; empty: none
  std::size_t max_failures_per_account = 5;
  std::size_t max_failures_per_address = 20;
  std::chrono::seconds failure_window{900};
  std::size_t max_concurrent_hashes = 4;  // sign-ins beyond it answer 429
  std::chrono::seconds user_cache_ttl{5};
};

struct IssuedSession {
  std::string access_token;
  std::string refresh_token;
  identity::Seconds expires_in = 0;
  identity::User user;
};

struct CreatedApiKey {
  storage::ApiKey key;
  std::string secret;  // the whole key, shown once
};

class IdentityService {
 public:
  // The channel NOTIFYed with a user id when that user's role or state changes.
  static constexpr const char* kUserChannel = "crmd_identity_users";

  // hashing runs the password hashes.
  IdentityService(Actor& actor, pg::Pool& pool, boost::asio::thread_pool& hashing,
                  IdentityOptions options);

  boost::asio::awaitable<IssuedSession> login(identity::Credentials credentials,
                                              identity::RequestContext context);
  boost::asio::awaitable<IssuedSession> refresh(std::string refresh_token,
                                                identity::RequestContext context);
  boost::asio::awaitable<void> logout(std::string refresh_token, identity::RequestContext context);

  // Throw Error{unauthorized} for a bad token; Error{forbidden} for a wrong or
  // revoked write key.
  boost::asio::awaitable<identity::Principal> authenticate_bearer(std::string_view token);
  boost::asio::awaitable<identity::Principal> authenticate_write_key(std::string_view key);
  // An API key sent as a bearer token (v2): it acts as its creator, within
  // its scopes. Error{unauthorized} when unknown or its creator is inactive.
  boost::asio::awaitable<identity::Principal> authenticate_api_key(std::string_view key);
  static bool looks_like_api_key(std::string_view token) { return token.starts_with("crmd_"); }

  boost::asio::awaitable<identity::User> user(const Uuid& id);
  boost::asio::awaitable<std::vector<Listed<identity::User>>> list_users(
      std::size_t limit, const std::optional<PagePosition>& from);
  boost::asio::awaitable<identity::User> create_user(identity::NewUser user,
                                                     identity::RequestContext context);
  boost::asio::awaitable<identity::User> update_user(Uuid id, identity::UserPatch patch,
                                                     identity::RequestContext context);

  boost::asio::awaitable<CreatedApiKey> create_api_key(std::string name,
                                                       std::vector<std::string> scopes,
                                                       identity::RequestContext context);
  boost::asio::awaitable<std::vector<storage::ApiKey>> list_api_keys();
  boost::asio::awaitable<void> revoke_api_key(Uuid id, identity::RequestContext context);

  boost::asio::awaitable<std::int64_t> user_count() { return repository_.count_users(); }
  // Creates the first admin when there is no user at all; false otherwise.
  boost::asio::awaitable<bool> bootstrap_admin(std::string email, std::string password);

  // Keeps the user cache right across processes; runs until the listener closes.
  boost::asio::awaitable<void> follow_changes(pg::Listener& listener);
  void forget_user(const Uuid& id);

 private:
  struct CachedUser {
    identity::User user;
    std::chrono::steady_clock::time_point expires;
  };
  struct UuidHash {
    std::size_t operator()(const Uuid& id) const;
  };

  struct StoredKey {
    storage::ApiKeySecret secret;
    std::string prefix;
  };
  // The stored key a presented one names, if its secret matches;
  // Error{forbidden} when it is revoked.
  boost::asio::awaitable<std::optional<StoredKey>> stored_key(std::string_view key);
  static identity::Principal key_principal(const StoredKey& key, identity::Role role);

  boost::asio::awaitable<IssuedSession> open_session(const identity::User& user,
                                                     std::optional<std::string> new_hash,
                                                     identity::RequestContext context);
  boost::asio::awaitable<std::optional<identity::User>> cached_user(const Uuid& id);
  boost::asio::awaitable<bool> mirrored(const identity::ExternalClaims& external,
                                        identity::Role role);
  boost::asio::awaitable<void> notify_user_changed(pg::Transaction& tx, const Uuid& id);
  identity::Seconds now() const;

  Actor& actor_;
  pg::Pool& pool_;
  boost::asio::thread_pool& hashing_;
  IdentityOptions options_;
  storage::IdentityRepository repository_;

  // Owned by the actor's strand.
  identity::RateLimiter account_failures_;
  identity::RateLimiter address_failures_;
  std::size_t hashes_running_ = 0;
  std::unordered_map<Uuid, std::chrono::steady_clock::time_point, UuidHash> key_touched_;

  std::mutex cache_mutex_;
  std::unordered_map<Uuid, CachedUser, UuidHash> cache_;
  // Access tokens whose signature and claims were verified, with their
  // subject and expiry: a token is immutable, so later requests with it
  // skip the HMAC and the JSON (the user is still read from cache_).
  struct VerifiedToken {
    Uuid subject;
    identity::Seconds expires_at = 0;
  };
  // Looked up by the request's view of the header, without a copy.
  struct TokenHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view token) const {
      return std::hash<std::string_view>{}(token);
    }
  };
  std::unordered_map<std::string, VerifiedToken, TokenHash, std::equal_to<>>
      verified_;  // under cache_mutex_
  // External subjects known to have their users row.
  std::unordered_set<Uuid, UuidHash> mirrored_;  // under cache_mutex_
};

}  // namespace crmd::actors
