// The retry policy shared by every outside service: verdicts, Retry-After
// and backoff.
#include "storage/web/retry_policy.hpp"

#include <gtest/gtest.h>

#include "storage/web/outbound_errors.hpp"

namespace crmd::web {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

HttpResponse answer(unsigned status, std::string body = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Error failure(std::string_view code) {
  return Error(ErrorKind::unavailable, std::string(code), "detail");
}

// Always the top of the range, or always its bottom.
const UniformRandom highest = [](std::uint32_t upper) { return upper - 1; };
const UniformRandom lowest = [](std::uint32_t) { return 0u; };

TEST(RetryPolicyTest, ClassifiesAnswersByStatus) {
  const RetryPolicy policy;
  EXPECT_EQ(classify(policy, answer(200)), Verdict::success);
  EXPECT_EQ(classify(policy, answer(204)), Verdict::success);
  EXPECT_EQ(classify(policy, answer(304)), Verdict::success);
  EXPECT_EQ(classify(policy, answer(401)), Verdict::needs_reauth);
  EXPECT_EQ(classify(policy, answer(408)), Verdict::retryable);
  EXPECT_EQ(classify(policy, answer(429)), Verdict::retryable);
  EXPECT_EQ(classify(policy, answer(500)), Verdict::retryable);
  EXPECT_EQ(classify(policy, answer(503)), Verdict::retryable);
  EXPECT_EQ(classify(policy, answer(400)), Verdict::permanent);
  EXPECT_EQ(classify(policy, answer(403)), Verdict::permanent);
  EXPECT_EQ(classify(policy, answer(404)), Verdict::permanent);
  EXPECT_EQ(classify(policy, answer(422)), Verdict::permanent);
}

TEST(RetryPolicyTest, AServiceClassifierIsAskedFirst) {
  RetryPolicy google;
  google.classify_answer = [](const HttpResponse& r) -> std::optional<Verdict> {
    if (r.status == 403 && r.body.find("rateLimitExceeded") != std::string::npos)
      return Verdict::retryable;
    return std::nullopt;
  };
  EXPECT_EQ(
      classify(google, answer(403, R"({"error":{"errors":[{"reason":"rateLimitExceeded"}]}})")),
      Verdict::retryable);
  EXPECT_EQ(classify(google, answer(403, R"({"error":{"errors":[{"reason":"forbidden"}]}})")),
            Verdict::permanent);
  EXPECT_EQ(classify(google, answer(503)), Verdict::retryable);
}

TEST(RetryPolicyTest, ClassifiesTransportFailures) {
  EXPECT_EQ(classify_failure(failure(errc::timeout)), Verdict::retryable);
  EXPECT_EQ(classify_failure(failure(errc::connect_failed)), Verdict::retryable);
  EXPECT_EQ(classify_failure(failure(errc::connection_lost)), Verdict::retryable);
  EXPECT_EQ(classify_failure(failure(errc::tls_failed)), Verdict::permanent);
  EXPECT_EQ(classify_failure(failure(errc::response_too_large)), Verdict::permanent);
  EXPECT_EQ(classify_failure(failure(errc::address_not_allowed)), Verdict::permanent);
  EXPECT_EQ(classify_failure(failure(errc::cancelled)), Verdict::permanent);
}

TEST(RetryPolicyTest, ParsesRetryAfterSecondsAndDates) {
  const auto now =
      std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now), milliseconds(60000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), milliseconds(0));  // past
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  // More digits than fit is still a (long, bounded) wait.
  EXPECT_GT(*parse_retry_after("99999999999999999999999", now), milliseconds(86400000));
}

TEST(RetryPolicyTest, BackoffIsFullJitterUnderADoublingCeiling) {
  RetryPolicy policy;
  policy.base_delay = 100ms;
  policy.max_delay = 1000ms;
  EXPECT_EQ(backoff_delay(policy, 1, std::nullopt, highest), 100ms);
  EXPECT_EQ(backoff_delay(policy, 2, std::nullopt, highest), 200ms);
  EXPECT_EQ(backoff_delay(policy, 3, std::nullopt, highest), 400ms);
  EXPECT_EQ(backoff_delay(policy, 4, std::nullopt, highest), 800ms);
  EXPECT_EQ(backoff_delay(policy, 5, std::nullopt, highest), 1000ms);  // truncated
  EXPECT_EQ(backoff_delay(policy, 1000, std::nullopt, highest), 1000ms);
  EXPECT_EQ(backoff_delay(policy, 3, std::nullopt, lowest), 0ms);
}

TEST(RetryPolicyTest, RetryAfterIsHonouredUpToTheCap) {
  RetryPolicy policy;
  policy.max_delay = 5000ms;
  EXPECT_EQ(backoff_delay(policy, 1, milliseconds(2000), lowest), 2000ms);
  EXPECT_EQ(backoff_delay(policy, 1, milliseconds(60000), lowest), 5000ms);
}

TEST(RetryPolicyTest, SodiumDrawsStayInRange) {
  const auto uniform = sodium_uniform();
  for (int i = 0; i < 1000; ++i) EXPECT_LT(uniform(7), 7u);
}

}  // namespace
}  // namespace crmd::web
