// crmd's own bearer tokens (access 30 min, refresh 7 days) and tokens of an
// external identity provider, as claims on top of HS256 JWTs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/common/uuid.hpp"
#include "domain/identity/jwt.hpp"
#include "domain/identity/role.hpp"

namespace crmd::identity {

enum class TokenType { access, refresh };

struct TokenSettings {
  std::string secret;
  std::optional<std::string> issuer;
  std::optional<std::string> audience;
  Seconds access_ttl = 30 * 60;
  Seconds refresh_ttl = 7 * 24 * 3600;
  Seconds leeway = 30;
};

struct TokenClaims {
  Uuid subject;
  Role role = Role::sales;
  TokenType type = TokenType::access;
  Uuid jti;
  Seconds issued_at = 0;
  Seconds expires_at = 0;
};

// Claims for a new token of type `type` issued at `now` (expiry from the
// settings, a fresh jti unless given).
TokenClaims new_claims(const TokenSettings& settings, TokenType type, const Uuid& subject,
                       Role role, Seconds now, std::optional<Uuid> jti = std::nullopt);
std::string issue_token(const TokenSettings& settings, const TokenClaims& claims);

// Verifies signature, algorithm, times, iss/aud and that the token is of the
// expected type; throws TokenError.
TokenClaims verify_token(const TokenSettings& settings, std::string_view token, TokenType expected,
                         Seconds now);

struct ExternalSettings {
  std::string secret;
  std::string role_claim = "app_metadata.role";  // dotted path into the claims
  Seconds leeway = 30;
};

struct ExternalClaims {
  Uuid subject;
  std::string email;
  std::optional<std::string> role;  // the value at role_claim, if a string
};

ExternalClaims verify_external_token(const ExternalSettings& settings, std::string_view token,
                                     Seconds now);

// The crmd role of an external identity: its user_roles row if any, else
// its role claim when that names a crmd role, else the least role.
Role external_role(const std::optional<Role>& assigned, const std::optional<std::string>& claimed);

}  // namespace crmd::identity
