// Pipedrive's rate limits as pure rules: what the headers of one answer say,
// and what the client must do before its next request. No I/O, no clock:
// the caller passes now.
//
// Pipedrive has two limits (notes/pipedrive-and-llm.md 1.7): a burst window
// of 2 s per token (x-ratelimit-limit/-remaining/-reset), and a daily token
// budget shared by the whole company (x-daily-ratelimit-token-remaining/
// -limit; the legacy POST/PUT allowance x-daily-requests-left). A spent
// window is waited out; a spent budget is not worth retrying before its
// reset; a 403 right after a 429 means Pipedrive escalated: stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/time.hpp"
#include "storage/web/http_message.hpp"

namespace crmd::pipedrive {

struct RateLimitState {
  // The burst window, from the last answer (absent headers: nullopt).
  std::optional<int> remaining, limit;
  std::optional<std::chrono::seconds> reset;  // until the window resets
  // The daily token budget; kept from earlier answers when one lacks them.
  std::optional<std::int64_t> daily_remaining, daily_limit;
  std::optional<std::int64_t> daily_requests_left;  // legacy x-daily-requests-left
  // Retry-After of the last answer (seconds or an HTTP date), as a wait.
  std::optional<std::chrono::milliseconds> retry_after;
  // No request should go out before this: the end of a spent burst window
  // (verdict "wait") or the reset of a spent budget ("budget_exhausted").
  std::optional<Timestamp> paused_until;
  // The verdict on the last answer: "ok", "wait", "budget_exhausted",
  // "hard_stop" ("" before the first answer).
  std::string last_verdict;
  unsigned last_status = 0;  // of the last answer
  int answers = 0;           // answers judged so far
};

enum class Pace {
  ok,                // go on
  wait,              // wait `wait` before the next request (a 429 is then sent again)
  budget_exhausted,  // no request before `until`
  hard_stop,         // a 403 right after a 429: stop, do not retry
};
std::string_view to_string(Pace pace);

struct PaceVerdict {
  Pace pace = Pace::ok;
  std::chrono::milliseconds wait{0};  // wait: how long
  std::optional<Timestamp> until;     // wait and budget_exhausted: until when
};

struct PacingRules {
  // An answer leaving this many requests or fewer in the window waits for
  // the window to reset before the next request.
  int burst_reserve = 1;
  // The burst window, when an answer that calls for a wait gives no reset.
  std::chrono::seconds window{2};
  // The least wait after a 429 (a reset of 0 would retry at once).
  std::chrono::milliseconds min_429_wait{1000};
};

// Reads the rate-limit headers of response into state (nothing else).
void read_rate_headers(RateLimitState& state, const web::HttpResponse& response, Timestamp now);

// Judges one answer: reads its headers, decides, and records the verdict in
// state (last_verdict, paused_until, last_status). The rules, in order:
//  - 403 when the previous answer was a 429: hard_stop;
//  - 429 with the daily budget at 0 (x-daily-ratelimit-token-remaining: 0,
//    or the legacy x-daily-requests-left: 0): budget_exhausted until
//    Retry-After, else x-ratelimit-reset when longer than the burst window
//    (a shorter one describes the window, not the budget), else the next
//    UTC midnight;
//  - any other 429: wait Retry-After, else x-ratelimit-reset, else the
//    window (at least min_429_wait);
//  - any other answer with x-ratelimit-remaining <= burst_reserve: wait
//    x-ratelimit-reset, else the window;
//  - else ok (paused_until cleared).
PaceVerdict judge_answer(RateLimitState& state, const web::HttpResponse& response, Timestamp now,
                         const PacingRules& rules = {});

// 00:00:00 UTC of the day after now's.
Timestamp next_utc_midnight(Timestamp now);

}  // namespace crmd::pipedrive
