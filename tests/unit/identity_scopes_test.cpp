#include <gtest/gtest.h>

#include <vector>

#include "domain/identity/principal.hpp"
#include "domain/identity/scopes.hpp"

namespace crmd::identity {
namespace {

TEST(Scopes, ExactWildcardAndWriteImpliesRead) {
  const std::vector<std::string> read{"contacts:read"};
  EXPECT_TRUE(grants(read, "contacts:read"));
  EXPECT_FALSE(grants(read, "contacts:write"));
  const std::vector<std::string> write{"contacts:write"};
  EXPECT_TRUE(grants(write, "contacts:read"));
  EXPECT_FALSE(grants(write, "contacts:import"));
  const std::vector<std::string> all{"contacts:*"};
  EXPECT_TRUE(grants(all, "contacts:import"));
  EXPECT_FALSE(grants(all, "leads:read"));
  EXPECT_TRUE(grants(std::vector<std::string>{"*"}, "jobs:write"));
}

TEST(Scopes, KnownScopesOnly) {
  EXPECT_TRUE(is_known_scope("leads:*"));
  EXPECT_FALSE(is_known_scope("deals:launch"));
}

TEST(Scopes, DefaultScopeFollowsThePathAndVerb) {
  EXPECT_EQ(default_scope("GET", "/api/v2/contacts/{id}"), "contacts:read");
  EXPECT_EQ(default_scope("PATCH", "/api/v2/tags/{id}"), "leads:write");
  EXPECT_EQ(default_scope("DELETE", "/api/v1/contacts/{id}/"), "contacts:write");
  EXPECT_EQ(default_scope("GET", "/api/v2/users"), "");
  EXPECT_EQ(default_scope("GET", "/health"), "");
}

TEST(Scopes, OnlyApiKeysAreHeldToThem) {
  Principal user;
  EXPECT_TRUE(user.may("contacts:write"));
  Principal key{Principal::Kind::api_key};
  key.scopes = {"contacts:read"};
  EXPECT_TRUE(key.may("contacts:read"));
  EXPECT_FALSE(key.may("contacts:write"));
}

}  // namespace
}  // namespace crmd::identity
