#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "domain/common/error.hpp"
#include "domain/identity/tokens.hpp"
#include "domain/identity/user.hpp"

namespace crmd::identity {
namespace {

const TokenSettings kSettings{"unit-test-secret-of-at-least-32-bytes", std::nullopt, std::nullopt};
constexpr Seconds kNow = 1'800'000'000;

TEST(Tokens, AccessAndRefreshRoundTripWithTheirLifetimes) {
  const auto user = Uuid::random_v4();
  auto access = new_claims(kSettings, TokenType::access, user, Role::manager, kNow);
  auto refresh = new_claims(kSettings, TokenType::refresh, user, Role::manager, kNow);
  EXPECT_EQ(access.expires_at - kNow, 30 * 60);
  EXPECT_EQ(refresh.expires_at - kNow, 7 * 24 * 3600);
  EXPECT_NE(access.jti, refresh.jti);
  auto verified = verify_token(kSettings, issue_token(kSettings, access), TokenType::access, kNow);
  EXPECT_EQ(verified.subject, user);
  EXPECT_EQ(verified.role, Role::manager);
  EXPECT_EQ(verified.jti, access.jti);
}

TEST(Tokens, TypeIsChecked) {
  auto refresh = new_claims(kSettings, TokenType::refresh, Uuid::random_v4(), Role::sales, kNow);
  EXPECT_THROW(verify_token(kSettings, issue_token(kSettings, refresh), TokenType::access, kNow),
               TokenError);
}

TEST(Tokens, IssuerAndAudienceWhenConfigured) {
  TokenSettings strict = kSettings;
  strict.issuer = "crmd";
  strict.audience = "crm-clients";
  auto claims = new_claims(strict, TokenType::access, Uuid::random_v4(), Role::sales, kNow);
  EXPECT_NO_THROW(verify_token(strict, issue_token(strict, claims), TokenType::access, kNow));
  EXPECT_THROW(verify_token(strict, issue_token(kSettings, claims), TokenType::access, kNow),
               TokenError);
}

TEST(Tokens, ExpiredTokensAreRefusedPastTheLeeway) {
  auto claims = new_claims(kSettings, TokenType::access, Uuid::random_v4(), Role::sales, kNow);
  const auto token = issue_token(kSettings, claims);
  EXPECT_NO_THROW(verify_token(kSettings, token, TokenType::access, claims.expires_at + 10));
  EXPECT_THROW(verify_token(kSettings, token, TokenType::access, claims.expires_at + 60),
               TokenError);
}

TEST(ExternalTokens, RoleComesFromTheConfiguredClaimPath) {
  ExternalSettings settings{"external-secret-of-at-least-32-bytes!", "app_metadata.role"};
  const auto subject = Uuid::random_v4();
  boost::json::object claims{{"sub", subject.str()},
                             {"email", "a@b.io"},
                             {"app_metadata", boost::json::object{{"role", "admin"}}},
                             {"exp", kNow + 60}};
  auto verified = verify_external_token(settings, sign_hs256(claims, settings.secret), kNow);
  EXPECT_EQ(verified.subject, subject);
  EXPECT_EQ(verified.email, "a@b.io");
  EXPECT_EQ(verified.role, "admin");
  settings.role_claim = "role";
  EXPECT_FALSE(verify_external_token(settings, sign_hs256(claims, settings.secret), kNow).role);
}

TEST(ExternalTokens, AssignedRoleWinsThenClaimThenLeast) {
  EXPECT_EQ(external_role(Role::manager, std::string("admin")), Role::manager);
  EXPECT_EQ(external_role(std::nullopt, std::string("admin")), Role::admin);
  EXPECT_EQ(external_role(std::nullopt, std::string("authenticated")), Role::sales);
  EXPECT_EQ(external_role(std::nullopt, std::nullopt), Role::sales);
}

std::vector<std::string> fields_of(const Error& e) {
  std::vector<std::string> out;
  for (const auto& f : e.fields()) out.push_back(f.field);
  return out;
}

TEST(Users, NewUserIsValidatedFieldByField) {
  auto user = parse_new_user(boost::json::parse(
      R"({"email":" Ann@Example.COM ","name":"Ann","password":"long enough","role":"manager"})"));
  EXPECT_EQ(user.email, "ann@example.com");
  EXPECT_EQ(user.role, Role::manager);
  try {
    parse_new_user(
        boost::json::parse(R"({"email":"nope","password":"short","role":"boss","id":1})"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::validation);
    EXPECT_EQ(fields_of(e), (std::vector<std::string>{"id", "email", "password", "role"}));
  }
}

TEST(Users, PatchRejectsReadOnlyFieldsAndBadTypes) {
  EXPECT_EQ(parse_user_patch(boost::json::parse(R"({"role":"admin"})")).role, Role::admin);
  try {
    parse_user_patch(boost::json::parse(R"({"email":"x@y.z","is_active":"yes"})"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(fields_of(e), (std::vector<std::string>{"email", "is_active"}));
  }
  EXPECT_THROW(parse_user_patch(boost::json::parse("[]")), Error);
}

TEST(Users, PlausibleEmail) {
  EXPECT_TRUE(valid_email("a@b.io"));
  EXPECT_FALSE(valid_email("a@b"));
  EXPECT_FALSE(valid_email("@b.io"));
  EXPECT_FALSE(valid_email("a@@b.io"));
  EXPECT_FALSE(valid_email("a b@c.io"));
  for (const char* bad : {"<a@b.com>", "x@<script>.com", "\"q\"@b.com", "a@-b.com", "a@b-.com",
                          "a@b..com", "a@.b.com", "a(c)@b.com", "a@b.com.", "a@b_c.com"})
    EXPECT_FALSE(valid_email(bad)) << bad;
  for (const char* good : {"first.last+tag@sub.example.co.uk", "o'brien@example.ie",
                           "user@m\xC3\xBCnchen.de", "x@a-b.io", "1@2.3"})
    EXPECT_TRUE(valid_email(good)) << good;
}

}  // namespace
}  // namespace crmd::identity
