#include "domain/common/version.hpp"

#include <gtest/gtest.h>

#include "domain/common/error.hpp"

namespace crmd {
namespace {

TEST(Version, IfMatchComparesStrongly) {
  const Timestamp t{std::chrono::microseconds(1764578000123456)};
  EXPECT_EQ(etag_of(t), "\"1764578000123456\"");
  EXPECT_TRUE(if_match_admits("", t));
  EXPECT_TRUE(if_match_admits("*", t));
  EXPECT_TRUE(if_match_admits("\"1\", \"1764578000123456\"", t));
  EXPECT_FALSE(if_match_admits("\"1764578000123455\"", t));
  EXPECT_FALSE(if_match_admits("W/\"1764578000123456\"", t));
  EXPECT_THROW(require_version("\"2\"", t), Error);
}

}  // namespace
}  // namespace crmd
