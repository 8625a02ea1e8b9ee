#include "domain/common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <sodium.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace crmd {

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer.
  static const char kEmpty = 0;
  if (HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &length) == nullptr ||
      length != 32)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(digest), length);
}

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(context_);
}

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(context_, data.data(), data.size());
}

std::string Sha256::hex_digest() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const bool ok = copy && EVP_MD_CTX_copy_ex(copy, context_) == 1 &&
                  EVP_DigestFinal_ex(copy, digest, &length) == 1;
  EVP_MD_CTX_free(copy);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

namespace {
// Small draws (a UUID's 16 bytes, one for every request's id) copy from
// bytes the OS gave this thread ahead, instead of a getrandom() each. What
// is handed out is wiped from the reserve, so it holds only bytes not yet
// used; a forked child drops the reserve it inherited (only the forking
// thread lives on there), so parent and child never draw the same bytes.
constexpr std::size_t kMaxReserved = 64;
struct RandomReserve {
  std::array<unsigned char, 4096> bytes{};
  std::size_t used = bytes.size();
  void drop() {
    sodium_memzero(bytes.data(), bytes.size());
    used = bytes.size();
  }
};
thread_local RandomReserve reserve;
}  // namespace

void fill_random(void* out, std::size_t n) {
  static const bool ready =
      sodium_init() >= 0 && pthread_atfork(nullptr, nullptr, [] { reserve.drop(); }) == 0;
  if (!ready) throw std::runtime_error("the random source could not be initialised");
  if (n > kMaxReserved) {
    randombytes_buf(out, n);
    return;
  }
  if (reserve.bytes.size() - reserve.used < n) {
    randombytes_buf(reserve.bytes.data(), reserve.bytes.size());
    reserve.used = 0;
  }
  std::memcpy(out, reserve.bytes.data() + reserve.used, n);
  sodium_memzero(reserve.bytes.data() + reserve.used, n);
  reserve.used += n;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  fill_random(out.data(), n);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace crmd
