#include "domain/s3/sigv4.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "domain/common/crypto.hpp"

namespace crmd::s3 {
namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Leading and trailing spaces gone, inner runs of spaces made one.
std::string trimmed(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  auto mac = hmac_sha256(key, data);
  if (!mac) throw std::runtime_error("HMAC-SHA256 is not available");
  return std::move(*mac);
}

}  // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (c == '/' && !encode_slash)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (std::size_t i = 0; i < 15; ++i)
    if (i != 8 && (text[i] < '0' || text[i] > '9')) return std::nullopt;
  const auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string canonical_query(std::vector<Param> query) {
  for (auto& [name, value] : query) {
    name = uri_encode(name);
    value = uri_encode(value);
  }
  std::sort(query.begin(), query.end());
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

namespace {

std::vector<Param> canonical_headers(const std::vector<Param>& headers) {
  std::vector<Param> out;
  for (const auto& [name, value] : headers) out.emplace_back(lower(name), trimmed(value));
  std::stable_sort(out.begin(), out.end(),
                   [](const Param& a, const Param& b) { return a.first < b.first; });
  // A header given twice signs as one line, its values joined by commas.
  std::vector<Param> merged;
  for (auto& header : out) {
    if (!merged.empty() && merged.back().first == header.first)
      merged.back().second += "," + header.second;
    else
      merged.push_back(std::move(header));
  }
  return merged;
}

}  // namespace

std::string signed_header_names(const std::vector<Param>& headers) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(headers)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const SignedRequest& request) {
  std::string out = request.method + "\n" + (request.path.empty() ? "/" : request.path) + "\n" +
                    canonical_query(request.query) + "\n";
  for (const auto& [name, value] : canonical_headers(request.headers))
    out += name + ":" + value + "\n";
  out += "\n" + signed_header_names(request.headers) + "\n" + request.payload_hash;
  return out;
}

std::string credential_scope(const Credentials& credentials, std::string_view date) {
  return std::string(date.substr(0, 8)) + "/" + credentials.region + "/" + credentials.service +
         "/aws4_request";
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         sha256_hex(canonical_request);
}

std::string signature(const Credentials& credentials, std::string_view amz_date,
                      std::string_view string_to_sign) {
  const auto date_key = hmac("AWS4" + credentials.secret_access_key, amz_date.substr(0, 8));
  const auto region_key = hmac(date_key, credentials.region);
  const auto service_key = hmac(region_key, credentials.service);
  const auto signing_key = hmac(service_key, "aws4_request");
  return hex(hmac(signing_key, string_to_sign));
}

std::string authorization(const Credentials& credentials, const SignedRequest& request,
                          std::string_view amz_date) {
  const auto scope = credential_scope(credentials, amz_date);
  const auto to_sign = string_to_sign(amz_date, scope, canonical_request(request));
  return std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
         ",SignedHeaders=" + signed_header_names(request.headers) +
         ",Signature=" + signature(credentials, amz_date, to_sign);
}

std::string presigned_query(const Credentials& credentials, std::string method, std::string path,
                            std::vector<Param> query, std::string_view host,
                            std::string_view amz_date, std::chrono::seconds expires) {
  const auto scope = credential_scope(credentials, amz_date);
  query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  query.emplace_back("X-Amz-Date", std::string(amz_date));
  query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  query.emplace_back("X-Amz-SignedHeaders", "host");
  SignedRequest request{std::move(method),
                        std::move(path),
                        query,
                        {{"host", std::string(host)}},
                        std::string(kUnsignedPayload)};
  const auto to_sign = string_to_sign(amz_date, scope, canonical_request(request));
  return canonical_query(std::move(query)) +
         "&X-Amz-Signature=" + signature(credentials, amz_date, to_sign);
}

std::optional<AuthorizationParts> parse_authorization(std::string_view header) {
  if (!header.starts_with(kAlgorithm) || header.size() == kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ')
    return std::nullopt;
  header.remove_prefix(kAlgorithm.size() + 1);
  AuthorizationParts parts;
  std::optional<std::string> credential, signed_headers;
  while (!header.empty()) {
    while (!header.empty() && (header.front() == ' ' || header.front() == ','))
      header.remove_prefix(1);
    const auto end = std::min(header.find(','), header.size());
    const auto item = header.substr(0, end);
    header.remove_prefix(end);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      if (item.empty()) continue;
      return std::nullopt;
    }
    const auto name = item.substr(0, eq);
    const auto value = std::string(item.substr(eq + 1));
    if (name == "Credential")
      credential = value;
    else if (name == "SignedHeaders")
      signed_headers = value;
    else if (name == "Signature")
      parts.signature = value;
  }
  if (!credential || !signed_headers || parts.signature.empty()) return std::nullopt;
  std::vector<std::string> scope;
  std::string_view rest = *credential;
  while (true) {
    const auto slash = rest.find('/');
    scope.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (scope.size() != 5 || scope[4] != "aws4_request") return std::nullopt;
  parts.access_key_id = scope[0];
  parts.date = scope[1];
  parts.region = scope[2];
  parts.service = scope[3];
  std::string_view names = *signed_headers;
  while (!names.empty()) {
    const auto semi = std::min(names.find(';'), names.size());
    parts.signed_headers.emplace_back(names.substr(0, semi));
    names.remove_prefix(std::min(semi + 1, names.size()));
  }
  return parts;
}

}  // namespace crmd::s3
