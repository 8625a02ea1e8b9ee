// Failed-attempt limiting for logins: at most `max_failures` failures per
// key within a sliding `window`; past that, attempts are refused until the
// oldest failure leaves the window. Time is passed in, so the rule is
// testable without waiting. Not thread safe: its owner serialises calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace crmd::identity {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(std::size_t max_failures, std::chrono::seconds window, std::size_t max_keys = 100000);

  // nullopt when an attempt may proceed; else how long until it may.
  std::optional<std::chrono::seconds> blocked_for(const std::string& key, Clock::time_point now);
  void record_failure(const std::string& key, Clock::time_point now);
  void reset(const std::string& key);  // after a success
  // Forgets the failure recorded at `at`: an attempt counted before it was
  // checked, which then succeeded.
  void release(const std::string& key, Clock::time_point at);

  std::size_t tracked_keys() const { return failures_.size(); }

 private:
  void prune(std::deque<Clock::time_point>& times, Clock::time_point now) const;

  std::size_t max_failures_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

}  // namespace crmd::identity
