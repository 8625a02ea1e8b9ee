#include "domain/common/storable_text.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace crmd {
namespace {

TEST(StorableText, Utf8IsValidatedStrictly) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("Z\xC3\xBCrich \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong, three bytes
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xFF\xFE"));
  EXPECT_FALSE(valid_utf8("\xC3"));  // cut short
  EXPECT_FALSE(valid_utf8("\x80"));  // a lone continuation byte
}

TEST(StorableText, NulIsNotStorableAndCopiesReplaceIt) {
  using namespace std::string_literals;
  EXPECT_TRUE(storable("ok"));
  EXPECT_FALSE(storable("a\0b"s));
  EXPECT_EQ(storable_copy("a\0b"s),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(storable_copy("\xFF"
                          "ok\xC3\xBC"),
            "\xEF\xBF\xBD"
            "ok\xC3\xBC");
}

TEST(StorableText, JsonNamesThePathOfTheFirstBadValue) {
  auto bad = find_unstorable(boost::json::parse(R"({"a":{"b":[1,"x\u0000"]}})"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "a.b[1]");
  bad = find_unstorable(boost::json::parse(R"({"n":1e400})"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "n");
  EXPECT_FALSE(find_unstorable(boost::json::parse(R"({"a":[1.5,"ok",{"k":null}]})")));
}

}  // namespace
}  // namespace crmd
