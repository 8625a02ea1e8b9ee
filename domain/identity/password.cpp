#include "domain/identity/password.hpp"

#include <crypt.h>
#include <sodium.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace crmd::identity {
namespace {

// OWASP's argon2id minimum: 19 MiB of memory, 2 passes, one lane.
constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = 19 * 1024 * 1024;
// bcrypt reads at most 72 bytes of the password and ignores the rest.
constexpr std::size_t kBcryptMaxBytes = 72;

void init_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)ready;
}

bool is_bcrypt(const std::string& hash) {
  return hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$");
}

bool bcrypt_matches(std::string_view password, const std::string& stored_hash) {
  // crypt_rn takes C strings: a NUL inside the password would end it early
  // and the rest would be ignored, like the bytes past 72.
  if (password.size() > kBcryptMaxBytes || password.find('\0') != std::string_view::npos)
    return false;
  const std::string text(password);
  // ~32 KiB, too large for a coroutine or small thread stack; value-initialised
  // (zeroed) as crypt_rn requires.
  auto data = std::make_unique<crypt_data>();
  const char* computed = crypt_rn(text.c_str(), stored_hash.c_str(), data.get(), sizeof *data);
  bool equal = false;
  // libxcrypt signals failure with null or a string starting with '*'.
  if (computed != nullptr && computed[0] != '*') {
    const std::size_t length = std::strlen(computed);
    equal =
        length == stored_hash.size() && sodium_memcmp(computed, stored_hash.data(), length) == 0;
  }
  sodium_memzero(data.get(), sizeof *data);
  return equal;
}

}  // namespace

std::string hash_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes)
    throw std::invalid_argument("password longer than " + std::to_string(kMaxPasswordBytes) +
                                " bytes");
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), kOpsLimit, kMemLimit) != 0)
    throw std::runtime_error("out of memory hashing a password");
  return out;
}

PasswordCheck verify_password(std::string_view password, const std::string& stored_hash) {
  if (password.size() > kMaxPasswordBytes || stored_hash.empty()) return {};
  init_sodium();
  if (stored_hash.starts_with("$argon2id$")) {
    if (crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) != 0)
      return {};
    // 1: other parameters, -1: unreadable; either way worth replacing.
    return {true, crypto_pwhash_str_needs_rehash(stored_hash.c_str(), kOpsLimit, kMemLimit) != 0};
  }
  if (is_bcrypt(stored_hash)) {
    if (!bcrypt_matches(password, stored_hash)) return {};
    return {true, true};
  }
  return {};
}

const std::string& decoy_hash() {
  static const std::string hash = [] {
    init_sodium();
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    auto out =
        hash_password(std::string_view(reinterpret_cast<const char*>(secret), sizeof secret));
    sodium_memzero(secret, sizeof secret);
    return out;
  }();
  return hash;
}

}  // namespace crmd::identity
