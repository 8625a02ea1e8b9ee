// Google credentials as their JSON files give them, and the RS256 JWT a
// service account exchanges for an access token.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace crmd::google {

inline constexpr std::string_view default_token_uri = "https://oauth2.googleapis.com/token";

struct ServiceAccount {
  std::string client_email, private_key_pem, token_uri;
  std::optional<std::string> subject;  // the user impersonated (domain-wide delegation)
};

struct RefreshTokenCredentials {
  std::string client_id, client_secret, refresh_token, token_uri;
};

using Credentials = std::variant<ServiceAccount, RefreshTokenCredentials>;

// A service-account key file ("type":"service_account") or an authorized-user
// file ("type":"authorized_user"); a missing token_uri is Google's. Throws
// std::runtime_error naming what is wrong, never quoting a secret.
Credentials parse_credentials(std::string_view json);

// header.claims.signature, base64url without padding: iss, scope, aud (the
// token URI), iat = now, exp = now + 1 h, sub when set. Throws
// std::runtime_error when the key is not an RSA private key in PEM.
std::string jwt_assertion(const ServiceAccount& account, std::string_view scope,
                          std::chrono::system_clock::time_point now);

}  // namespace crmd::google
