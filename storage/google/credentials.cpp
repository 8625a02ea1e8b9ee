#include "storage/google/credentials.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <memory>
#include <stdexcept>

#include "domain/identity/jwt.hpp"

namespace crmd::google {

namespace {

namespace json = boost::json;

std::string text_field(const json::object& file, std::string_view name, std::string_view kind,
                       bool required = true) {
  const auto* value = file.if_contains(name);
  if (!value || !value->is_string() || value->get_string().empty()) {
    if (!required) return "";
    throw std::runtime_error("the Google " + std::string(kind) + " file has no \"" +
                             std::string(name) + "\"");
  }
  return std::string(value->get_string());
}

std::string signature_input(const ServiceAccount& account, std::string_view scope,
                            std::chrono::system_clock::time_point now) {
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  json::object claims;
  claims["iss"] = account.client_email;
  claims["scope"] = scope;
  claims["aud"] = account.token_uri;
  claims["iat"] = iat;
  claims["exp"] = iat + 3600;
  if (account.subject) claims["sub"] = *account.subject;
  return identity::base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." +
         identity::base64url_encode(json::serialize(claims));
}

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::unique_ptr<EVP_PKEY, KeyFree> rsa_key(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::runtime_error("out of memory reading the service account's key");
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw std::runtime_error("the service account's private_key is not a PEM private key");
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)
    throw std::runtime_error("the service account's private_key is not an RSA key");
  return key;
}

}  // namespace

Credentials parse_credentials(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object())
    throw std::runtime_error("the Google credentials are not a JSON object");
  const json::object& file = value.get_object();
  const auto* type = file.if_contains("type");
  const std::string_view kind =
      type && type->is_string() ? std::string_view(type->get_string()) : std::string_view();
  if (kind == "service_account") {
    ServiceAccount account;
    account.client_email = text_field(file, "client_email", kind);
    account.private_key_pem = text_field(file, "private_key", kind);
    account.token_uri = text_field(file, "token_uri", kind, false);
    if (account.token_uri.empty()) account.token_uri = default_token_uri;
    return account;
  }
  if (kind == "authorized_user") {
    RefreshTokenCredentials user;
    user.client_id = text_field(file, "client_id", kind);
    user.client_secret = text_field(file, "client_secret", kind);
    user.refresh_token = text_field(file, "refresh_token", kind);
    user.token_uri = text_field(file, "token_uri", kind, false);
    if (user.token_uri.empty()) user.token_uri = default_token_uri;
    return user;
  }
  throw std::runtime_error(
      "the Google credentials are neither a service account key (\"type\":\"service_account\") "
      "nor an authorized user (\"type\":\"authorized_user\")");
}

std::string jwt_assertion(const ServiceAccount& account, std::string_view scope,
                          std::chrono::system_clock::time_point now) {
  const auto key = rsa_key(account.private_key_pem);
  const std::string input = signature_input(account, scope, now);
  std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) != 1)
    throw std::runtime_error("the service account's JWT could not be signed");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                     input.size()) != 1)
    throw std::runtime_error("the service account's JWT could not be signed");
  signature.resize(length);
  return input + "." + identity::base64url_encode(signature);
}

}  // namespace crmd::google
