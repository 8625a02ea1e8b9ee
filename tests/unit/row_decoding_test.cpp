#include <gtest/gtest.h>

#include "storage/pg/params.hpp"
#include "storage/pg/result.hpp"

namespace crmd::pg {
namespace {

TEST(RowDecoding, ScalarTypes) {
  EXPECT_EQ(decode_field<std::int32_t>("-42", "c"), -42);
  EXPECT_EQ(decode_field<std::int64_t>("9007199254740993", "c"), 9007199254740993LL);
  EXPECT_TRUE(decode_field<bool>("t", "c"));
  EXPECT_FALSE(decode_field<bool>("f", "c"));
  EXPECT_DOUBLE_EQ(decode_field<double>("1.5", "c"), 1.5);
  EXPECT_EQ(decode_field<std::string>("text", "c"), "text");
}

TEST(RowDecoding, UuidTimestampNumericJson) {
  EXPECT_EQ(decode_field<Uuid>("123e4567-e89b-12d3-a456-426614174000", "c").str(),
            "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_EQ(format_rfc3339(decode_field<Timestamp>("2026-11-21 22:38:56.5+00", "c")),
            "2026-11-21T22:38:56.500000Z");
  EXPECT_EQ(decode_field<Numeric>("-1234.50", "c").text, "-1234.50");
  auto json = decode_field<boost::json::value>(R"({"a":[1,2]})", "c");
  EXPECT_EQ(json.at("a").as_array().size(), 2u);
}

TEST(RowDecoding, TextArrays) {
  EXPECT_EQ(decode_field<std::vector<std::string>>("{}", "c"), std::vector<std::string>{});
  EXPECT_EQ(decode_field<std::vector<std::string>>(R"({a,"b c","d\"e"})", "c"),
            (std::vector<std::string>{"a", "b c", "d\"e"}));
  EXPECT_THROW(decode_field<std::vector<std::string>>("a,b", "c"), Error);
}

TEST(RowDecoding, BinaryFieldsOfTheWrongShapeAreErrors) {
  using namespace std::string_view_literals;
  EXPECT_EQ(decode_binary<std::int32_t>("\xff\xff\xff\xfe"sv, "c"), -2);
  EXPECT_EQ(decode_binary<std::int64_t>("\0\0\0\0\0\0\1\0"sv, "c"), 256);
  EXPECT_THROW(decode_binary<std::int32_t>("\0\0\0"sv, "c"), Error);
  EXPECT_THROW(decode_binary<Uuid>("0123456789abcde"sv, "c"), Error);
  EXPECT_THROW(decode_binary<Timestamp>("\0\0\0\0"sv, "c"), Error);
  // A text[] of one element claiming 5 bytes, with 2 there.
  EXPECT_THROW(decode_binary<std::vector<std::string>>(
                   "\0\0\0\1\0\0\0\0\0\0\0\x19\0\0\0\1\0\0\0\1\0\0\0\5ab"sv, "c"),
               Error);
  // Two dimensions.
  EXPECT_THROW(decode_binary<std::vector<std::string>>("\0\0\0\2\0\0\0\0\0\0\0\x19"sv, "c"), Error);
  // A numeric whose digit count says more than its bytes hold.
  EXPECT_THROW(decode_binary<Numeric>("\0\2\0\0\0\0\0\0\0\1"sv, "c"), Error);
}

TEST(RowDecoding, MalformedTextNamesTheColumn) {
  try {
    decode_field<std::int32_t>("12x", "age");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::decode);
    EXPECT_NE(std::string(e.what()).find("age"), std::string::npos);
  }
  EXPECT_THROW(decode_field<std::int32_t>("99999999999", "c"), Error);
  EXPECT_THROW(decode_field<bool>("true", "c"), Error);
  EXPECT_THROW(decode_field<Uuid>("nope", "c"), Error);
  EXPECT_THROW(decode_field<Timestamp>("2026-11-21", "c"), Error);
  EXPECT_THROW(decode_field<Numeric>("12a", "c"), Error);
  EXPECT_THROW(decode_field<boost::json::value>("{", "c"), Error);
}

TEST(Params, EncodeTypesAndNulls) {
  Params p(std::int64_t{7}, true, std::string("x"), std::optional<std::int32_t>{}, Numeric{"1.10"},
           std::vector<std::string>{"a\"b", "c"});
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(*p.values()[0], "7");
  EXPECT_EQ(p.types()[0], oid::int8);
  EXPECT_EQ(*p.values()[1], "t");
  EXPECT_EQ(p.types()[2], oid::unknown);
  EXPECT_FALSE(p.values()[3]);
  EXPECT_EQ(p.types()[4], oid::numeric);
  EXPECT_EQ(*p.values()[5], R"({"a\"b","c"})");
}

}  // namespace
}  // namespace crmd::pg
