// AWS Signature Version 4 for S3, pure: the canonical request, the string
// to sign, the signing key and the signature of a request, both as an
// Authorization header and as a presigned URL's query (X-Amz-*). The caller
// gives the path already encoded as it is sent (uri_encode of each key) and
// the query decoded; the signer encodes the query itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmd::s3 {

using Param = std::pair<std::string, std::string>;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
  std::string service = "s3";
};

// SHA-256 of the empty payload, and the marker of a payload left unsigned.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept,
// everything else %XX in upper case; '/' kept when encode_slash is false
// (object keys in paths).
std::string uri_encode(std::string_view text, bool encode_slash = true);

// "20130524T000000Z".
std::string amz_date(std::chrono::system_clock::time_point when);
// The time of an amz_date, nullopt when the text is not one.
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text);

// What is signed of a request.
struct SignedRequest {
  std::string method;
  std::string path;            // encoded, as sent: "/bucket/some%20key"
  std::vector<Param> query;    // decoded names and values, any order
  std::vector<Param> headers;  // the headers to sign (any case, any order)
  std::string payload_hash;    // hex SHA-256 of the body, or kUnsignedPayload
};

std::string canonical_query(std::vector<Param> query);
// Names lower-cased and sorted, joined by ';'.
std::string signed_header_names(const std::vector<Param>& headers);
std::string canonical_request(const SignedRequest& request);
// "20130524/us-east-1/s3/aws4_request".
std::string credential_scope(const Credentials& credentials, std::string_view date);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
// Hex HMAC of string_to_sign under the key derived from the secret.
std::string signature(const Credentials& credentials, std::string_view amz_date,
                      std::string_view string_to_sign);

// The Authorization header of request made at amz_date (request.headers
// must hold host, x-amz-date and x-amz-content-sha256 among them).
std::string authorization(const Credentials& credentials, const SignedRequest& request,
                          std::string_view amz_date);

// The query string (encoded, ready after '?') of a presigned request: the
// request's own query plus X-Amz-Algorithm, -Credential, -Date, -Expires,
// -SignedHeaders (host only) and -Signature. host: "host[:port]" as sent.
std::string presigned_query(const Credentials& credentials, std::string method, std::string path,
                            std::vector<Param> query, std::string_view host,
                            std::string_view amz_date, std::chrono::seconds expires);

// The parts of an Authorization header of this algorithm.
struct AuthorizationParts {
  std::string access_key_id, date, region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
};
std::optional<AuthorizationParts> parse_authorization(std::string_view header);

}  // namespace crmd::s3
