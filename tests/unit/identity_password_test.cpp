#include <crypt.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "domain/identity/password.hpp"

namespace crmd::identity {
namespace {

// Cost 4 (the minimum) keeps the test fast; verification reads the cost
// from the hash, so it exercises the same path as an imported cost-12 hash.
std::string bcrypt_hash(const std::string& password, const char* prefix = "$2b$") {
  auto data = std::make_unique<crypt_data>();
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, 4, nullptr, 0, setting, sizeof setting) == nullptr)
    throw std::runtime_error("crypt_gensalt_rn failed");
  const char* hash = crypt_rn(password.c_str(), setting, data.get(), sizeof *data);
  if (hash == nullptr || hash[0] == '*') throw std::runtime_error("crypt_rn failed");
  return hash;
}

// A cheap argon2 hash with libsodium's minimum parameters (8 KiB; the fewest
// passes the variant allows).
std::string cheap_argon_hash(const std::string& password, int alg = crypto_pwhash_ALG_ARGON2ID13) {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
  const auto passes = alg == crypto_pwhash_ALG_ARGON2I13 ? crypto_pwhash_argon2i_OPSLIMIT_MIN
                                                         : crypto_pwhash_OPSLIMIT_MIN;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), passes,
                            crypto_pwhash_MEMLIMIT_MIN, alg) != 0)
    throw std::runtime_error("crypto_pwhash_str_alg failed");
  return out;
}

// Argon2id with 19 MiB costs ~50-100 ms per hash: the hashes are shared.
class Passwords : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    argon_hash_ = new std::string(hash_password("correct horse battery staple"));
    long_hash_ = new std::string(hash_password(long_password()));
  }
  static void TearDownTestSuite() {
    delete argon_hash_;
    delete long_hash_;
  }
  static std::string long_password() {
    std::string password;
    for (int i = 0; i < 100; ++i) password += static_cast<char>('a' + i % 26);
    return password;
  }
  static std::string* argon_hash_;
  static std::string* long_hash_;
};

std::string* Passwords::argon_hash_ = nullptr;
std::string* Passwords::long_hash_ = nullptr;

TEST_F(Passwords, HashIsArgon2idWithOwaspParameters) {
  EXPECT_TRUE(argon_hash_->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *argon_hash_;
}

TEST_F(Passwords, RightPasswordVerifiesWithoutRehash) {
  const auto check = verify_password("correct horse battery staple", *argon_hash_);
  EXPECT_TRUE(check.ok);
  EXPECT_FALSE(check.needs_rehash);
}

TEST_F(Passwords, WrongPasswordsFail) {
  for (const char* wrong : {"correct horse battery stapl", "correct horse battery staple ",
                            "Correct horse battery staple", ""})
    EXPECT_FALSE(verify_password(wrong, *argon_hash_).ok) << wrong;
}

TEST_F(Passwords, LongPasswordsAreNotTruncated) {
  const auto password = long_password();
  ASSERT_EQ(password.size(), 100u);
  EXPECT_TRUE(verify_password(password, *long_hash_).ok);
  std::string tail_differs = password;
  tail_differs[90] = '!';
  EXPECT_FALSE(verify_password(tail_differs, *long_hash_).ok);
  EXPECT_FALSE(verify_password(password.substr(0, 72), *long_hash_).ok);
}

TEST(Argon2, WeakerParametersVerifyButNeedARehash) {
  const std::string password = "correct horse battery staple";
  const auto weaker = cheap_argon_hash(password);
  const auto check = verify_password(password, weaker);
  EXPECT_TRUE(check.ok);
  EXPECT_TRUE(check.needs_rehash);
  EXPECT_FALSE(verify_password("wrong", weaker).ok);
}

TEST(PasswordLimits, OverlongPasswordsAreRefused) {
  const std::string limit(kMaxPasswordBytes, 'x');
  const std::string over(kMaxPasswordBytes + 1, 'x');
  EXPECT_THROW(hash_password(over), std::invalid_argument);
  EXPECT_TRUE(verify_password(limit, cheap_argon_hash(limit)).ok);
  // Even a stored hash of exactly that password does not make it acceptable.
  EXPECT_FALSE(verify_password(over, cheap_argon_hash(over)).ok);
}

TEST(StoredHashes, Argon2iIsNotAnAcceptedFormat) {
  const auto hash = cheap_argon_hash("pw", crypto_pwhash_ALG_ARGON2I13);
  ASSERT_TRUE(hash.starts_with("$argon2i$")) << hash;
  EXPECT_FALSE(verify_password("pw", hash).ok);
}

TEST(Bcrypt, ImportedHashesVerifyAndAskForARehash) {
  for (const char* prefix : {"$2b$", "$2a$", "$2y$"}) {
    const auto hash = bcrypt_hash("imported-password", prefix);
    ASSERT_TRUE(hash.starts_with(prefix)) << hash;
    const auto check = verify_password("imported-password", hash);
    EXPECT_TRUE(check.ok) << prefix;
    EXPECT_TRUE(check.needs_rehash) << prefix;
    EXPECT_FALSE(verify_password("imported-passwore", hash).ok) << prefix;
    EXPECT_FALSE(verify_password("", hash).ok) << prefix;
  }
}

TEST(Bcrypt, PasswordsOver72BytesNeverMatch) {
  const std::string first72(72, 'k');
  const auto hash = bcrypt_hash(first72);
  EXPECT_TRUE(verify_password(first72, hash).ok);
  // bcrypt itself would accept these: it reads only the first 72 bytes.
  EXPECT_FALSE(verify_password(first72 + "x", hash).ok);
  EXPECT_FALSE(verify_password(first72 + std::string(100, 'y'), hash).ok);
}

TEST(Bcrypt, EmbeddedNulIsNotTruncated) {
  const auto hash = bcrypt_hash("abc");
  EXPECT_TRUE(verify_password("abc", hash).ok);
  EXPECT_FALSE(verify_password(std::string("abc\0def", 7), hash).ok);
}

TEST(Bcrypt, TamperedHashFails) {
  const auto hash = bcrypt_hash("imported-password");
  ASSERT_TRUE(verify_password("imported-password", hash).ok);
  auto changed = hash;
  changed.back() = changed.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(verify_password("imported-password", changed).ok);
  EXPECT_FALSE(verify_password("imported-password", hash + "x").ok);
  EXPECT_FALSE(verify_password("imported-password", hash.substr(0, hash.size() - 1)).ok);
}

TEST(StoredHashes, EmptyOrUnknownFormatsFail) {
  for (const char* stored : {"", "*", "*0", "plaintext", "$1$salt$hash", "$argon2id$",
                             "$argon2id$v=19$m=19456,t=2,p=1$garbage", "$2b$", "$2b$04$short",
                             "$5$rounds=1000$salt$hash", "$argon2i$v=19$m=19456,t=2,p=1$x$y"}) {
    const auto check = verify_password("", stored);
    EXPECT_FALSE(check.ok) << stored;
    EXPECT_FALSE(verify_password(stored, stored).ok) << stored;
  }
}

TEST(Decoy, IsAStableArgonHashThatMatchesNothingGuessable) {
  const std::string decoy = decoy_hash();
  EXPECT_EQ(&decoy_hash(), &decoy_hash());
  EXPECT_EQ(decoy, decoy_hash());
  EXPECT_TRUE(decoy.starts_with("$argon2id$")) << decoy;
  for (const char* guess : {"", "password", "decoy", "0000000000000000"})
    EXPECT_FALSE(verify_password(guess, decoy).ok) << guess;
}

}  // namespace
}  // namespace crmd::identity
