#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/serialize.hpp>
#include <limits>
#include <string>

#include "domain/identity/jwt.hpp"
#include "domain/identity/role.hpp"

namespace crmd::identity {
namespace {

const std::string kSecret = "unit-test-secret-of-at-least-32-bytes";
constexpr Seconds kNow = 1'800'000'000;

VerifyOptions at(Seconds now) {
  VerifyOptions options;
  options.now = now;
  return options;
}

boost::json::object claims_expiring(Seconds exp) {
  return {{"sub", "user-1"}, {"role", "manager"}, {"iat", kNow}, {"exp", exp}};
}

std::string b64(std::string_view text) {
  return base64url_encode(text);
}

// An independent HMAC over any header and payload, so that a test can make
// a token whose signature is right and only the part under test is wrong.
std::string signed_token(std::string_view header, std::string_view payload,
                         const EVP_MD* md = EVP_sha256(), std::string_view secret = kSecret) {
  const std::string input = b64(header) + "." + b64(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." + b64(std::string_view(reinterpret_cast<const char*>(mac), length));
}

std::string payload_json() {
  return boost::json::serialize(claims_expiring(kNow + 600));
}

std::string first_parts(const std::string& token) {
  return token.substr(0, token.rfind('.'));
}

std::string signature_of(const std::string& token) {
  return token.substr(token.rfind('.') + 1);
}

std::string message_of(const std::string& token, const VerifyOptions& options) {
  try {
    verify_hs256(token, kSecret, options);
  } catch (const TokenError& e) {
    return e.what();
  }
  return "";
}

TEST(Base64Url, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    const auto encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos) << encoded;
    auto decoded = base64url_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(0xF0 + i));
  }
}

TEST(Base64Url, KnownValues) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, RejectsWhatIsNotStrictBase64Url) {
  EXPECT_FALSE(base64url_decode("Zg=="));   // padding
  EXPECT_FALSE(base64url_decode("+/8"));    // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm 9v"));  // whitespace
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("Z"));    // impossible length
  EXPECT_FALSE(base64url_decode("Zh"));   // non-zero unused bits ("Zg" is canonical)
  EXPECT_FALSE(base64url_decode("Zm9"));  // ditto ("Zm8")
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
}

TEST(Jwt, SignThenVerifyReturnsTheClaims) {
  auto claims = claims_expiring(kNow + 600);
  claims["jti"] = "abc";
  const auto token = sign_hs256(claims, kSecret);
  auto verified = verify_hs256(token, kSecret, at(kNow));
  EXPECT_EQ(verified, claims);
  EXPECT_EQ(verified.at("role").as_string(), "manager");
}

TEST(Jwt, HeaderIsHs256Jwt) {
  const auto token = sign_hs256(claims_expiring(kNow + 600), kSecret);
  auto header = base64url_decode(token.substr(0, token.find('.')));
  ASSERT_TRUE(header);
  EXPECT_EQ(*header, R"({"alg":"HS256","typ":"JWT"})");
}

// Made by PyJWT 2.6.0 (an independent implementation):
// jwt.encode({'sub':'abc','exp':4102444800}, 'secret-of-at-least-32-bytes-long!!',
// algorithm='HS256')
TEST(Jwt, AcceptsATokenFromPyJwt) {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhYmMiLCJleHAiOjQxMDI0NDQ4MDB9."
      "AjciHNe4AMqAXBhhkjrej3R4-tsaPyPyWz_9KKBnriA";
  const std::string secret = "secret-of-at-least-32-bytes-long!!";
  auto claims = verify_hs256(token, secret, at(kNow));
  EXPECT_EQ(claims.at("sub").as_string(), "abc");
  EXPECT_EQ(claims.at("exp").to_number<std::int64_t>(), 4102444800);
  EXPECT_THROW(verify_hs256(token, kSecret, at(kNow)), TokenError);
  // And our signature over the same claims is the same bytes PyJWT produced.
  EXPECT_EQ(signature_of(sign_hs256({{"sub", "abc"}, {"exp", 4102444800}}, secret)),
            signature_of(token));
}

TEST(Jwt, ExpiryHonoursTheLeewayToTheSecond) {
  auto claims = claims_expiring(kNow);
  claims["iat"] = kNow - 600;
  const auto token = sign_hs256(claims, kSecret);
  // The default leeway is 30 s: refused from exp + 30 on.
  EXPECT_NO_THROW(verify_hs256(token, kSecret, at(kNow + 29)));
  EXPECT_EQ(message_of(token, at(kNow + 30)), "expired");
  EXPECT_EQ(message_of(token, at(kNow + 3600)), "expired");
  auto options = at(kNow - 1);
  options.leeway = 0;
  EXPECT_NO_THROW(verify_hs256(token, kSecret, options));
  options.now = kNow;
  EXPECT_THROW(verify_hs256(token, kSecret, options), TokenError);
}

TEST(Jwt, MissingExpIsRefusedUnlessNotRequired) {
  const auto token = sign_hs256({{"sub", "x"}}, kSecret);
  EXPECT_EQ(message_of(token, at(kNow)), "no exp claim");
  auto options = at(kNow);
  options.require_exp = false;
  EXPECT_NO_THROW(verify_hs256(token, kSecret, options));
}

TEST(Jwt, FutureNbfIsRefusedBeyondTheLeeway) {
  auto claims = claims_expiring(kNow + 600);
  claims["nbf"] = kNow + 30;
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)));
  claims["nbf"] = kNow + 31;
  EXPECT_EQ(message_of(sign_hs256(claims, kSecret), at(kNow)), "not valid yet");
}

TEST(Jwt, FutureIatIsRefusedBeyondTheLeeway) {
  auto claims = claims_expiring(kNow + 600);
  claims["iat"] = kNow + 30;
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)));
  claims["iat"] = kNow + 3600;
  EXPECT_EQ(message_of(sign_hs256(claims, kSecret), at(kNow)), "issued in the future");
}

TEST(Jwt, TimeClaimsMustBeNumbers) {
  for (const char* name : {"exp", "nbf", "iat"}) {
    auto claims = claims_expiring(kNow + 600);
    claims[name] = std::to_string(kNow + 600);
    EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)), TokenError) << name;
    claims[name] = true;
    EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)), TokenError) << name;
  }
  auto fractional = claims_expiring(kNow + 600);
  fractional["exp"] = static_cast<double>(kNow) + 600.5;
  EXPECT_NO_THROW(verify_hs256(sign_hs256(fractional, kSecret), kSecret, at(kNow)));
}

TEST(Jwt, HugeTimesDoNotWrapAround) {
  auto claims = claims_expiring(kNow + 600);
  claims["nbf"] = std::uint64_t{18'000'000'000'000'000'000u};
  EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)), TokenError);
  claims.erase("nbf");
  claims["exp"] = -1e300;
  EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)), TokenError);
  claims["exp"] = 1e300;
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)));
  claims["exp"] = std::numeric_limits<std::int64_t>::max();
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)));
}

TEST(Jwt, WrongSecretIsRefused) {
  const auto token = sign_hs256(claims_expiring(kNow + 600), "another-secret-of-32-bytes-or-more");
  EXPECT_EQ(message_of(token, at(kNow)), "signature does not match");
}

TEST(Jwt, AnyFlippedSignatureCharacterIsRefused) {
  const auto token = sign_hs256(claims_expiring(kNow + 600), kSecret);
  const auto start = token.rfind('.') + 1;
  // The last character carries 2 unused bits; flipping within the alphabet
  // must still be caught (by the signature or by strict decoding).
  for (std::size_t i = start; i < token.size(); ++i) {
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_THROW(verify_hs256(bad, kSecret, at(kNow)), TokenError) << i;
  }
}

TEST(Jwt, TamperedPayloadIsRefused) {
  const auto token = sign_hs256(claims_expiring(kNow + 600), kSecret);
  auto claims = claims_expiring(kNow + 600);
  claims["role"] = "admin";
  const auto forged = sign_hs256(claims, "not-the-secret-but-as-long-as-it-is");
  // Our header and signature around the attacker's payload.
  const auto first = token.find('.');
  const auto spliced = token.substr(0, first) + forged.substr(first, forged.rfind('.') - first) +
                       token.substr(token.rfind('.'));
  ASSERT_NE(spliced, token);
  EXPECT_EQ(message_of(spliced, at(kNow)), "signature does not match");
}

TEST(Jwt, SignatureMustBe32Bytes) {
  const auto token = sign_hs256(claims_expiring(kNow + 600), kSecret);
  const auto input = first_parts(token);
  EXPECT_THROW(verify_hs256(input + ".", kSecret, at(kNow)), TokenError);
  EXPECT_THROW(verify_hs256(input + "." + signature_of(token) + "AA", kSecret, at(kNow)),
               TokenError);
  EXPECT_THROW(verify_hs256(input + "." + signature_of(token).substr(4), kSecret, at(kNow)),
               TokenError);
}

TEST(Jwt, AlgNoneWithAnEmptySignatureIsRefused) {
  const auto payload = b64(boost::json::serialize(claims_expiring(kNow + 600)));
  for (const char* header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
    const auto token = b64(header) + "." + payload + ".";
    EXPECT_NE(message_of(token, at(kNow)).find("algorithm"), std::string::npos) << header;
  }
}

TEST(Jwt, TheIndependentHmacAgreesWithSign) {
  const auto token = sign_hs256(claims_expiring(kNow + 600), kSecret);
  EXPECT_EQ(signed_token(R"({"alg":"HS256","typ":"JWT"})", payload_json()), token);
}

// The header names another algorithm while the signature is a valid MAC over
// exactly that header and payload: the header alone must get it refused.
TEST(Jwt, AlgorithmSwappedTokensAreRefusedEvenWithAValidMac) {
  for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
                             R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"hs256","typ":"JWT"})",
                             R"({"alg":"HS256 ","typ":"JWT"})", R"({"alg":["HS256"]})",
                             R"({"alg":null})", R"({"typ":"JWT"})", R"({})"}) {
    const auto token = signed_token(header, payload_json());
    EXPECT_THROW(verify_hs256(token, kSecret, at(kNow)), TokenError) << header;
  }
  EXPECT_EQ(message_of(signed_token(R"({"typ":"JWT"})", payload_json()), at(kNow)),
            "header has no alg");
  EXPECT_EQ(message_of(signed_token(R"({"alg":"none"})", payload_json()), at(kNow)),
            R"(algorithm is not HS256: "none")");
}

TEST(Jwt, Hs512TokensWithTheSameSecretAreRefused) {
  const auto token = signed_token(R"({"alg":"HS512","typ":"JWT"})", payload_json(), EVP_sha512());
  EXPECT_THROW(verify_hs256(token, kSecret, at(kNow)), TokenError);
  // Even relabelled as HS256, a 64-byte MAC is not an HS256 signature.
  const auto relabelled = b64(R"({"alg":"HS256","typ":"JWT"})") + token.substr(token.find('.'));
  EXPECT_EQ(message_of(relabelled, at(kNow)), "signature is not 32 bytes");
}

TEST(Jwt, HeaderChecksTypAndCrit) {
  const auto payload = payload_json();
  EXPECT_NO_THROW(verify_hs256(signed_token(R"({"alg":"HS256"})", payload), kSecret, at(kNow)));
  EXPECT_NO_THROW(
      verify_hs256(signed_token(R"({"alg":"HS256","typ":"jwt"})", payload), kSecret, at(kNow)));
  EXPECT_NO_THROW(verify_hs256(signed_token(R"({"typ":"JWT","alg":"HS256","kid":"k1"})", payload),
                               kSecret, at(kNow)));
  EXPECT_EQ(message_of(signed_token(R"({"alg":"HS256","typ":"JWS"})", payload), at(kNow)),
            "typ is not JWT");
  EXPECT_EQ(message_of(signed_token(R"({"alg":"HS256","typ":1})", payload), at(kNow)),
            "typ is not JWT");
  EXPECT_EQ(message_of(signed_token(R"({"alg":"HS256","crit":["exp"]})", payload), at(kNow)),
            "critical header parameters are not supported");
}

TEST(Jwt, PayloadMustBeAJsonObject) {
  const char* header = R"({"alg":"HS256","typ":"JWT"})";
  EXPECT_EQ(message_of(signed_token(header, "[1]"), at(kNow)), "payload is not a JSON object");
  EXPECT_EQ(message_of(signed_token(header, "\"x\""), at(kNow)), "payload is not a JSON object");
  EXPECT_THROW(verify_hs256(signed_token(header, "nope"), kSecret, at(kNow)), TokenError);
  EXPECT_THROW(verify_hs256(signed_token(header, "{\"exp\":1"), kSecret, at(kNow)), TokenError);
  EXPECT_THROW(verify_hs256(signed_token(header, ""), kSecret, at(kNow)), TokenError);
}

TEST(Jwt, MalformedTokensAreRefused) {
  const auto token = sign_hs256(claims_expiring(kNow + 600), kSecret);
  const auto first = token.find('.');
  for (const std::string& bad :
       {std::string(), std::string("."), std::string(".."), std::string("abc"),
        token.substr(0, token.rfind('.')), token + ".", token + ".x", "." + token,
        token.substr(0, first) + "!" + token.substr(first), "e30." + token.substr(first + 1),
        b64("[]") + token.substr(first), b64("not json") + token.substr(first),
        b64(R"({"alg":"HS256")") + token.substr(first)}) {
    EXPECT_THROW(verify_hs256(bad, kSecret, at(kNow)), TokenError) << bad;
  }
  EXPECT_EQ(message_of(token + ".x", at(kNow)), "not three dot-separated parts");
}

TEST(Jwt, OversizedTokensAreRefusedBeforeAnyWork) {
  auto claims = claims_expiring(kNow + 600);
  claims["pad"] = std::string(5000, 'x');
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)));
  claims["pad"] = std::string(6200, 'x');
  const auto token = sign_hs256(claims, kSecret);
  ASSERT_GT(token.size(), 8192u);
  EXPECT_EQ(message_of(token, at(kNow)), "token longer than 8 KiB");
}

TEST(Jwt, IssuerIsCheckedWhenConfigured) {
  auto claims = claims_expiring(kNow + 600);
  claims["iss"] = "crmd";
  auto options = at(kNow);
  options.issuer = "crmd";
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options));
  claims["iss"] = "someone-else";
  EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options), TokenError);
  claims.erase("iss");
  EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options), TokenError);
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, at(kNow)));
}

TEST(Jwt, AudienceMayBeAStringOrAnArray) {
  auto options = at(kNow);
  options.audience = "crm-clients";
  auto claims = claims_expiring(kNow + 600);
  claims["aud"] = "crm-clients";
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options));
  claims["aud"] = boost::json::array{"other", "crm-clients"};
  EXPECT_NO_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options));
  claims["aud"] = boost::json::array{"other", "crm-clients-2"};
  EXPECT_EQ(message_of(sign_hs256(claims, kSecret), options), "wrong or missing audience");
  claims["aud"] = "other";
  EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options), TokenError);
  claims["aud"] = boost::json::array{};
  EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options), TokenError);
  claims.erase("aud");
  EXPECT_THROW(verify_hs256(sign_hs256(claims, kSecret), kSecret, options), TokenError);
}

TEST(Roles, ParseExactNamesOnly) {
  EXPECT_EQ(parse_role("admin"), Role::admin);
  EXPECT_EQ(parse_role("manager"), Role::manager);
  EXPECT_EQ(parse_role("sales"), Role::sales);
  for (const char* bad : {"", "Admin", "ADMIN", " admin", "admin ", "root", "salesman"})
    EXPECT_FALSE(parse_role(bad)) << bad;
  for (Role role : {Role::admin, Role::manager, Role::sales})
    EXPECT_EQ(parse_role(to_string(role)), role);
  EXPECT_TRUE(at_least(Role::admin, Role::manager));
  EXPECT_FALSE(at_least(Role::sales, Role::manager));
}

}  // namespace
}  // namespace crmd::identity
