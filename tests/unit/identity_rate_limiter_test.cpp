#include <gtest/gtest.h>

#include <string>

#include "domain/identity/rate_limiter.hpp"

namespace crmd::identity {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

const Clock::time_point kStart = Clock::time_point{} + 1000h;

TEST(RateLimiter, EngagesAfterMaxFailures) {
  RateLimiter limiter(3, 60s);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(limiter.blocked_for("alice", kStart + i * 1s)) << i;
    limiter.record_failure("alice", kStart + i * 1s);
  }
  auto blocked = limiter.blocked_for("alice", kStart + 3s);
  ASSERT_TRUE(blocked);
  // The first failure (at +0s) leaves the 60 s window at +60s.
  EXPECT_EQ(*blocked, 57s);
}

TEST(RateLimiter, ReleaseForgetsOneCountedAttempt) {
  RateLimiter limiter(2, 60s);
  limiter.record_failure("k", kStart);
  limiter.record_failure("k", kStart + 1s);
  EXPECT_TRUE(limiter.blocked_for("k", kStart + 2s));
  limiter.release("k", kStart + 1s);
  EXPECT_FALSE(limiter.blocked_for("k", kStart + 2s));
  limiter.release("k", kStart + 5s);  // nothing recorded then: no change
  limiter.record_failure("k", kStart + 3s);
  EXPECT_TRUE(limiter.blocked_for("k", kStart + 4s));
}

TEST(RateLimiter, RetryTimeRoundsUpAndIsAtLeastOneSecond) {
  RateLimiter limiter(2, 10s);
  limiter.record_failure("k", kStart);
  limiter.record_failure("k", kStart);
  EXPECT_EQ(limiter.blocked_for("k", kStart + 1500ms), 9s);  // 8.5 s left
  EXPECT_EQ(limiter.blocked_for("k", kStart + 9999ms), 1s);  // 1 ms left
  EXPECT_FALSE(limiter.blocked_for("k", kStart + 10s));
}

TEST(RateLimiter, ReleasesAsFailuresLeaveTheWindow) {
  RateLimiter limiter(3, 60s);
  limiter.record_failure("alice", kStart);
  limiter.record_failure("alice", kStart + 20s);
  limiter.record_failure("alice", kStart + 40s);
  EXPECT_EQ(limiter.blocked_for("alice", kStart + 59s), 1s);
  EXPECT_FALSE(limiter.blocked_for("alice", kStart + 60s));
  // Two failures still count: one more blocks again, until +80s.
  limiter.record_failure("alice", kStart + 61s);
  EXPECT_EQ(limiter.blocked_for("alice", kStart + 61s), 19s);
  EXPECT_FALSE(limiter.blocked_for("alice", kStart + 80s));
}

TEST(RateLimiter, OldFailuresDoNotCount) {
  RateLimiter limiter(2, 10s);
  limiter.record_failure("k", kStart);
  limiter.record_failure("k", kStart + 11s);
  EXPECT_FALSE(limiter.blocked_for("k", kStart + 12s));
}

TEST(RateLimiter, ResetClearsTheKey) {
  RateLimiter limiter(2, 60s);
  limiter.record_failure("alice", kStart);
  limiter.record_failure("alice", kStart);
  ASSERT_TRUE(limiter.blocked_for("alice", kStart));
  limiter.reset("alice");
  EXPECT_FALSE(limiter.blocked_for("alice", kStart));
  EXPECT_EQ(limiter.tracked_keys(), 0u);
  limiter.record_failure("alice", kStart);
  EXPECT_FALSE(limiter.blocked_for("alice", kStart));  // counting starts again from zero
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter(2, 60s);
  limiter.record_failure("alice", kStart);
  limiter.record_failure("alice", kStart);
  limiter.record_failure("bob", kStart);
  EXPECT_TRUE(limiter.blocked_for("alice", kStart));
  EXPECT_FALSE(limiter.blocked_for("bob", kStart));
  EXPECT_FALSE(limiter.blocked_for("carol", kStart));
  limiter.reset("bob");
  EXPECT_TRUE(limiter.blocked_for("alice", kStart));
}

TEST(RateLimiter, ExpiredKeysAreForgotten) {
  RateLimiter limiter(2, 10s);
  limiter.record_failure("a", kStart);
  limiter.record_failure("b", kStart);
  EXPECT_EQ(limiter.tracked_keys(), 2u);
  EXPECT_FALSE(limiter.blocked_for("a", kStart + 10s));
  EXPECT_EQ(limiter.tracked_keys(), 1u);
}

TEST(RateLimiter, KeyCountIsBounded) {
  RateLimiter limiter(3, 60s, 100);
  for (int i = 0; i < 10'000; ++i) {
    limiter.record_failure("k" + std::to_string(i), kStart + i * 1ms);
    ASSERT_LE(limiter.tracked_keys(), 100u) << i;
  }
}

TEST(RateLimiter, WhenFullExpiredKeysGoFirst) {
  RateLimiter limiter(3, 60s, 10);
  for (int i = 0; i < 9; ++i) limiter.record_failure("old" + std::to_string(i), kStart);
  limiter.record_failure("recent", kStart + 30s);
  limiter.record_failure("new", kStart + 61s);
  // The nine old keys expired and were dropped; "recent" is still counted.
  EXPECT_EQ(limiter.tracked_keys(), 2u);
  limiter.record_failure("recent", kStart + 62s);
  limiter.record_failure("recent", kStart + 62s);
  EXPECT_TRUE(limiter.blocked_for("recent", kStart + 62s));
}

TEST(RateLimiter, AFloodOfNewKeysDoesNotFreeABlockedKey) {
  RateLimiter limiter(3, 600s, 50);
  for (int i = 0; i < 3; ++i) limiter.record_failure("victim", kStart);
  ASSERT_TRUE(limiter.blocked_for("victim", kStart));
  for (int i = 0; i < 1000; ++i) limiter.record_failure("spray" + std::to_string(i), kStart + 1s);
  EXPECT_LE(limiter.tracked_keys(), 50u);
  EXPECT_TRUE(limiter.blocked_for("victim", kStart + 2s));
}

TEST(RateLimiter, KeepsOnlyTheNewestFailuresOfAKey) {
  RateLimiter limiter(2, 10s);
  for (int i = 0; i < 4; ++i) limiter.record_failure("k", kStart + i * 1s);
  // Only the two newest (+2s, +3s) count: the block ends at +12s.
  EXPECT_EQ(limiter.blocked_for("k", kStart + 3s), 9s);
  EXPECT_TRUE(limiter.blocked_for("k", kStart + 11s));
  EXPECT_FALSE(limiter.blocked_for("k", kStart + 12s));
}

}  // namespace
}  // namespace crmd::identity
