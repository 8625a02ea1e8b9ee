// Google credential files and the service account's RS256 JWT, checked with
// a key made here.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>

#include "domain/identity/jwt.hpp"
#include "storage/google/credentials.hpp"

namespace crmd::google {
namespace {

struct RsaKey {
  RsaKey() : key(EVP_RSA_gen(2048)) {}
  ~RsaKey() { EVP_PKEY_free(key); }
  std::string private_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    return drain(bio);
  }
  static std::string drain(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return text;
  }
  bool verifies(std::string_view input, std::string_view signature) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                         input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
  }
  EVP_PKEY* key;
};

std::vector<std::string> split(const std::string& jwt) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = jwt.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(jwt.substr(start, dot - start));
  parts.push_back(jwt.substr(start));
  return parts;
}

boost::json::object decoded(const std::string& part) {
  const auto text = identity::base64url_decode(part);
  EXPECT_TRUE(text) << part;
  return boost::json::parse(text.value_or("{}")).as_object();
}

TEST(GoogleCredentialsTest, AServiceAccountJwtIsSignedWithItsKeyAndCarriesTheClaims) {
  const RsaKey key;
  ServiceAccount account{"crmd@project.iam.gserviceaccount.com", key.private_pem(),
                         "https://oauth2.googleapis.com/token", "ada@example.com"};
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  const std::string jwt = jwt_assertion(account, "https://www.googleapis.com/auth/drive", now);

  const auto parts = split(jwt);
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& part : parts) EXPECT_EQ(part.find('='), std::string::npos);
  const auto signature = identity::base64url_decode(parts[2]);
  ASSERT_TRUE(signature);
  EXPECT_TRUE(key.verifies(parts[0] + "." + parts[1], *signature));
  EXPECT_FALSE(key.verifies(parts[0] + "." + parts[1] + "x", *signature));

  const auto header = decoded(parts[0]);
  EXPECT_EQ(header.at("alg"), "RS256");
  EXPECT_EQ(header.at("typ"), "JWT");
  const auto claims = decoded(parts[1]);
  EXPECT_EQ(claims.at("iss"), "crmd@project.iam.gserviceaccount.com");
  EXPECT_EQ(claims.at("scope"), "https://www.googleapis.com/auth/drive");
  EXPECT_EQ(claims.at("aud"), "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims.at("iat").to_number<std::int64_t>(), 1'700'000'000);
  EXPECT_EQ(claims.at("exp").to_number<std::int64_t>(), 1'700'003'600);
  EXPECT_EQ(claims.at("sub"), "ada@example.com");
}

TEST(GoogleCredentialsTest, WithoutASubjectThereIsNoSubClaim) {
  const RsaKey key;
  ServiceAccount account{"svc@x.iam.gserviceaccount.com", key.private_pem(),
                         "https://t.example/token", std::nullopt};
  const auto parts = split(jwt_assertion(account, "s", std::chrono::system_clock::now()));
  ASSERT_EQ(parts.size(), 3u);
  const auto claims = decoded(parts[1]);
  EXPECT_FALSE(claims.contains("sub"));
  EXPECT_EQ(claims.at("aud"), "https://t.example/token");
}

TEST(GoogleCredentialsTest, AKeyThatIsNotAnRsaPemIsRefusedWithoutQuotingIt) {
  ServiceAccount account{"svc@x", "-----BEGIN PRIVATE KEY-----\nsecretstuff\n", "https://t", {}};
  try {
    jwt_assertion(account, "s", std::chrono::system_clock::now());
    FAIL() << "signed with a broken key";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("secretstuff"), std::string::npos);
  }
  EVP_PKEY* ec = EVP_EC_gen("P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr);
  account.private_key_pem = RsaKey::drain(bio);
  EVP_PKEY_free(ec);
  EXPECT_THROW(jwt_assertion(account, "s", std::chrono::system_clock::now()), std::runtime_error);
}

TEST(GoogleCredentialsTest, ParsesAServiceAccountKeyFile) {
  const auto credentials = parse_credentials(R"({"type":"service_account","project_id":"p",
    "private_key_id":"k","private_key":"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    "client_email":"svc@p.iam.gserviceaccount.com","token_uri":"https://oauth2.googleapis.com/token"})");
  const auto* account = std::get_if<ServiceAccount>(&credentials);
  ASSERT_NE(account, nullptr);
  EXPECT_EQ(account->client_email, "svc@p.iam.gserviceaccount.com");
  EXPECT_EQ(account->private_key_pem,
            "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ(account->token_uri, "https://oauth2.googleapis.com/token");
  EXPECT_FALSE(account->subject);
}

TEST(GoogleCredentialsTest, ParsesAnAuthorizedUserFileWithGooglesTokenUriByDefault) {
  const auto credentials = parse_credentials(
      R"({"type":"authorized_user","client_id":"id.apps","client_secret":"cs","refresh_token":"1//rt"})");
  const auto* user = std::get_if<RefreshTokenCredentials>(&credentials);
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->client_id, "id.apps");
  EXPECT_EQ(user->client_secret, "cs");
  EXPECT_EQ(user->refresh_token, "1//rt");
  EXPECT_EQ(user->token_uri, "https://oauth2.googleapis.com/token");
}

TEST(GoogleCredentialsTest, AnythingElseIsRefusedWithoutEchoingSecrets) {
  EXPECT_THROW(parse_credentials("not json"), std::runtime_error);
  EXPECT_THROW(parse_credentials("[]"), std::runtime_error);
  EXPECT_THROW(parse_credentials(R"({"type":"external_account"})"), std::runtime_error);
  EXPECT_THROW(parse_credentials(R"({"client_email":"a","private_key":"b"})"), std::runtime_error);
  try {
    parse_credentials(R"({"type":"service_account","private_key":"TOPSECRET"})");
    FAIL() << "accepted a key file without client_email";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("client_email"), std::string::npos) << message;
    EXPECT_EQ(message.find("TOPSECRET"), std::string::npos) << message;
  }
  try {
    parse_credentials(R"({"type":"authorized_user","client_id":"a","client_secret":"S3CRET"})");
    FAIL() << "accepted an authorized user without refresh_token";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("S3CRET"), std::string::npos);
  }
}

}  // namespace
}  // namespace crmd::google
