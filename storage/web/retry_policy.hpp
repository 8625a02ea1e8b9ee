// One retry policy for every outside service: what an outcome means
// (success, retry, refresh credentials once, give up) and how long to wait
// before the next attempt. Pure: no I/O, the randomness injectable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "domain/common/error.hpp"
#include "storage/web/http_message.hpp"

namespace crmd::web {

enum class Verdict {
  success,       // 1xx-3xx: the caller reads the answer
  retryable,     // 408, 429, 5xx, a lost or refused connection, a timeout
  needs_reauth,  // 401: refresh the credentials and try once more
  permanent,     // any other answer or failure
};

struct RetryPolicy {
  int max_attempts = 4;                          // the first one included
  std::chrono::milliseconds base_delay{250};     // the first backoff's ceiling
  std::chrono::milliseconds max_delay{30000};    // one wait at most, Retry-After included
  std::chrono::milliseconds max_elapsed{60000};  // no wait ends later than this after the start
  // A service's own reading of an answer (Google's 403 rateLimitExceeded
  // is retryable), asked before the common rules; nullopt: no opinion.
  std::function<std::optional<Verdict>(const HttpResponse&)> classify_answer;
};

Verdict classify(const RetryPolicy& policy, const HttpResponse& response);
// A failed transfer (an Error of storage/web/outbound_errors.hpp).
Verdict classify_failure(const Error& error);

// Retry-After as a wait: delta-seconds or an HTTP-date (one in the past is
// no wait). nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// A uniform draw in [0, upper_bound).
using UniformRandom = std::function<std::uint32_t(std::uint32_t upper_bound)>;
UniformRandom sodium_uniform();

// The wait after failed_attempts (1 or more) attempts: the server's
// Retry-After when it gave one, else truncated exponential backoff with full
// jitter (uniform in [0, min(max_delay, base_delay * 2^(failed_attempts-1))]);
// never above max_delay.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int failed_attempts,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        const UniformRandom& uniform);

}  // namespace crmd::web
