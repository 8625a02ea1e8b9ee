// Access tokens for one Google credential: fetched from the token endpoint,
// cached until 5 minutes before they expire, one request for any number of
// concurrent callers. A dead grant (invalid_grant) is remembered until
// reset(): Google is not asked again, the user has to reconnect.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/google/credentials.hpp"
#include "storage/web/http_client.hpp"
#include "storage/web/retry_policy.hpp"

namespace crmd::google {

// The token endpoint's own policy: a few quick attempts.
web::RetryPolicy token_retry_policy();

class GoogleAuth {
 public:
  // token_url_override (CRMD_GOOGLE_TOKEN_URL) beats the credentials'
  // token_uri. http must outlive the object.
  GoogleAuth(boost::asio::any_io_executor io, web::HttpClient& http, Credentials credentials,
             std::string scope, std::optional<std::string> token_url_override,
             web::RetryPolicy policy = token_retry_policy());
  GoogleAuth(const GoogleAuth&) = delete;
  GoogleAuth& operator=(const GoogleAuth&) = delete;

  // Throws Error(unavailable, "google_needs_reconnect") while
  // needs_reconnect(), Error(unavailable, "google_unavailable") when the
  // endpoint fails otherwise.
  boost::asio::awaitable<std::string> access_token();
  // Drops the cached token and fetches another (joins a fetch in flight).
  boost::asio::awaitable<void> refresh();
  // For HttpClient::send_with_retries: a fresh token (unless another caller
  // already replaced the one refused) in the request's Authorization header.
  web::Reauthorize reauthorize();

  bool needs_reconnect() const;
  // What the last failed token request said; no secret in it.
  std::string last_error() const;
  // Leaves the needs-reconnect state; the next access_token() asks Google.
  void reset();
  // The same with new credentials (the user reconnected).
  void reset(Credentials replacement);

 private:
  struct Fetch {
    std::vector<boost::asio::steady_timer*> waiters;
    std::exception_ptr failure;
    std::string token;
  };

  boost::asio::awaitable<std::string> token_on_strand(std::optional<std::string> refused,
                                                      bool force);
  boost::asio::awaitable<void> fetch_token();
  boost::asio::awaitable<void> reauthorize_request(web::HttpRequest& request);
  void throw_if_needs_reconnect() const;

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  web::HttpClient& http_;
  const std::string scope_;
  const std::optional<std::string> token_url_override_;
  const web::RetryPolicy policy_;

  // On the strand only.
  std::string token_;
  std::uint64_t token_generation_ = 0;
  std::chrono::steady_clock::time_point expires_at_;
  std::shared_ptr<Fetch> fetch_;  // the token request in flight

  mutable std::mutex mutex_;
  Credentials credentials_;
  std::uint64_t generation_ = 0;  // of credentials_: a token of another one is not used
  bool needs_reconnect_ = false;
  std::string last_error_;
};

}  // namespace crmd::google
