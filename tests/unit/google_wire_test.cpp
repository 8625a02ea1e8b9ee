// Google's wire format: q-string literals, the error envelope, upload
// ranges, form encoding, and the retry verdicts of Google's answers.
#include <gtest/gtest.h>

#include "storage/google/drive.hpp"
#include "storage/google/wire.hpp"

namespace crmd::google {
namespace {

web::HttpResponse answer(unsigned status, std::string body = "") {
  web::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string envelope(unsigned code, const std::string& reason) {
  return R"({"error":{"code":)" + std::to_string(code) +
         R"(,"message":"m","errors":[{"domain":"usageLimits","reason":")" + reason +
         R"(","message":"m"}]}})";
}

TEST(GoogleWireTest, QueryLiteralsEscapeQuotesAndBackslashes) {
  EXPECT_EQ(drive_query_literal("Deals"), "'Deals'");
  EXPECT_EQ(drive_query_literal("Valentine's Day"), R"('Valentine\'s Day')");
  EXPECT_EQ(drive_query_literal(R"(a\b)"), R"('a\\b')");
  EXPECT_EQ(drive_query_literal(R"(\')"), R"('\\\'')");
  EXPECT_EQ(drive_query_literal(""), "''");
}

TEST(GoogleWireTest, TheErrorReasonComesFromTheFirstErrorThenTheStatus) {
  EXPECT_EQ(google_error_reason(envelope(403, "userRateLimitExceeded")), "userRateLimitExceeded");
  EXPECT_EQ(google_error_reason(R"({"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}})"),
            "RESOURCE_EXHAUSTED");
  EXPECT_EQ(
      google_error_reason(R"({"error":{"code":403,"errors":[],"status":"PERMISSION_DENIED"}})"),
      "PERMISSION_DENIED");
  EXPECT_EQ(google_error_reason(R"({"error":"invalid_grant","error_description":"x"})"),
            "invalid_grant");
  EXPECT_EQ(google_error_reason(R"({"error":{"code":500}})"), std::nullopt);
  EXPECT_EQ(google_error_reason("<html>Bad gateway</html>"), std::nullopt);
  EXPECT_EQ(google_error_reason(""), std::nullopt);
}

TEST(GoogleWireTest, RateLimitForbiddensAreRetriedOtherForbiddensAreNot) {
  const auto policy = google_retry_policy();
  EXPECT_EQ(web::classify(policy, answer(403, envelope(403, "rateLimitExceeded"))),
            web::Verdict::retryable);
  EXPECT_EQ(web::classify(policy, answer(403, envelope(403, "userRateLimitExceeded"))),
            web::Verdict::retryable);
  EXPECT_EQ(web::classify(policy, answer(403, envelope(403, "insufficientPermissions"))),
            web::Verdict::permanent);
  EXPECT_EQ(web::classify(policy, answer(403)), web::Verdict::permanent);
  EXPECT_EQ(web::classify(policy, answer(429)), web::Verdict::retryable);
  EXPECT_EQ(web::classify(policy, answer(503)), web::Verdict::retryable);
  EXPECT_EQ(web::classify(policy, answer(401)), web::Verdict::needs_reauth);
  EXPECT_EQ(web::classify(policy, answer(404)), web::Verdict::permanent);
  EXPECT_EQ(web::classify(policy, answer(308)), web::Verdict::success);
}

TEST(GoogleWireTest, UploadRangesGiveTheirUpperBound) {
  EXPECT_EQ(parse_range_end("bytes=0-262143"), 262143u);
  EXPECT_EQ(parse_range_end("bytes=0-0"), 0u);
  EXPECT_EQ(parse_range_end("bytes=1-5"), std::nullopt);
  EXPECT_EQ(parse_range_end("bytes=0-"), std::nullopt);
  EXPECT_EQ(parse_range_end("bytes=0-12x"), std::nullopt);
}

TEST(GoogleWireTest, FormValuesArePercentEncoded) {
  EXPECT_EQ(form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                         {"refresh_token", "1//a+b c&d=e"}}),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&"
            "refresh_token=1%2F%2Fa%2Bb%20c%26d%3De");
  EXPECT_EQ(percent_encode("A-z_0.9~"), "A-z_0.9~");
  EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");
}

TEST(GoogleWireTest, AFileResourceIsRead) {
  const auto file = drive_object_of(
      R"({"id":"1a","name":"n.pdf","mimeType":"application/pdf","parents":["p"],"trashed":true,"size":"123","md5Checksum":"abc"})");
  EXPECT_EQ(file.id, "1a");
  EXPECT_EQ(file.name, "n.pdf");
  EXPECT_EQ(file.parents, std::vector<std::string>{"p"});
  EXPECT_TRUE(file.trashed);
  EXPECT_EQ(file.size, 123u);
  EXPECT_EQ(file.md5, "abc");
  EXPECT_FALSE(file.is_folder());
  const auto folder =
      drive_object_of(R"({"id":"f","name":"D","mimeType":"application/vnd.google-apps.folder"})");
  EXPECT_TRUE(folder.is_folder());
  EXPECT_FALSE(folder.size);
  EXPECT_THROW(drive_object_of(R"({"name":"no id"})"), Error);
}

}  // namespace
}  // namespace crmd::google
