#include "storage/pipedrive/rate_limit.hpp"

#include <algorithm>
#include <charconv>

#include "storage/web/retry_policy.hpp"

namespace crmd::pipedrive {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A non-negative decimal header value; nullopt when absent or unreadable.
std::optional<std::int64_t> number_header(const web::HttpResponse& response,
                                          std::string_view name) {
  const auto value = response.header(name);
  if (!value) return std::nullopt;
  const std::string_view text = trimmed(*value);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

std::optional<int> int_header(const web::HttpResponse& response, std::string_view name) {
  const auto n = number_header(response, name);
  if (!n) return std::nullopt;
  return static_cast<int>(std::min<std::int64_t>(*n, 1'000'000'000));
}

Timestamp after(Timestamp now, milliseconds wait) {
  return now + std::chrono::duration_cast<std::chrono::microseconds>(wait);
}

}  // namespace

std::string_view to_string(Pace pace) {
  switch (pace) {
    case Pace::ok:
      return "ok";
    case Pace::wait:
      return "wait";
    case Pace::budget_exhausted:
      return "budget_exhausted";
    case Pace::hard_stop:
      return "hard_stop";
  }
  return "ok";
}

Timestamp next_utc_midnight(Timestamp now) {
  const auto today = std::chrono::floor<std::chrono::days>(now);
  return Timestamp(today + std::chrono::days(1));
}

void read_rate_headers(RateLimitState& state, const web::HttpResponse& response, Timestamp now) {
  state.limit = int_header(response, "x-ratelimit-limit");
  state.remaining = int_header(response, "x-ratelimit-remaining");
  if (const auto reset = number_header(response, "x-ratelimit-reset"))
    state.reset = seconds(std::min<std::int64_t>(*reset, 366LL * 24 * 3600));
  else
    state.reset.reset();
  if (const auto v = number_header(response, "x-daily-ratelimit-token-remaining"))
    state.daily_remaining = *v;
  if (const auto v = number_header(response, "x-daily-ratelimit-token-limit"))
    state.daily_limit = *v;
  if (const auto v = number_header(response, "x-daily-requests-left"))
    state.daily_requests_left = *v;
  state.retry_after.reset();
  if (const auto value = response.header("retry-after"))
    state.retry_after = web::parse_retry_after(
        *value, std::chrono::system_clock::time_point(
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(
                        now.time_since_epoch())));
}

PaceVerdict judge_answer(RateLimitState& state, const web::HttpResponse& response, Timestamp now,
                         const PacingRules& rules) {
  const unsigned previous_status = state.last_status;
  read_rate_headers(state, response, now);
  const milliseconds window = rules.window;
  PaceVerdict verdict;
  if (response.status == 403 && previous_status == 429) {
    verdict.pace = Pace::hard_stop;
  } else if (response.status == 429) {
    // This answer's own daily headers decide, not remembered ones.
    const auto daily = number_header(response, "x-daily-ratelimit-token-remaining");
    const auto legacy = number_header(response, "x-daily-requests-left");
    if ((daily && *daily == 0) || (legacy && *legacy == 0)) {
      verdict.pace = Pace::budget_exhausted;
      if (state.retry_after)
        verdict.until = after(now, *state.retry_after);
      else if (state.reset && milliseconds(*state.reset) > window)
        verdict.until = after(now, *state.reset);
      else
        verdict.until = next_utc_midnight(now);
      verdict.wait = std::chrono::ceil<milliseconds>(*verdict.until - now);
    } else {
      verdict.pace = Pace::wait;
      milliseconds wait = window;
      if (state.retry_after)
        wait = *state.retry_after;
      else if (state.reset)
        wait = *state.reset;
      verdict.wait = std::max(wait, rules.min_429_wait);
      verdict.until = after(now, verdict.wait);
    }
  } else if (state.remaining && *state.remaining <= rules.burst_reserve) {
    verdict.pace = Pace::wait;
    verdict.wait = state.reset ? milliseconds(*state.reset) : window;
    verdict.until = after(now, verdict.wait);
  }
  state.last_status = response.status;
  state.last_verdict = std::string(to_string(verdict.pace));
  state.paused_until = verdict.until;
  ++state.answers;
  return verdict;
}

}  // namespace crmd::pipedrive
