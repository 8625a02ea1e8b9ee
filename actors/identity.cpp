#include "actors/identity.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/value_from.hpp>

#include "domain/common/crypto.hpp"
#include "domain/identity/password.hpp"
#include "domain/identity/scopes.hpp"
#include "storage/audit.hpp"
#include "storage/blocking.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using identity::Principal;
using identity::RequestContext;
using identity::TokenType;
using identity::User;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxCachedUsers = 10000;
constexpr std::chrono::seconds kKeyTouchInterval{60};
constexpr std::string_view kKeyPrefix = "crmd_";
constexpr std::size_t kKeyPrefixLength = 8;  // hex characters after "crmd_"

Error invalid_token() {
  return Error(ErrorKind::unauthorized, "invalid_token", "the token is invalid or expired");
}

Error invalid_write_key() {
  return Error(ErrorKind::forbidden, "invalid_write_key", "the write key is not valid");
}

Principal principal_of(const User& user) {
  return {Principal::Kind::user, user.id, user.role, user.email, user.name};
}

// {"key": value}, built outside coroutines: g++ 12 rejects braced JSON
// literals inside them ("array used as initializer").
template <class T>
boost::json::value one_field(std::string_view key, const T& value) {
  boost::json::object object;
  object[key] = boost::json::value_from(value);
  return object;
}

Timestamp to_timestamp(identity::Seconds seconds) {
  return Timestamp(std::chrono::seconds(seconds));
}

}  // namespace

std::size_t IdentityService::UuidHash::operator()(const Uuid& id) const {
  std::size_t h = 0;
  for (auto b : id.bytes()) h = h * 131 + b;
  return h;
}

IdentityService::IdentityService(Actor& actor, pg::Pool& pool, asio::thread_pool& hashing,
                                 IdentityOptions options)
    : actor_(actor),
      pool_(pool),
      hashing_(hashing),
      options_(std::move(options)),
      repository_(pool),
      account_failures_(options_.max_failures_per_account, options_.failure_window),
      address_failures_(options_.max_failures_per_address, options_.failure_window) {}

identity::Seconds IdentityService::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<IssuedSession> IdentityService::login(identity::Credentials credentials,
                                                      RequestContext context) {
  const auto started = Clock::now();
  const auto account = credentials.email;
  const auto address = context.ip;
  // Lambdas are named before being awaited on: g++ 12 destroys a capturing
  // lambda passed straight into a co_await expression twice.
  // The attempt is counted as a failure before the password is hashed, and
  // released once it succeeds, so that parallel guesses cannot all pass the
  // check; at most max_concurrent_hashes hashes run at once.
  auto admit = [this, account, address, started]() -> std::optional<Error> {
    auto a = account_failures_.blocked_for(account, started);
    auto b = address_failures_.blocked_for(address, started);
    if (a || b) {
      const auto wait = a && b ? std::max(*a, *b) : (a ? *a : *b);
      return Error(ErrorKind::rate_limited, "too_many_attempts",
                   "too many failed sign-ins; try again later")
          .retry_after(static_cast<int>(wait.count()));
    }
    if (hashes_running_ >= options_.max_concurrent_hashes)
      return Error(ErrorKind::rate_limited, "sign_in_busy",
                   "too many sign-ins at once; try again shortly")
          .retry_after(1);
    ++hashes_running_;
    account_failures_.record_failure(account, started);
    address_failures_.record_failure(address, started);
    return std::nullopt;
  };
  auto refused = co_await actor_.call(std::move(admit));
  if (refused) throw *refused;

  std::optional<storage::UserWithHash> found;
  identity::PasswordCheck check;
  std::exception_ptr failed;
  try {
    found = co_await repository_.find_by_email(credentials.email);
    // An unknown account is checked against a decoy hash, so it takes as long.
    const std::string hash = found ? found->password_hash : identity::decoy_hash();
    auto verify = [password = credentials.password, hash] {
      return identity::verify_password(password, hash);
    };
    check = co_await run_blocking(hashing_, std::move(verify));
  } catch (...) {
    failed = std::current_exception();
  }
  const bool signed_in = !failed && found && check.ok && found->user.is_active;
  auto done = [this, signed_in, account, address, started] {
    --hashes_running_;
    if (!signed_in) return;
    account_failures_.reset(account);
    address_failures_.release(address, started);
  };
  co_await actor_.call(std::move(done));
  if (failed) std::rethrow_exception(failed);
  if (!signed_in) {
    auto tx = co_await pool_.begin();
    {
      const storage::AuditEntry entry{"sign_in_failed", "user", found ? found->user.id.str() : "",
                                      std::nullopt, one_field("email", account)};
      co_await storage::write_audit(tx, context, entry);
    }
    co_await tx.commit();
    throw Error(ErrorKind::unauthorized, "invalid_credentials", "invalid e-mail or password");
  }
  std::optional<std::string> new_hash;
  if (check.needs_rehash) {
    auto rehash = [password = credentials.password] { return identity::hash_password(password); };
    new_hash = co_await run_blocking(hashing_, std::move(rehash));
  }
  context.principal = principal_of(found->user);
  co_return co_await open_session(found->user, std::move(new_hash), std::move(context));
}

asio::awaitable<IssuedSession> IdentityService::open_session(const User& user,
                                                             std::optional<std::string> new_hash,
                                                             RequestContext context) {
  const auto t = now();
  const auto access =
      identity::new_claims(options_.tokens, TokenType::access, user.id, user.role, t);
  const auto refresh =
      identity::new_claims(options_.tokens, TokenType::refresh, user.id, user.role, t);
  auto tx = co_await pool_.begin();
  co_await repository_.record_sign_in(tx, user.id, new_hash);
  co_await repository_.insert_refresh_token(tx, refresh.jti, Uuid::random_v4(), user.id,
                                            to_timestamp(refresh.expires_at));
  {
    const storage::AuditEntry entry{
        "sign_in", "user", user.id.str(), std::nullopt,
        new_hash ? one_field("password_rehashed", true) : boost::json::value()};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return IssuedSession{identity::issue_token(options_.tokens, access),
                          identity::issue_token(options_.tokens, refresh),
                          options_.tokens.access_ttl, user};
}

asio::awaitable<IssuedSession> IdentityService::refresh(std::string refresh_token,
                                                        RequestContext context) {
  identity::TokenClaims claims;
  try {
    claims = identity::verify_token(options_.tokens, refresh_token, TokenType::refresh, now());
  } catch (const identity::TokenError& e) {
    spdlog::debug("refresh token refused: {}", e.what());
    throw invalid_token();
  }
  auto tx = co_await pool_.begin();
  auto row = co_await repository_.lock_refresh_token(tx, claims.jti);
  if (!row || row->revoked) throw invalid_token();
  if (row->rotated) {
    // A rotated token used again: it was stolen or replayed. End the family.
    co_await repository_.revoke_family(tx, row->family_id);
    {
      const storage::AuditEntry entry{"refresh_token_reused", "user", row->user_id.str(),
                                      std::nullopt, one_field("family", row->family_id.str())};
      co_await storage::write_audit(tx, context, entry);
    }
    co_await tx.commit();
    throw invalid_token();
  }
  auto user = co_await repository_.lock_user(tx, row->user_id);
  if (!user || !user->is_active) throw invalid_token();
  const auto t = now();
  const auto access =
      identity::new_claims(options_.tokens, TokenType::access, user->id, user->role, t);
  const auto next =
      identity::new_claims(options_.tokens, TokenType::refresh, user->id, user->role, t);
  co_await repository_.mark_rotated(tx, claims.jti);
  co_await repository_.insert_refresh_token(tx, next.jti, row->family_id, user->id,
                                            to_timestamp(next.expires_at));
  co_await tx.commit();
  co_return IssuedSession{identity::issue_token(options_.tokens, access),
                          identity::issue_token(options_.tokens, next), options_.tokens.access_ttl,
                          *user};
}

asio::awaitable<void> IdentityService::logout(std::string refresh_token, RequestContext context) {
  identity::TokenClaims claims;
  try {
    claims = identity::verify_token(options_.tokens, refresh_token, TokenType::refresh, now());
  } catch (const identity::TokenError&) {
    throw invalid_token();
  }
  auto tx = co_await pool_.begin();
  auto row = co_await repository_.lock_refresh_token(tx, claims.jti);
  if (!row) throw invalid_token();
  co_await repository_.revoke_family(tx, row->family_id);
  {
    const storage::AuditEntry entry{"sign_out", "user", row->user_id.str()};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
}

// An external subject gets its users row the first time a process sees it,
// so that it can own leads and contacts like any user.
asio::awaitable<bool> IdentityService::mirrored(const identity::ExternalClaims& external,
                                                identity::Role role) {
  {
    std::lock_guard lock(cache_mutex_);
    if (mirrored_.contains(external.subject)) co_return true;
  }
  // Tokens without an e-mail get one that cannot collide (RFC 2606 .invalid).
  const std::string email =
      external.email.empty() ? external.subject.str() + "@external.invalid" : external.email;
  const bool has_row = co_await repository_.mirror_external_user(external.subject, email, role);
  if (has_row) {
    std::lock_guard lock(cache_mutex_);
    if (mirrored_.size() >= kMaxCachedUsers) mirrored_.clear();
    mirrored_.insert(external.subject);
  }
  co_return has_row;
}

asio::awaitable<Principal> IdentityService::authenticate_bearer(std::string_view token) {
  std::optional<identity::TokenClaims> claims;
  std::optional<identity::ExternalClaims> external;
  const auto t = now();
  std::optional<Uuid> subject;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = verified_.find(token); it != verified_.end() && it->second.expires_at > t)
      subject = it->second.subject;
  }
  if (subject) {
    auto user = co_await cached_user(*subject);
    if (!user || !user->is_active) throw invalid_token();
    co_return principal_of(*user);
  }
  try {
    claims = identity::verify_token(options_.tokens, token, TokenType::access, t);
    std::lock_guard lock(cache_mutex_);
    if (verified_.size() >= kMaxCachedUsers) verified_.clear();
    verified_[std::string(token)] = {claims->subject, claims->expires_at};
  } catch (const identity::TokenError& own) {
    if (options_.external) {
      try {
        external = identity::verify_external_token(*options_.external, token, t);
      } catch (const identity::TokenError&) {
      }
    }
    if (!external) spdlog::debug("bearer token refused: {}", own.what());
  }
  if (external) {
    const auto assigned = co_await repository_.external_role(external->subject);
    const auto role = identity::external_role(assigned, external->role);
    Principal principal{Principal::Kind::external, external->subject, role, external->email, ""};
    const bool has_user_row = co_await mirrored(*external, role);
    principal.has_user_row = has_user_row;
    if (has_user_row) {
      // Deactivating the row locks the subject out, as it does a user.
      auto user = co_await cached_user(external->subject);
      if (user && !user->is_active) throw invalid_token();
    }
    co_return principal;
  }
  if (!claims) throw invalid_token();
  auto user = co_await cached_user(claims->subject);
  if (!user || !user->is_active) throw invalid_token();
  co_return principal_of(*user);
}

asio::awaitable<std::optional<User>> IdentityService::cached_user(const Uuid& id) {
  const auto t = Clock::now();
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(id); it != cache_.end() && it->second.expires > t)
      co_return it->second.user;
  }
  auto user = co_await repository_.find_user(id);
  if (user) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= kMaxCachedUsers) cache_.clear();
    cache_[id] = {*user, t + options_.user_cache_ttl};
  }
  co_return user;
}

void IdentityService::forget_user(const Uuid& id) {
  std::lock_guard lock(cache_mutex_);
  cache_.erase(id);
}

asio::awaitable<Principal> IdentityService::authenticate_write_key(std::string_view key) {
  // Digests first, so the comparison takes the same time whatever the lengths.
  if (!options_.contacts_write_key.empty() &&
      constant_time_equal(sha256_hex(key), sha256_hex(options_.contacts_write_key))) {
    Principal principal{Principal::Kind::api_key, Uuid{}, identity::Role::sales, "",
                        "configured key"};
    principal.scopes = {"contacts:*"};
    principal.key_label = "write_key:configured";
    co_return principal;
  }
  auto stored = co_await stored_key(key);
  if (!stored) throw invalid_write_key();
  co_return key_principal(*stored, identity::Role::sales);
}

asio::awaitable<Principal> IdentityService::authenticate_api_key(std::string_view key) {
  auto stored = co_await stored_key(key);
  if (!stored) throw invalid_token();
  // A key acts as its creator, never above the creator's role today.
  std::optional<User> creator;
  if (stored->secret.created_by) creator = co_await cached_user(*stored->secret.created_by);
  if (!creator || !creator->is_active) throw invalid_token();
  auto principal = key_principal(*stored, creator->role);
  principal.acting_user = creator->id;
  co_return principal;
}

asio::awaitable<std::optional<IdentityService::StoredKey>> IdentityService::stored_key(
    std::string_view key) {
  if (!key.starts_with(kKeyPrefix) || key.size() < kKeyPrefix.size() + kKeyPrefixLength + 2 ||
      key[kKeyPrefix.size() + kKeyPrefixLength] != '_')
    co_return std::nullopt;
  std::string prefix(key.substr(kKeyPrefix.size(), kKeyPrefixLength));
  const auto secret = key.substr(kKeyPrefix.size() + kKeyPrefixLength + 1);
  auto stored = co_await repository_.find_api_key(prefix);
  if (!stored || !constant_time_equal(sha256_hex(secret), stored->key_hash)) co_return std::nullopt;
  if (stored->revoked)
    throw Error(ErrorKind::forbidden, "revoked_write_key", "the API key has been revoked");
  auto due = [this, id = stored->id] {
    const auto t = Clock::now();
    auto& last = key_touched_[id];
    if (t - last < kKeyTouchInterval) return false;
    last = t;
    return true;
  };
  const bool touch = co_await actor_.call(std::move(due));
  if (touch) co_await repository_.touch_api_key(stored->id);
  co_return StoredKey{std::move(*stored), std::move(prefix)};
}

Principal IdentityService::key_principal(const StoredKey& key, identity::Role role) {
  Principal principal{Principal::Kind::api_key, key.secret.id, role, "", ""};
  principal.scopes = key.secret.scopes;
  principal.key_label = "write_key:" + key.prefix;
  return principal;
}

asio::awaitable<User> IdentityService::user(const Uuid& id) {
  auto found = co_await repository_.find_user(id);
  if (!found) throw Error(ErrorKind::not_found, "not_found", "no such user");
  co_return *found;
}

asio::awaitable<std::vector<Listed<User>>> IdentityService::list_users(
    std::size_t limit, const std::optional<PagePosition>& from) {
  co_return co_await repository_.list_users(limit, from);
}

asio::awaitable<User> IdentityService::create_user(identity::NewUser user, RequestContext context) {
  auto hash_it = [password = user.password] { return identity::hash_password(password); };
  const auto hash = co_await run_blocking(hashing_, std::move(hash_it));
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  auto created = co_await repository_.insert_user(tx, user, hash);
  {
    const storage::AuditEntry entry{"user_created", "user", created.id.str(), std::nullopt,
                                    identity::to_json(created)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return created;
}

asio::awaitable<User> IdentityService::update_user(Uuid id, identity::UserPatch patch,
                                                   RequestContext context) {
  const bool self = context.principal && context.principal->id == id;
  if (self && ((patch.role && *patch.role != context.principal->role) ||
               (patch.is_active && !*patch.is_active)))
    throw Error(ErrorKind::conflict, "cannot_change_self",
                "admins cannot change their own role or deactivate themselves");
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.lock_user(tx, id);
  if (!before) throw Error(ErrorKind::not_found, "not_found", "no such user");
  auto after = co_await repository_.update_user(tx, id, patch);
  if (before->role != after.role) {
    const storage::AuditEntry entry{"role_changed", "user", id.str(),
                                    one_field("role", to_string(before->role)),
                                    one_field("role", to_string(after.role))};
    co_await storage::write_audit(tx, context, entry);
  }
  if (before->is_active != after.is_active) {
    {
      const storage::AuditEntry entry{after.is_active ? "user_reactivated" : "user_deactivated",
                                      "user", id.str(), one_field("is_active", before->is_active),
                                      one_field("is_active", after.is_active)};
      co_await storage::write_audit(tx, context, entry);
    }
    if (!after.is_active) co_await repository_.revoke_user_tokens(tx, id);
  }
  if (before->name != after.name) {
    const storage::AuditEntry entry{"user_updated", "user", id.str(),
                                    one_field("name", before->name), one_field("name", after.name)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await notify_user_changed(tx, id);
  co_await tx.commit();
  forget_user(id);
  co_return after;
}

asio::awaitable<void> IdentityService::notify_user_changed(pg::Transaction& tx, const Uuid& id) {
  co_await tx.query("SELECT pg_notify($1, $2)", std::string(kUserChannel), id.str());
}

asio::awaitable<CreatedApiKey> IdentityService::create_api_key(std::string name,
                                                               std::vector<std::string> scopes,
                                                               RequestContext context) {
  for (const auto& scope : scopes)
    if (!identity::is_known_scope(scope))
      throw Error(ErrorKind::validation, "validation_error", "unknown scope " + scope,
                  {{"scopes", "known scopes: " + std::string(identity::known_scopes_text())}});
  if (scopes.empty()) scopes = {"contacts:write"};
  const auto prefix = hex(random_bytes(kKeyPrefixLength / 2));
  const auto secret = identity::base64url_encode(random_bytes(32));
  std::optional<Uuid> created_by;
  if (context.principal && context.principal->kind == Principal::Kind::user)
    created_by = context.principal->id;
  auto tx = co_await pool_.begin();
  auto key =
      co_await repository_.insert_api_key(tx, name, prefix, sha256_hex(secret), scopes, created_by);
  {
    const storage::AuditEntry entry{"api_key_created", "api_key", key.id.str(), std::nullopt,
                                    storage::to_json(key)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return CreatedApiKey{key, std::string(kKeyPrefix) + prefix + "_" + secret};
}

asio::awaitable<std::vector<storage::ApiKey>> IdentityService::list_api_keys() {
  co_return co_await repository_.list_api_keys();
}

asio::awaitable<void> IdentityService::revoke_api_key(Uuid id, RequestContext context) {
  auto tx = co_await pool_.begin();
  auto key = co_await repository_.revoke_api_key(tx, id);
  if (!key) throw Error(ErrorKind::not_found, "not_found", "no such API key");
  if (!key->revoked_at) {
    const storage::AuditEntry entry{"api_key_revoked", "api_key", id.str(), storage::to_json(*key),
                                    one_field("revoked", true)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
}

asio::awaitable<bool> IdentityService::bootstrap_admin(std::string email, std::string password) {
  const auto users = co_await repository_.count_users();
  if (users > 0) co_return false;
  // Validated like any new user: a bad CRMD_ADMIN_* stops start-up saying why.
  auto admin = identity::parse_new_user(boost::json::object{
      {"email", email}, {"name", "Administrator"}, {"password", password}, {"role", "admin"}});
  RequestContext context{"bootstrap", "", Principal{Principal::Kind::system}};
  try {
    co_await create_user(std::move(admin), std::move(context));
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::conflict) throw;
    co_return false;  // another process created it first
  }
  co_return true;
}

asio::awaitable<void> IdentityService::follow_changes(pg::Listener& listener) {
  try {
    auto subscription = co_await listener.subscribe(kUserChannel);
    for (;;) {
      auto notification = co_await subscription->next();
      if (notification.missed) {
        std::lock_guard lock(cache_mutex_);
        cache_.clear();
      } else if (auto id = Uuid::parse(notification.payload)) {
        forget_user(*id);
      }
    }
  } catch (const pg::Error&) {
    // The listener closed: shutting down.
  }
}

}  // namespace crmd::actors
