#include "storage/google/auth.hpp"

#include <strings.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <variant>

#include "domain/common/error.hpp"
#include "storage/async.hpp"
#include "storage/google/wire.hpp"

namespace crmd::google {

namespace asio = boost::asio;

namespace {

// Refreshed this long before Google's expiry, so a request never carries a
// token that dies on the way.
constexpr std::chrono::minutes refresh_margin{5};

const std::string& token_uri_of(const Credentials& credentials) {
  return std::visit([](const auto& c) -> const std::string& { return c.token_uri; }, credentials);
}

std::string form_of(const Credentials& credentials, const std::string& scope) {
  if (const auto* account = std::get_if<ServiceAccount>(&credentials))
    return form_encode(
        {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
         {"assertion", jwt_assertion(*account, scope, std::chrono::system_clock::now())}});
  const auto& user = std::get<RefreshTokenCredentials>(credentials);
  return form_encode({{"grant_type", "refresh_token"},
                      {"client_id", user.client_id},
                      {"client_secret", user.client_secret},
                      {"refresh_token", user.refresh_token}});
}

struct Granted {
  std::string token;
  std::chrono::seconds lifetime;
};
struct Refused {
  bool dead_grant = false;  // invalid_grant: only the user can mend it
  std::string message;
};

std::variant<Granted, Refused> read_token_answer(const web::HttpResponse& response) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(response.body, ec);
  const boost::json::object* answer = !ec && value.is_object() ? &value.get_object() : nullptr;
  if (response.status == 200 && answer) {
    const auto* token = answer->if_contains("access_token");
    const auto* expires = answer->if_contains("expires_in");
    if (token && token->is_string() && !token->get_string().empty()) {
      std::int64_t seconds = 3600;
      if (expires && expires->is_int64()) seconds = expires->get_int64();
      if (expires && expires->is_uint64())
        seconds = static_cast<std::int64_t>(expires->get_uint64());
      return Granted{std::string(token->get_string()), std::chrono::seconds(seconds)};
    }
    return Refused{false, "Google's token endpoint answered 200 without an access_token"};
  }
  std::string code;
  std::string description;
  if (answer) {
    if (const auto* error = answer->if_contains("error"); error && error->is_string())
      code = std::string(error->get_string());
    if (const auto* text = answer->if_contains("error_description"); text && text->is_string())
      description = std::string(text->get_string()).substr(0, 200);
  }
  std::string message = "Google's token endpoint answered " + std::to_string(response.status);
  if (!code.empty()) message += " " + code;
  if (!description.empty()) message += ": " + description;
  const bool dead = code == "invalid_grant" && (response.status == 400 || response.status == 401);
  return Refused{dead, std::move(message)};
}

std::optional<std::string> bearer_of(const web::HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (name.size() != 13 || strncasecmp(name.c_str(), "authorization", 13) != 0) continue;
    if (value.starts_with("Bearer ")) return value.substr(7);
  }
  return std::nullopt;
}

void set_bearer(web::HttpRequest& request, const std::string& token) {
  std::erase_if(request.headers, [](const web::Header& header) {
    return header.first.size() == 13 && strncasecmp(header.first.c_str(), "authorization", 13) == 0;
  });
  request.headers.emplace_back("Authorization", "Bearer " + token);
}

}  // namespace

web::RetryPolicy token_retry_policy() {
  web::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.base_delay = std::chrono::milliseconds(250);
  policy.max_delay = std::chrono::milliseconds(2000);
  policy.max_elapsed = std::chrono::milliseconds(10000);
  return policy;
}

GoogleAuth::GoogleAuth(asio::any_io_executor io, web::HttpClient& http, Credentials credentials,
                       std::string scope, std::optional<std::string> token_url_override,
                       web::RetryPolicy policy)
    : strand_(asio::make_strand(std::move(io))),
      http_(http),
      scope_(std::move(scope)),
      token_url_override_(std::move(token_url_override)),
      policy_(std::move(policy)),
      credentials_(std::move(credentials)) {}

void GoogleAuth::throw_if_needs_reconnect() const {
  std::lock_guard lock(mutex_);
  if (needs_reconnect_)
    throw Error(ErrorKind::unavailable, "google_needs_reconnect",
                "the Google account must be connected again: " + last_error_);
}

asio::awaitable<std::string> GoogleAuth::access_token() {
  throw_if_needs_reconnect();
  co_return co_await spawn_and_wait(strand_, token_on_strand(std::nullopt, false));
}

asio::awaitable<void> GoogleAuth::refresh() {
  throw_if_needs_reconnect();
  co_await spawn_and_wait(strand_, token_on_strand(std::nullopt, true));
}

web::Reauthorize GoogleAuth::reauthorize() {
  return [this](web::HttpRequest& request) { return reauthorize_request(request); };
}

asio::awaitable<void> GoogleAuth::reauthorize_request(web::HttpRequest& request) {
  throw_if_needs_reconnect();
  std::optional<std::string> refused = bearer_of(request);
  const bool force = !refused;
  std::string token = co_await spawn_and_wait(strand_, token_on_strand(std::move(refused), force));
  set_bearer(request, token);
}

bool GoogleAuth::needs_reconnect() const {
  std::lock_guard lock(mutex_);
  return needs_reconnect_;
}

std::string GoogleAuth::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void GoogleAuth::reset() {
  std::lock_guard lock(mutex_);
  needs_reconnect_ = false;
  ++generation_;
}

void GoogleAuth::reset(Credentials replacement) {
  std::lock_guard lock(mutex_);
  credentials_ = std::move(replacement);
  needs_reconnect_ = false;
  ++generation_;
}

asio::awaitable<std::string> GoogleAuth::token_on_strand(std::optional<std::string> refused,
                                                         bool force) {
  throw_if_needs_reconnect();
  if (force) refused = token_;
  if (fetch_) {
    // Joining: whatever that request brings is at least as fresh as asked.
    std::shared_ptr<Fetch> joined = fetch_;
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, std::chrono::steady_clock::time_point::max());
    joined->waiters.push_back(&timer);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (joined->failure) std::rethrow_exception(joined->failure);
    co_return joined->token;
  }
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
  }
  const bool fresh = std::chrono::steady_clock::now() + refresh_margin < expires_at_;
  if (!token_.empty() && token_generation_ == generation && fresh && token_ != refused)
    co_return token_;

  auto fetch = std::make_shared<Fetch>();
  fetch_ = fetch;
  try {
    co_await fetch_token();
  } catch (...) {
    fetch->failure = std::current_exception();
  }
  fetch->token = token_;
  fetch_.reset();
  for (auto* waiter : fetch->waiters) waiter->cancel();
  if (fetch->failure) std::rethrow_exception(fetch->failure);
  co_return fetch->token;
}

asio::awaitable<void> GoogleAuth::fetch_token() {
  Credentials credentials;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    credentials = credentials_;
    generation = generation_;
  }
  web::HttpRequest request;
  request.method = "POST";
  request.url = token_url_override_ ? *token_url_override_ : token_uri_of(credentials);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  try {
    request.body = form_of(credentials, scope_);
  } catch (const std::runtime_error& e) {
    {
      std::lock_guard lock(mutex_);
      last_error_ = e.what();
    }
    throw Error(ErrorKind::unavailable, "google_unavailable", e.what());
  }

  std::optional<web::HttpResponse> response;
  std::string transfer_failure;
  try {
    response = co_await http_.send_with_retries(std::move(request), policy_, "google_oauth");
  } catch (const Error& e) {
    transfer_failure = "Google's token endpoint could not be reached (" + e.code() + ")";
  }
  if (!response) {
    {
      std::lock_guard lock(mutex_);
      last_error_ = transfer_failure;
    }
    throw Error(ErrorKind::unavailable, "google_unavailable", transfer_failure);
  }

  auto outcome = read_token_answer(*response);
  if (auto* granted = std::get_if<Granted>(&outcome)) {
    token_ = std::move(granted->token);
    token_generation_ = generation;
    expires_at_ = std::chrono::steady_clock::now() + granted->lifetime;
    co_return;
  }
  auto& refused = std::get<Refused>(outcome);
  token_.clear();
  {
    std::lock_guard lock(mutex_);
    last_error_ = refused.message;
    // A reset() while this request was out gave other credentials a chance.
    if (refused.dead_grant && generation == generation_) needs_reconnect_ = true;
  }
  if (refused.dead_grant)
    throw Error(ErrorKind::unavailable, "google_needs_reconnect",
                "the Google account must be connected again: " + refused.message);
  throw Error(ErrorKind::unavailable, "google_unavailable", refused.message);
}

}  // namespace crmd::google
