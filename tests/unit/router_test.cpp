#include "server/http/router.hpp"

#include <gtest/gtest.h>

namespace crmd::http {
namespace {

using beast_http::verb;

Handler noop() {
  return [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add(verb::get, "/api/v2/contacts", Access::public_, noop());
    router.add(verb::post, "/api/v2/contacts", Access::public_, noop());
    router.add(verb::get, "/api/v2/contacts/{id}", Access::public_, noop());
    router.add(verb::get, "/api/v2/contacts/{id}/methods/{method_id}", Access::public_, noop());
    router.add(verb::get, "/api/v1/contacts/", Access::public_, noop());
  }
  Router router;
};

TEST_F(RouterTest, MatchesLiteralPathByMethod) {
  auto get = router.match(verb::get, "/api/v2/contacts");
  auto post = router.match(verb::post, "/api/v2/contacts");
  ASSERT_TRUE(get.route && post.route);
  EXPECT_EQ(get.route->method, verb::get);
  EXPECT_EQ(post.route->method, verb::post);
}

TEST_F(RouterTest, ALiteralSegmentBeatsAParameterWhateverTheOrderAdded) {
  router.add(verb::get, "/api/v2/drive/{entity_type}/{entity_id}", Access::public_, noop());
  router.add(verb::get, "/api/v2/drive/folders/{id}", Access::public_, noop());
  auto folder = router.match(verb::get, "/api/v2/drive/folders/1");
  ASSERT_TRUE(folder.route);
  EXPECT_EQ(folder.route->path_template, "/api/v2/drive/folders/{id}");
  auto entity = router.match(verb::get, "/api/v2/drive/company/1");
  ASSERT_TRUE(entity.route);
  EXPECT_EQ(entity.route->path_template, "/api/v2/drive/{entity_type}/{entity_id}");
}

TEST_F(RouterTest, ExtractsDecodedParameters) {
  auto m = router.match(verb::get, "/api/v2/contacts/ab%20c/methods/42");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->path_template, "/api/v2/contacts/{id}/methods/{method_id}");
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "ab c");
  EXPECT_EQ(m.params[1].second, "42");
}

TEST_F(RouterTest, TrailingSlashIsOptional) {
  EXPECT_TRUE(router.match(verb::get, "/api/v1/contacts").route);
  EXPECT_TRUE(router.match(verb::get, "/api/v1/contacts/").route);
  EXPECT_TRUE(router.match(verb::get, "/api/v2/contacts/").route);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  auto m = router.match(verb::get, "/api/v2/deals");
  EXPECT_FALSE(m.route);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_FALSE(router.match(verb::get, "/api/v2/contacts/1/2").route);
  EXPECT_FALSE(router.match(verb::get, "/api/v2//contacts").route);
  EXPECT_FALSE(
      router.match(verb::get, "/api/v2/contacts/1/methods/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17")
          .route);
}

TEST_F(RouterTest, AnEscapedSegmentIsComparedDecoded) {
  auto m = router.match(verb::get, "/api/v2/con%74acts/%31");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->path_template, "/api/v2/contacts/{id}");
  EXPECT_EQ(m.params.at(0).second, "1");
  EXPECT_TRUE(router.match(verb::get, "/api/v2/contacts/%2F").route);  // an id of "/"
  EXPECT_FALSE(router.match(verb::get, "/api/v2/%2Fcontacts").route);
}

TEST_F(RouterTest, KnownPathWithOtherMethodListsAllowedMethods) {
  auto m = router.match(verb::delete_, "/api/v2/contacts");
  EXPECT_FALSE(m.route);
  ASSERT_EQ(m.allowed.size(), 2u);
  EXPECT_EQ(m.allowed[0], verb::get);
  EXPECT_EQ(m.allowed[1], verb::post);
}

TEST_F(RouterTest, MalformedPercentEncodingMatchesNothing) {
  EXPECT_FALSE(router.match(verb::get, "/api/v2/contacts/%zz").route);
}

TEST_F(RouterTest, RejectsDuplicateAndMalformedTemplates) {
  EXPECT_THROW(router.add(verb::get, "/api/v2/contacts/{other}", Access::public_, noop()),
               std::invalid_argument);
  EXPECT_THROW(router.add(verb::get, "no-slash", Access::public_, noop()), std::invalid_argument);
  EXPECT_THROW(router.add(verb::get, "/a//b", Access::public_, noop()), std::invalid_argument);
}

}  // namespace
}  // namespace crmd::http
