// Idempotency-Key is atomic with the write it guards: the claim, the write
// and the stored answer commit together or not at all.
#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class IdempotencyAtomicTest : public test::ApiTest {};

TEST_F(IdempotencyAtomicTest, AFailureToStoreTheAnswerLeavesNothingAndTheRetryRuns) {
  const auto key = test::unique_name("atomic");
  const auto email = key + "@example.com";
  const auto function = "fail_" + std::to_string(std::hash<std::string>{}(key) % 1000000);
  // Storing the answer (the UPDATE that sets status) fails for this key.
  test::db_query("CREATE FUNCTION " + function +
                 "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                 " RAISE EXCEPTION 'storing the answer failed' USING ERRCODE = '40001'; END $$");
  test::db_query("CREATE TRIGGER " + function +
                 " BEFORE UPDATE ON idempotency_keys FOR EACH ROW WHEN (NEW.key = '" + key +
                 "' AND NEW.status IS NOT NULL) EXECUTE FUNCTION " + function + "()");
  const auto body = R"({"first_name":"Once","email":")" + email + R"("})";
  const auto headers = "Idempotency-Key: " + key + "\r\n";
  auto failed = send("POST", "/api/v2/contacts", body, headers);
  EXPECT_EQ(failed.result_int(), 503) << failed.body();
  auto count = [&] {
    return test::db_query("SELECT count(*) FROM contacts WHERE email = $1", pg::Params(email))
        .one()
        .get<std::int64_t>(0);
  };
  EXPECT_EQ(count(), 0);  // the contact went with the answer

  test::db_query("DROP TRIGGER " + function + " ON idempotency_keys");
  test::db_query("DROP FUNCTION " + function + "()");
  auto retried = send("POST", "/api/v2/contacts", body, headers);
  ASSERT_EQ(retried.result_int(), 201) << retried.body();
  auto replayed = send("POST", "/api/v2/contacts", body, headers);
  EXPECT_EQ(replayed.result_int(), 201);
  EXPECT_EQ(replayed["Idempotent-Replayed"], "true");
  EXPECT_EQ(json_of(replayed).at("id"), json_of(retried).at("id"));
  EXPECT_EQ(count(), 1);
}

}  // namespace
}  // namespace crmd::http
