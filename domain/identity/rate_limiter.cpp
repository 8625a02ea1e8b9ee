#include "domain/identity/rate_limiter.hpp"

#include <algorithm>
#include <tuple>
#include <vector>

namespace crmd::identity {

// A limit of zero failures would block every key forever; treat it as one.
RateLimiter::RateLimiter(std::size_t max_failures, std::chrono::seconds window,
                         std::size_t max_keys)
    : max_failures_(std::max<std::size_t>(max_failures, 1)),
      window_(window),
      max_keys_(std::max<std::size_t>(max_keys, 1)) {}

void RateLimiter::prune(std::deque<Clock::time_point>& times, Clock::time_point now) const {
  while (!times.empty() && now - times.front() >= window_) times.pop_front();
}

std::optional<std::chrono::seconds> RateLimiter::blocked_for(const std::string& key,
                                                             Clock::time_point now) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return std::nullopt;
  prune(it->second, now);
  if (it->second.size() < max_failures_) {
    if (it->second.empty()) failures_.erase(it);
    return std::nullopt;
  }
  // Free again when the oldest counted failure leaves the window; rounded up
  // so that a client retrying after Retry-After is not refused again.
  const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.front() + window_ - now);
  return std::max(left, std::chrono::seconds(1));
}

void RateLimiter::record_failure(const std::string& key, Clock::time_point now) {
  if (failures_.size() >= max_keys_ && !failures_.contains(key)) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      prune(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() >= max_keys_) {
      // Still full of live keys (a flood of distinct keys). Forget the keys
      // with the fewest failures first, the least recent among equals, so
      // that spraying new keys cannot easily free a key that is blocked.
      // Evicting a tenth at once keeps the O(n) pass rare.
      const std::size_t keep = max_keys_ - std::max<std::size_t>(max_keys_ / 10, 1);
      using Entry = std::tuple<std::size_t, Clock::time_point, decltype(failures_)::iterator>;
      std::vector<Entry> entries;
      entries.reserve(failures_.size());
      for (auto it = failures_.begin(); it != failures_.end(); ++it)
        entries.emplace_back(it->second.size(), it->second.back(), it);
      const std::size_t drop = entries.size() - keep;
      auto less = [](const Entry& a, const Entry& b) {
        return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
      };
      std::nth_element(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                       entries.end(), less);
      for (std::size_t i = 0; i < drop; ++i) failures_.erase(std::get<2>(entries[i]));
    }
  }
  auto& times = failures_[key];
  prune(times, now);
  times.push_back(now);
  // Only the newest max_failures matter for the decision.
  while (times.size() > max_failures_) times.pop_front();
}

void RateLimiter::reset(const std::string& key) {
  failures_.erase(key);
}

void RateLimiter::release(const std::string& key, Clock::time_point at) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return;
  auto& times = it->second;
  if (auto found = std::find(times.begin(), times.end(), at); found != times.end())
    times.erase(found);
  if (times.empty()) failures_.erase(it);
}

}  // namespace crmd::identity
