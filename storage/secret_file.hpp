// A secret generated once and kept in a file (mode 0600), for deployments
// that do not configure one: the JWT secret when CRMD_JWT_SECRET is unset.
// Blocking file I/O: call at start-up, before the I/O threads run.
#pragma once

#include <filesystem>
#include <string>

namespace crmd::storage {

// Reads the secret at path, or creates it with `bytes` random bytes
// (base64url) when the file does not exist. Throws std::runtime_error.
std::string load_or_create_secret(const std::filesystem::path& path, std::size_t bytes = 48);

}  // namespace crmd::storage
