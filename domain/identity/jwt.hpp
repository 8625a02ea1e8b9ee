// JSON Web Tokens signed with HS256 (RFC 7519 / 7515), built on OpenSSL's
// HMAC. Verification accepts only HS256 — never "none", never an algorithm
// named by the token — and compares signatures in constant time.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmd::identity {

using Seconds = std::int64_t;  // seconds since the Unix epoch

struct VerifyOptions {
  Seconds now = 0;
  Seconds leeway = 30;                  // tolerated clock skew for exp / nbf / iat
  std::optional<std::string> issuer;    // when set, `iss` must equal it
  std::optional<std::string> audience;  // when set, `aud` (string or array) must contain it
  bool require_exp = true;
};

// Why a token was refused; never shown in detail to clients.
class TokenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// header {"alg":"HS256","typ":"JWT"} + claims, signed with secret.
std::string sign_hs256(const boost::json::object& claims, std::string_view secret);

// Checks structure, algorithm, signature, exp (required unless
// require_exp is false), nbf, iat (not in the future beyond leeway), iss and
// aud; returns the claims. Throws TokenError.
boost::json::object verify_hs256(std::string_view token, std::string_view secret,
                                 const VerifyOptions& options);

// Base64url without padding (RFC 4648 §5).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace crmd::identity
