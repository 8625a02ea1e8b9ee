#include <gtest/gtest.h>

#include <boost/url/parse.hpp>

#include "domain/common/error.hpp"
#include "domain/common/ordering.hpp"
#include "domain/common/query_params.hpp"

namespace crmd {
namespace {

QueryParams params(const char* target) {
  static std::vector<boost::urls::url> keep;
  keep.emplace_back(boost::urls::parse_origin_form(target).value());
  return QueryParams(keep.back());
}

TEST(QueryParams, ReadsDecodedAndRepeatedValues) {
  auto q = params("/x?q=hello%20world&tag=a&tag=b+c");
  EXPECT_EQ(q.get("q"), "hello world");
  EXPECT_EQ(q.all("tag"), (std::vector<std::string>{"a", "b c"}));
  EXPECT_FALSE(q.get("missing"));
}

TEST(QueryParams, TypedIntegersWithinBounds) {
  auto q = params("/x?limit=50&bad=5x&big=1000");
  EXPECT_EQ(q.integer("limit", 25, 1, 100), 50);
  EXPECT_EQ(q.integer("absent", 25, 1, 100), 25);
  try {
    q.integer("bad", 25, 1, 100);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::validation);
    ASSERT_EQ(e.fields().size(), 1u);
    EXPECT_EQ(e.fields()[0].field, "bad");
  }
  EXPECT_THROW(q.integer("big", 25, 1, 100), Error);
}

TEST(QueryParams, BooleansTimesAndUuids) {
  auto q = params(
      "/x?a=true&b=0&c=maybe&t=2026-01-02T03:04:05Z&u=123e4567-e89b-12d3-a456-426614174000&v=1");
  EXPECT_TRUE(q.boolean("a", false));
  EXPECT_FALSE(q.boolean("b", true));
  EXPECT_THROW(q.boolean("c", true), Error);
  EXPECT_EQ(format_rfc3339(*q.timestamp("t")), "2026-01-02T03:04:05Z");
  EXPECT_TRUE(q.uuid("u"));
  EXPECT_THROW(q.uuid("v"), Error);
  EXPECT_THROW(q.timestamp("v"), Error);
}

}  // namespace
constexpr std::array<Ordering, 2> kOrderings{{
    {"created_at", "t.created_at", SortKeyType::timestamp},
    {"name", "lower(t.name)", SortKeyType::text},
}};

TEST(Orderings, OneTableReadsTheParameterBothWays) {
  auto parsed = parse_ordering("-name", kOrderings);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->by, &kOrderings[1]);
  EXPECT_TRUE(parsed->descending);
  EXPECT_EQ(parsed->text(), "-name");
  EXPECT_FALSE(parse_ordering("--name", kOrderings));
  EXPECT_EQ(read_ordering(params("/x"), kOrderings), (SortOrder{&kOrderings[0], false}));
  try {
    read_ordering(params("/x?ordering=size"), kOrderings);
    FAIL() << "an unknown ordering was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::validation);
    EXPECT_NE(std::string(e.what()).find("created_at or name"), std::string::npos) << e.what();
  }
}

}  // namespace crmd
