// Password hashing: argon2id through libsodium (crypto_pwhash_str with
// OWASP's parameters: 19 MiB, 2 passes, 1 lane) for new hashes; bcrypt
// hashes ($2a$, $2b$, $2y$, e.g. from an imported user table) are still
// verified through libcrypt and reported as needing a rehash. Both are slow
// on purpose: call them off the I/O threads.
#pragma once

#include <string>
#include <string_view>

namespace crmd::identity {

// Longest password accepted, in bytes (argon2id has no 72-byte limit; the
// bound only caps the work a client can ask for).
inline constexpr std::size_t kMaxPasswordBytes = 1024;

std::string hash_password(std::string_view password);

struct PasswordCheck {
  bool ok = false;
  bool needs_rehash = false;  // ok, but stored with bcrypt or weaker parameters
};

// Constant-time verification against a stored argon2id or bcrypt hash. A
// password longer than 72 bytes never matches a bcrypt hash: bcrypt would
// silently compare only its first 72 bytes.
PasswordCheck verify_password(std::string_view password, const std::string& stored_hash);

// A valid argon2id hash of a random password, for checking a login whose
// account does not exist in the same time as one that does.
const std::string& decoy_hash();

}  // namespace crmd::identity
