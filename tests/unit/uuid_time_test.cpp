#include <gtest/gtest.h>

#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd {
namespace {

TEST(Uuid, ParsesAndFormatsCanonicalForm) {
  auto id = Uuid::parse("123E4567-e89b-12d3-a456-426614174000");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->str(), "123e4567-e89b-12d3-a456-426614174000");
}

TEST(Uuid, RejectsMalformedText) {
  EXPECT_FALSE(Uuid::parse(""));
  EXPECT_FALSE(Uuid::parse("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(Uuid::parse("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_FALSE(Uuid::parse("123e4567-e89b-12d3-a456_426614174000"));
  EXPECT_FALSE(Uuid::parse("x23e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(Uuid::parse("123e4567-e89b-12d3-a456-42661417400\xff"));
  EXPECT_FALSE(Uuid::parse("123e4567-e89b-12d3-a-456426614174000"));
}

TEST(Uuid, WritesTheSameTextItFormats) {
  const auto id = Uuid::random_v4();
  char text[Uuid::kTextSize];
  id.write(text);
  EXPECT_EQ(std::string(text, sizeof text), id.str());
  EXPECT_EQ(Uuid::parse(id.str()), id);
}

TEST(Uuid, RandomIsVersion4AndDistinct) {
  const auto a = Uuid::random_v4(), b = Uuid::random_v4();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.str()[14], '4');
  EXPECT_NE(std::string("89ab").find(a.str()[19]), std::string::npos);
}

TEST(Timestamp, ParsesPostgresIsoOutputAndRfc3339) {
  auto pg = parse_timestamp("2026-11-21 22:38:56.123456+00");
  auto rfc = parse_timestamp("2026-11-21T23:38:56.123456+01:00");
  ASSERT_TRUE(pg && rfc);
  EXPECT_EQ(*pg, *rfc);
  EXPECT_EQ(format_rfc3339(*pg), "2026-11-21T22:38:56.123456Z");
  EXPECT_EQ(format_rfc3339(*parse_timestamp("2026-01-02T03:04:05Z")), "2026-01-02T03:04:05Z");
}

TEST(Timestamp, FormatsEveryFieldWithItsLeadingZeros) {
  EXPECT_EQ(format_rfc3339(*parse_timestamp("0999-01-02T03:04:05.000042Z")),
            "0999-01-02T03:04:05.000042Z");
  EXPECT_EQ(format_rfc3339(*parse_timestamp("9999-12-31T23:59:59.999999Z")),
            "9999-12-31T23:59:59.999999Z");
  char text[kRfc3339MaxSize];
  const auto t = *parse_timestamp("1970-01-01T00:00:00.5Z");
  EXPECT_EQ(std::string(text, write_rfc3339(t, text)), "1970-01-01T00:00:00.500000Z");
}

TEST(Timestamp, RejectsMalformedText) {
  EXPECT_FALSE(parse_timestamp("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp("2026-11-21T22:38:56"));  // no zone
  EXPECT_FALSE(parse_timestamp("2026-11-21T22:38:56Zjunk"));
  EXPECT_FALSE(parse_timestamp("yesterday"));
}

}  // namespace
}  // namespace crmd
