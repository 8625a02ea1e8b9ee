#include "domain/exports/download_token.hpp"

#include <charconv>
#include <stdexcept>

#include "domain/common/crypto.hpp"
#include "domain/identity/jwt.hpp"

namespace crmd::exports {
namespace {

std::string mac(std::string_view secret, const Uuid& job, std::string_view expires) {
  const auto key = hmac_sha256(secret, "crmd export download links");
  const auto digest =
      key ? hmac_sha256(*key, "export:" + job.str() + ":" + std::string(expires)) : std::nullopt;
  if (!digest) throw std::runtime_error("HMAC-SHA256 failed");
  return identity::base64url_encode(*digest);
}

}  // namespace

std::string sign_download(std::string_view secret, const Uuid& job, std::int64_t expires_unix) {
  const auto expires = std::to_string(expires_unix);
  return expires + "." + mac(secret, job, expires);
}

bool verify_download(std::string_view secret, const Uuid& job, std::string_view token,
                     std::int64_t now_unix) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || dot > 20) return false;
  const auto expires = token.substr(0, dot);
  std::int64_t expiry = 0;
  const auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), expiry);
  if (ec != std::errc() || end != expires.data() + expires.size() || expiry < now_unix)
    return false;
  return constant_time_equal(token.substr(dot + 1), mac(secret, job, expires));
}

}  // namespace crmd::exports
