// Pipedrive's rate-limit rules (storage/pipedrive/rate_limit.hpp): what the
// headers say and the verdict on each answer.
#include <gtest/gtest.h>

#include "storage/pipedrive/rate_limit.hpp"

namespace crmd::pipedrive {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const Timestamp now = sys_days(year(2026) / 3 / 10) + hours(15) + minutes(20);

web::HttpResponse answer(unsigned status, std::vector<web::Header> headers = {}) {
  web::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

std::vector<web::Header> window(int limit, int remaining, int reset) {
  return {{"x-ratelimit-limit", std::to_string(limit)},
          {"x-ratelimit-remaining", std::to_string(remaining)},
          {"x-ratelimit-reset", std::to_string(reset)}};
}

std::vector<web::Header> plus(std::vector<web::Header> a, std::vector<web::Header> b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<web::Header> daily(std::int64_t remaining, std::int64_t limit = 30000) {
  return {{"x-daily-ratelimit-token-remaining", std::to_string(remaining)},
          {"x-daily-ratelimit-token-limit", std::to_string(limit)}};
}

TEST(PipedriveRateLimitTest, ReadsTheHeaders) {
  RateLimitState state;
  read_rate_headers(state,
                    answer(200, plus(plus(window(80, 42, 2), daily(29000)),
                                     {{"x-daily-requests-left", "9876"}, {"retry-after", "7"}})),
                    now);
  EXPECT_EQ(state.limit, 80);
  EXPECT_EQ(state.remaining, 42);
  EXPECT_EQ(state.reset, 2s);
  EXPECT_EQ(state.daily_remaining, 29000);
  EXPECT_EQ(state.daily_limit, 30000);
  EXPECT_EQ(state.daily_requests_left, 9876);
  EXPECT_EQ(state.retry_after, 7000ms);
  // The next answer without them: the window is unknown, the budget kept.
  read_rate_headers(state, answer(502), now);
  EXPECT_FALSE(state.limit);
  EXPECT_FALSE(state.remaining);
  EXPECT_FALSE(state.reset);
  EXPECT_FALSE(state.retry_after);
  EXPECT_EQ(state.daily_remaining, 29000);
  // Retry-After as an HTTP date.
  read_rate_headers(state, answer(429, {{"retry-after", "Tue, 10 Mar 2026 15:20:30 GMT"}}), now);
  EXPECT_EQ(state.retry_after, 30000ms);
  // Garbage is no value.
  read_rate_headers(state, answer(200, {{"x-ratelimit-remaining", "lots"}}), now);
  EXPECT_FALSE(state.remaining);
}

TEST(PipedriveRateLimitTest, AnOrdinaryAnswerIsOk) {
  RateLimitState state;
  const auto verdict = judge_answer(state, answer(200, plus(window(80, 79, 2), daily(29000))), now);
  EXPECT_EQ(verdict.pace, Pace::ok);
  EXPECT_EQ(state.last_verdict, "ok");
  EXPECT_FALSE(state.paused_until);
  EXPECT_EQ(state.last_status, 200u);
  EXPECT_EQ(state.answers, 1);
  // No headers at all: nothing to pace on.
  EXPECT_EQ(judge_answer(state, answer(200), now).pace, Pace::ok);
  // A 500 is the retry policy's business, not a pacing matter.
  EXPECT_EQ(judge_answer(state, answer(500, window(80, 50, 2)), now).pace, Pace::ok);
}

TEST(PipedriveRateLimitTest, ASpentWindowWaitsForItsReset) {
  RateLimitState state;
  const auto verdict = judge_answer(state, answer(200, window(80, 1, 2)), now);
  EXPECT_EQ(verdict.pace, Pace::wait);
  EXPECT_EQ(verdict.wait, 2000ms);
  EXPECT_EQ(state.paused_until, now + 2s);
  EXPECT_EQ(state.last_verdict, "wait");
  // Without a reset: the 2 s window.
  const auto no_reset = judge_answer(
      state, answer(200, {{"x-ratelimit-limit", "80"}, {"x-ratelimit-remaining", "0"}}), now);
  EXPECT_EQ(no_reset.pace, Pace::wait);
  EXPECT_EQ(no_reset.wait, 2000ms);
  // Above the reserve: ok, and the pause is over.
  EXPECT_EQ(judge_answer(state, answer(200, window(80, 2, 1)), now).pace, Pace::ok);
  EXPECT_FALSE(state.paused_until);
  // A bigger reserve.
  PacingRules rules;
  rules.burst_reserve = 5;
  EXPECT_EQ(judge_answer(state, answer(200, window(80, 5, 1)), now, rules).pace, Pace::wait);
}

TEST(PipedriveRateLimitTest, ABurst429WaitsForTheResetOrRetryAfter) {
  RateLimitState state;
  auto verdict = judge_answer(state, answer(429, plus(window(80, 0, 2), daily(20000))), now);
  EXPECT_EQ(verdict.pace, Pace::wait);
  EXPECT_EQ(verdict.wait, 2000ms);
  EXPECT_EQ(state.paused_until, now + 2s);
  // Retry-After wins over the window's reset.
  verdict = judge_answer(state, answer(429, plus(window(80, 0, 2), {{"retry-after", "5"}})), now);
  EXPECT_EQ(verdict.wait, 5000ms);
  // Neither: the window.
  verdict = judge_answer(state, answer(429), now);
  EXPECT_EQ(verdict.pace, Pace::wait);
  EXPECT_EQ(verdict.wait, 2000ms);
  // A reset of 0 still waits a little: never a tight loop.
  verdict = judge_answer(state, answer(429, window(80, 0, 0)), now);
  EXPECT_EQ(verdict.wait, 1000ms);
}

TEST(PipedriveRateLimitTest, A429WithTheDailyBudgetSpentStopsUntilItsReset) {
  RateLimitState state;
  // Retry-After says when.
  auto verdict = judge_answer(
      state, answer(429, plus(plus(window(80, 70, 2), daily(0)), {{"retry-after", "3600"}})), now);
  EXPECT_EQ(verdict.pace, Pace::budget_exhausted);
  EXPECT_EQ(verdict.until, now + 1h);
  EXPECT_EQ(state.paused_until, now + 1h);
  EXPECT_EQ(state.last_verdict, "budget_exhausted");
  EXPECT_EQ(state.daily_remaining, 0);
  // An x-ratelimit-reset longer than the window says when too.
  verdict = judge_answer(state, answer(429, plus(window(80, 70, 7200), daily(0))), now);
  EXPECT_EQ(verdict.until, now + 2h);
  // A 2 s reset is the burst window's, not the budget's: the next UTC midnight.
  verdict = judge_answer(state, answer(429, plus(window(80, 70, 2), daily(0))), now);
  EXPECT_EQ(verdict.pace, Pace::budget_exhausted);
  EXPECT_EQ(verdict.until, Timestamp(sys_days(year(2026) / 3 / 11)));
  // The legacy POST/PUT allowance at 0.
  RateLimitState legacy;
  verdict = judge_answer(legacy, answer(429, {{"x-daily-requests-left", "0"}}), now);
  EXPECT_EQ(verdict.pace, Pace::budget_exhausted);
  EXPECT_EQ(verdict.until, next_utc_midnight(now));
  // A remembered 0 from an earlier answer does not make a burst 429 a budget one.
  RateLimitState remembered;
  remembered.daily_remaining = 0;
  EXPECT_EQ(judge_answer(remembered, answer(429, window(80, 0, 2)), now).pace, Pace::wait);
}

TEST(PipedriveRateLimitTest, A403RightAfterA429IsAHardStop) {
  RateLimitState state;
  EXPECT_EQ(judge_answer(state, answer(429, window(80, 0, 1)), now).pace, Pace::wait);
  const auto verdict = judge_answer(state, answer(403), now);
  EXPECT_EQ(verdict.pace, Pace::hard_stop);
  EXPECT_EQ(state.last_verdict, "hard_stop");
  // A 403 that follows anything else is an ordinary refusal.
  RateLimitState other;
  EXPECT_EQ(judge_answer(other, answer(200), now).pace, Pace::ok);
  EXPECT_EQ(judge_answer(other, answer(403), now).pace, Pace::ok);
  EXPECT_EQ(judge_answer(other, answer(403), now).pace, Pace::ok);
}

TEST(PipedriveRateLimitTest, NextUtcMidnight) {
  EXPECT_EQ(next_utc_midnight(now), Timestamp(sys_days(year(2026) / 3 / 11)));
  const Timestamp midnight = sys_days(year(2026) / 12 / 31);
  EXPECT_EQ(next_utc_midnight(midnight), Timestamp(sys_days(year(2027) / 1 / 1)));
}

}  // namespace
}  // namespace crmd::pipedrive
