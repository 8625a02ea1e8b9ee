// The signer against the examples of AWS's S3 documentation ("Signature
// calculations for the Authorization header: transferring payload in a
// single chunk" and "Authenticating requests: using query parameters"),
// whose credentials are AKIAIOSFODNN7EXAMPLE and its example secret.
#include <gtest/gtest.h>

#include "domain/common/crypto.hpp"
#include "domain/s3/sigv4.hpp"

namespace crmd::s3 {
namespace {

const Credentials kAws{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                       "us-east-1"};
constexpr std::string_view kDate = "20130524T000000Z";
constexpr std::string_view kHost = "examplebucket.s3.amazonaws.com";

std::vector<Param> base_headers(std::string_view payload_hash) {
  return {{"Host", std::string(kHost)},
          {"x-amz-date", std::string(kDate)},
          {"x-amz-content-sha256", std::string(payload_hash)}};
}

TEST(S3Sigv4, GetObjectExample) {
  SignedRequest request{
      "GET", "/test.txt", {}, base_headers(kEmptyPayloadHash), std::string(kEmptyPayloadHash)};
  request.headers.emplace_back("Range", "bytes=0-9");
  EXPECT_EQ(canonical_request(request),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const auto scope = credential_scope(kAws, kDate);
  EXPECT_EQ(scope, "20130524/us-east-1/s3/aws4_request");
  const auto to_sign = string_to_sign(kDate, scope, canonical_request(request));
  EXPECT_EQ(to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(authorization(kAws, request, kDate),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(S3Sigv4, PutObjectExample) {
  const std::string body = "Welcome to Amazon S3.";
  const auto hash = sha256_hex(body);
  EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SignedRequest request{
      "PUT", "/" + uri_encode("test$file.text", false), {}, base_headers(hash), hash};
  EXPECT_EQ(request.path, "/test%24file.text");
  request.headers.emplace_back("Date", "Fri, 24 May 2013 00:00:00 GMT");
  request.headers.emplace_back("x-amz-storage-class", "REDUCED_REDUNDANCY");
  EXPECT_EQ(authorization(kAws, request, kDate),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
            "x-amz-storage-class,"
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(S3Sigv4, GetBucketLifecycleExample) {
  SignedRequest request{"GET",
                        "/",
                        {{"lifecycle", ""}},
                        base_headers(kEmptyPayloadHash),
                        std::string(kEmptyPayloadHash)};
  EXPECT_NE(canonical_request(request).find("\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_TRUE(authorization(kAws, request, kDate)
                  .ends_with("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0"
                             "136783543"));
}

TEST(S3Sigv4, ListObjectsExampleSortsTheQuery) {
  SignedRequest request{"GET",
                        "/",
                        {{"prefix", "J"}, {"max-keys", "2"}},
                        base_headers(kEmptyPayloadHash),
                        std::string(kEmptyPayloadHash)};
  EXPECT_EQ(canonical_query(request.query), "max-keys=2&prefix=J");
  EXPECT_TRUE(authorization(kAws, request, kDate)
                  .ends_with("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711"
                             "ef69dc6f7"));
}

TEST(S3Sigv4, PresignedUrlExample) {
  const auto query =
      presigned_query(kAws, "GET", "/test.txt", {}, kHost, kDate, std::chrono::hours(24));
  EXPECT_EQ(query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
            "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host&"
            "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(S3Sigv4, UriEncodeKeepsUnreservedAndSlashesOfKeys) {
  EXPECT_EQ(uri_encode("a b/c~d_e-f.g*h"), "a%20b%2Fc~d_e-f.g%2Ah");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b/c");
  EXPECT_EQ(uri_encode("\xc3\xa9+="), "%C3%A9%2B%3D");
}

TEST(S3Sigv4, HeadersAreTrimmedAndMerged) {
  SignedRequest request{"GET",
                        "/k",
                        {},
                        {{"X-Odd", "  a   b  "}, {"x-odd", "c"}, {"Host", "h"}},
                        std::string(kUnsignedPayload)};
  EXPECT_EQ(canonical_request(request),
            "GET\n/k\n\nhost:h\nx-odd:a b,c\n\nhost;x-odd\nUNSIGNED-PAYLOAD");
}

TEST(S3Sigv4, AmzDatesRoundTrip) {
  const auto when = parse_amz_date(kDate);
  ASSERT_TRUE(when);
  EXPECT_EQ(amz_date(*when), kDate);
  EXPECT_FALSE(parse_amz_date("2013-05-24T00:00:00Z"));
  EXPECT_FALSE(parse_amz_date("20130524T000000"));
}

TEST(S3Sigv4, ParsesAnAuthorizationHeader) {
  const auto parts = parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-date,Signature=abc");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->access_key_id, "AKID");
  EXPECT_EQ(parts->date, "20130524");
  EXPECT_EQ(parts->region, "us-east-1");
  EXPECT_EQ(parts->service, "s3");
  EXPECT_EQ(parts->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(parts->signature, "abc");
  EXPECT_FALSE(parse_authorization("AWS AKID:sig"));
  EXPECT_FALSE(
      parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3,"
                          "SignedHeaders=host,Signature=abc"));
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host,Signature=abc"));
}

}  // namespace
}  // namespace crmd::s3
