// Small cryptographic helpers on OpenSSL: digests, secrets from the CSPRNG,
// and comparison in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace crmd {

std::string sha256_hex(std::string_view data);

// SHA-256 of data given in pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  // The digest of everything given so far, in hex.
  std::string hex_digest() const;

 private:
  ::evp_md_ctx_st* context_;
};
// HMAC-SHA256 of data under key (32 raw bytes); nullopt if OpenSSL fails.
std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data);
// n bytes from the OS CSPRNG (libsodium's randombytes_buf); draws of up to
// 64 bytes come from a per-thread reserve the OS filled ahead.
void fill_random(void* out, std::size_t n);
std::string random_bytes(std::size_t n);
std::string hex(std::string_view bytes);
// Equal contents, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace crmd
