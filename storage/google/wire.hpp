// Pieces of Google's wire format shared by the token endpoint and the APIs:
// form and query encoding, the error envelope, and the retry policy that
// reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/web/retry_policy.hpp"

namespace crmd::google {

// RFC 3986 percent-encoding of everything but the unreserved characters
// (form values and query parameters alike).
std::string percent_encode(std::string_view text);

// name=value&… with both sides percent-encoded.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// What an error answer says went wrong: error.errors[0].reason, else
// error.status, else the OAuth form's "error" string. nullopt when the body
// says none of these.
std::optional<std::string> google_error_reason(std::string_view body);

// N of "bytes=0-N" (a resumable upload's Range header); nullopt otherwise.
std::optional<std::uint64_t> parse_range_end(std::string_view value);

// Google's reading of answers: a 403 rateLimitExceeded or
// userRateLimitExceeded is retryable, any other 403 (insufficientPermissions,
// domainPolicy…) permanent; 429, 5xx and 401 as every service.
web::RetryPolicy google_retry_policy();

}  // namespace crmd::google
