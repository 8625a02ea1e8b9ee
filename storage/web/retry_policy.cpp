#include "storage/web/retry_policy.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>

#include "storage/web/outbound_errors.hpp"

namespace crmd::web {

Verdict classify(const RetryPolicy& policy, const HttpResponse& response) {
  if (policy.classify_answer)
    if (auto verdict = policy.classify_answer(response)) return *verdict;
  const unsigned status = response.status;
  if (status >= 100 && status < 400) return Verdict::success;
  if (status == 401) return Verdict::needs_reauth;
  if (status == 408 || status == 429 || (status >= 500 && status < 600)) return Verdict::retryable;
  return Verdict::permanent;
}

Verdict classify_failure(const Error& error) {
  const std::string& code = error.code();
  if (code == errc::timeout || code == errc::connect_failed || code == errc::connection_lost)
    return Verdict::retryable;
  return Verdict::permanent;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    // Too many digits to hold is a long wait all the same.
    if (ec == std::errc::result_out_of_range) seconds = 366ull * 24 * 3600;
    seconds = std::min<std::uint64_t>(seconds, 366ull * 24 * 3600);
    return std::chrono::seconds(seconds);
  }
  // libcurl parses the date formats HTTP allows (and more).
  const std::string text(value);
  const time_t at = curl_getdate(text.c_str(), nullptr);
  if (at == -1) return std::nullopt;
  const auto wait = std::chrono::system_clock::from_time_t(at) - now;
  if (wait <= std::chrono::system_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(wait);
}

UniformRandom sodium_uniform() {
  return [](std::uint32_t upper_bound) {
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error("libsodium could not be initialised");
    return randombytes_uniform(upper_bound);
  };
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int failed_attempts,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        const UniformRandom& uniform) {
  using std::chrono::milliseconds;
  const milliseconds cap = std::max(policy.max_delay, milliseconds(0));
  if (retry_after) return std::clamp(*retry_after, milliseconds(0), cap);
  // Doubling stops at the cap (and long before the shift could overflow).
  milliseconds ceiling = std::max(policy.base_delay, milliseconds(0));
  for (int i = 1; i < failed_attempts && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  const auto bound = static_cast<std::uint32_t>(
      std::min<std::int64_t>(ceiling.count(), std::int64_t{UINT32_MAX} - 1) + 1);
  return milliseconds(uniform(bound));
}

}  // namespace crmd::web
