// Small cryptographic helpers on OpenSSL: digests, secrets from the CSPRNG,
// and comparison in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crmd {

std::string sha256_hex(std::string_view data);
// HMAC-SHA256 of data under key (32 raw bytes); nullopt if OpenSSL fails.
std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data);
// n bytes from OpenSSL's CSPRNG; throws std::runtime_error if it fails.
std::string random_bytes(std::size_t n);
std::string hex(std::string_view bytes);
// Equal contents, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace crmd
