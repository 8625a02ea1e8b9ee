#include "domain/identity/tokens.hpp"

#include <boost/json/value.hpp>

namespace crmd::identity {
namespace {

std::string_view type_name(TokenType type) {
  return type == TokenType::access ? "access" : "refresh";
}

const boost::json::string& string_claim(const boost::json::object& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->value().is_string())
    throw TokenError("claim " + std::string(name) + " is missing or not a string");
  return it->value().get_string();
}

Uuid uuid_claim(const boost::json::object& claims, std::string_view name) {
  auto id = Uuid::parse(string_claim(claims, name));
  if (!id) throw TokenError("claim " + std::string(name) + " is not a UUID");
  return *id;
}

Seconds number_claim(const boost::json::object& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end()) return 0;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64()) return static_cast<Seconds>(it->value().get_uint64());
  if (it->value().is_double()) return static_cast<Seconds>(it->value().get_double());
  throw TokenError("claim " + std::string(name) + " is not a number");
}

}  // namespace

TokenClaims new_claims(const TokenSettings& settings, TokenType type, const Uuid& subject,
                       Role role, Seconds now, std::optional<Uuid> jti) {
  const Seconds ttl = type == TokenType::access ? settings.access_ttl : settings.refresh_ttl;
  return {subject, role, type, jti.value_or(Uuid::random_v4()), now, now + ttl};
}

std::string issue_token(const TokenSettings& settings, const TokenClaims& c) {
  boost::json::object claims{{"sub", c.subject.str()},    {"role", to_string(c.role)},
                             {"type", type_name(c.type)}, {"jti", c.jti.str()},
                             {"iat", c.issued_at},        {"exp", c.expires_at}};
  if (settings.issuer) claims["iss"] = *settings.issuer;
  if (settings.audience) claims["aud"] = *settings.audience;
  return sign_hs256(claims, settings.secret);
}

TokenClaims verify_token(const TokenSettings& settings, std::string_view token, TokenType expected,
                         Seconds now) {
  VerifyOptions options;
  options.now = now;
  options.leeway = settings.leeway;
  options.issuer = settings.issuer;
  options.audience = settings.audience;
  const auto claims = verify_hs256(token, settings.secret, options);
  if (string_claim(claims, "type") != type_name(expected))
    throw TokenError("expected a token of type " + std::string(type_name(expected)));
  auto role = parse_role(string_claim(claims, "role"));
  if (!role) throw TokenError("claim role names no role");
  return {uuid_claim(claims, "sub"),
          *role,
          expected,
          uuid_claim(claims, "jti"),
          number_claim(claims, "iat"),
          number_claim(claims, "exp")};
}

ExternalClaims verify_external_token(const ExternalSettings& settings, std::string_view token,
                                     Seconds now) {
  VerifyOptions options;
  options.now = now;
  options.leeway = settings.leeway;
  const auto claims = verify_hs256(token, settings.secret, options);
  ExternalClaims out{uuid_claim(claims, "sub"), {}, std::nullopt};
  if (auto it = claims.find("email"); it != claims.end() && it->value().is_string())
    out.email = it->value().get_string();
  const boost::json::value* node = nullptr;
  const boost::json::object* object = &claims;
  std::string_view path = settings.role_claim;
  while (object) {
    const auto dot = path.find('.');
    auto it = object->find(path.substr(0, dot));
    if (it == object->end()) break;
    if (dot == std::string_view::npos) {
      node = &it->value();
      break;
    }
    object = it->value().if_object();
    path.remove_prefix(dot + 1);
  }
  if (node && node->is_string()) out.role = std::string(node->get_string());
  return out;
}

Role external_role(const std::optional<Role>& assigned, const std::optional<std::string>& claimed) {
  if (assigned) return *assigned;
  if (claimed)
    if (auto role = parse_role(*claimed)) return *role;
  return Role::sales;
}

}  // namespace crmd::identity
