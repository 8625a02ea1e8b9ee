// Small cryptographic helpers on OpenSSL: digests, secrets from the CSPRNG,
// and comparison in constant time.
#pragma once

#include <string>
#include <string_view>

namespace crmd {

std::string sha256_hex(std::string_view data);
// n bytes from OpenSSL's CSPRNG; throws std::runtime_error if it fails.
std::string random_bytes(std::size_t n);
std::string hex(std::string_view bytes);
// Equal contents, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace crmd
