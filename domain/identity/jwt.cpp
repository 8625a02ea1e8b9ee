#include "domain/identity/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "domain/common/crypto.hpp"

namespace crmd::identity {
namespace {

// Far above any token crmd or an identity provider issues; bounds the work
// (decoding, parsing, HMAC) an unauthenticated client can ask for.
constexpr std::size_t kMaxTokenBytes = 8192;
constexpr std::size_t kSha256Bytes = 32;

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

boost::json::object decode_object(std::string_view part, const char* what) {
  auto text = base64url_decode(part);
  if (!text) throw TokenError(std::string(what) + " is not base64url");
  boost::system::error_code ec;
  auto value = boost::json::parse(*text, ec);
  if (ec) throw TokenError(std::string(what) + " is not JSON: " + ec.message());
  if (!value.is_object()) throw TokenError(std::string(what) + " is not a JSON object");
  return std::move(value.get_object());
}

// Clamped to the Seconds range so that huge values compare sanely instead of
// wrapping (a wrapped exp would look long expired, a wrapped nbf long valid).
std::optional<Seconds> time_claim(const boost::json::object& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  constexpr auto kMax = std::numeric_limits<Seconds>::max();
  constexpr auto kMin = std::numeric_limits<Seconds>::min();
  const auto& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64())
    return v.get_uint64() > static_cast<std::uint64_t>(kMax) ? kMax
                                                             : static_cast<Seconds>(v.get_uint64());
  if (v.is_double()) {
    const double d = std::floor(v.get_double());
    if (d >= 9.2e18) return kMax;
    if (d <= -9.2e18) return kMin;
    return static_cast<Seconds>(d);
  }
  throw TokenError("claim " + std::string(name) + " is not a number");
}

// now + leeway and now - leeway without overflow for extreme options.
Seconds add_saturating(Seconds a, Seconds b) {
  Seconds out = 0;
  if (__builtin_add_overflow(a, b, &out))
    return b > 0 ? std::numeric_limits<Seconds>::max() : std::numeric_limits<Seconds>::min();
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void check_header(const boost::json::object& header) {
  auto alg = header.find("alg");
  // Only the algorithm we sign with; never one the token asks for.
  if (alg == header.end()) throw TokenError("header has no alg");
  if (!alg->value().is_string() || alg->value().get_string() != "HS256")
    throw TokenError("algorithm is not HS256: " +
                     boost::json::serialize(alg->value()).substr(0, 40));
  if (auto typ = header.find("typ");
      typ != header.end() &&
      (!typ->value().is_string() || !iequals(typ->value().get_string(), "JWT")))
    throw TokenError("typ is not JWT");
  // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
  if (header.contains("crit")) throw TokenError("critical header parameters are not supported");
}

void check_times(const boost::json::object& claims, const VerifyOptions& options) {
  const Seconds past = add_saturating(options.now, -options.leeway);
  const Seconds future = add_saturating(options.now, options.leeway);
  const auto exp = time_claim(claims, "exp");
  if (!exp && options.require_exp) throw TokenError("no exp claim");
  // now >= exp + leeway, written so that it cannot overflow.
  if (exp && past >= *exp) throw TokenError("expired");
  if (auto nbf = time_claim(claims, "nbf"); nbf && *nbf > future) throw TokenError("not valid yet");
  if (auto iat = time_claim(claims, "iat"); iat && *iat > future)
    throw TokenError("issued in the future");
}

void check_issuer_audience(const boost::json::object& claims, const VerifyOptions& options) {
  if (options.issuer) {
    auto iss = claims.find("iss");
    if (iss == claims.end() || !iss->value().is_string() ||
        iss->value().get_string() != *options.issuer)
      throw TokenError("wrong or missing issuer");
  }
  if (options.audience) {
    bool found = false;
    if (auto aud = claims.find("aud"); aud != claims.end()) {
      if (const auto* one = aud->value().if_string()) found = *one == *options.audience;
      if (const auto* list = aud->value().if_array())
        for (const auto& item : *list)
          found = found || (item.is_string() && item.get_string() == *options.audience);
    }
    if (!found) throw TokenError("wrong or missing audience");
  }
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+')
      c = '-';
    else if (c == '/')
      c = '_';
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  // Strict: only the URL alphabet, no padding, no whitespace, and unused
  // trailing bits zero, so every byte string has exactly one encoding.
  if (text.size() % 4 == 1 || text.size() > std::numeric_limits<int>::max() / 2)
    return std::nullopt;
  for (char c : text)
    if (base64url_value(c) < 0) return std::nullopt;
  const std::size_t rest = text.size() % 4;
  if (rest != 0) {
    const int last = base64url_value(text.back());
    if ((rest == 2 && (last & 0x0F) != 0) || (rest == 3 && (last & 0x03) != 0)) return std::nullopt;
  }

  std::string standard(text);
  for (char& c : standard) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
  }
  const std::size_t padding = (4 - rest) % 4;
  standard.append(padding, '=');
  std::string out(standard.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(standard.data()),
                                static_cast<int>(standard.size()));
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
  // EVP_DecodeBlock decodes the padding as zero bytes and counts them.
  out.resize(out.size() - padding);
  return out;
}

std::string sign_hs256(const boost::json::object& claims, std::string_view secret) {
  const std::string signing_input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                                    base64url_encode(boost::json::serialize(claims));
  const auto mac = hmac_sha256(secret, signing_input);
  if (!mac) throw std::runtime_error("HMAC-SHA256 failed");
  return signing_input + "." + base64url_encode(*mac);
}

boost::json::object verify_hs256(std::string_view token, std::string_view secret,
                                 const VerifyOptions& options) {
  if (token.size() > kMaxTokenBytes) throw TokenError("token longer than 8 KiB");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    throw TokenError("not three dot-separated parts");

  check_header(decode_object(token.substr(0, first), "header"));

  // The signature is checked before the payload is even parsed.
  const auto signature = base64url_decode(token.substr(second + 1));
  if (!signature) throw TokenError("signature is not base64url");
  if (signature->size() != kSha256Bytes) throw TokenError("signature is not 32 bytes");
  const auto expected = hmac_sha256(secret, token.substr(0, second));
  if (!expected) throw TokenError("HMAC-SHA256 failed");
  if (CRYPTO_memcmp(signature->data(), expected->data(), kSha256Bytes) != 0)
    throw TokenError("signature does not match");

  auto claims = decode_object(token.substr(first + 1, second - first - 1), "payload");
  check_times(claims, options);
  check_issuer_audience(claims, options);
  return claims;
}

}  // namespace crmd::identity
