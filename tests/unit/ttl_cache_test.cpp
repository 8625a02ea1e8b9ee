#include "domain/common/ttl_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace crmd {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST(TtlCache, EntriesExpireAfterTheirTime) {
  TtlCache<std::string, int> cache(10, 1h);
  const auto t0 = Clock::time_point{};
  cache.put("a", 1, t0);
  EXPECT_EQ(cache.get("a", t0 + 59min), 1);
  EXPECT_EQ(cache.get("a", t0 + 1h), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TtlCache, TheLeastRecentlyUsedGoesWhenFull) {
  TtlCache<std::string, int> cache(2, 1h);
  const auto t0 = Clock::time_point{};
  cache.put("a", 1, t0);
  cache.put("b", 2, t0);
  EXPECT_EQ(cache.get("a", t0), 1);  // b is now the least recently used
  cache.put("c", 3, t0);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.get("b", t0), std::nullopt);
  EXPECT_EQ(cache.get("a", t0), 1);
  EXPECT_EQ(cache.get("c", t0), 3);
  cache.put("a", 4, t0);  // replacing keeps the size
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.get("a", t0), 4);
}

}  // namespace
}  // namespace crmd
