#include <gtest/gtest.h>

#include <atomic>

#include "server/http/json.hpp"
#include "support/test_support.hpp"

namespace crmd::http {
namespace {

namespace asio = boost::asio;
using beast_http::verb;
using test::json_of;
using test::RawClient;
using test::RunningServer;

// A creating route that counts how often its handler really ran.
struct Counter {
  std::atomic<int> runs{0};
  void add(server::App& app) {
    app.router().add(verb::post, "/test/create", Access::public_,
                     [this](Request& request) -> asio::awaitable<Response> {
                       const int run = ++runs;
                       auto response = json_response(request, beast_http::status::created,
                                                     boost::json::object{{"run", run}});
                       response.set(beast_http::field::location,
                                    "/test/create/" + std::to_string(run));
                       co_return response;
                     },
                     {.idempotent_create = true});
  }
};

class IdempotencyTest : public ::testing::Test {
 protected:
  IdempotencyTest()
      : server([this](server::App& app) { counter.add(app); }), client(server.port()) {}

  test::HttpResponse create(const std::string& body, const std::string& key) {
    const auto header = key.empty() ? std::string() : "Idempotency-Key: " + key + "\r\n";
    return client.request("POST", "/test/create", body,
                          "Content-Type: application/json\r\n" + header);
  }

  Counter counter;
  RunningServer server;
  RawClient client;
};

TEST_F(IdempotencyTest, ARetryGetsTheFirstAnswerWithoutRunningAgain) {
  const auto key = test::unique_name("key");
  auto first = create(R"({"a":1})", key);
  auto retry = create(R"({"a":1})", key);
  EXPECT_EQ(first.result_int(), 201);
  EXPECT_EQ(retry.result_int(), 201);
  EXPECT_EQ(retry.body(), first.body());
  EXPECT_EQ(retry[beast_http::field::location], first[beast_http::field::location]);
  EXPECT_EQ(retry["Idempotent-Replayed"], "true");
  EXPECT_EQ(counter.runs.load(), 1);
}

TEST_F(IdempotencyTest, TheSameKeyWithAnotherBodyIs422) {
  const auto key = test::unique_name("key");
  EXPECT_EQ(create(R"({"a":1})", key).result_int(), 201);
  auto other = create(R"({"a":2})", key);
  EXPECT_EQ(other.result_int(), 422);
  EXPECT_EQ(json_of(other).at("error_code"), "idempotency_key_reused");
  EXPECT_EQ(counter.runs.load(), 1);
}

TEST_F(IdempotencyTest, WithoutAKeyOrWithANewKeyEveryRequestRuns) {
  create(R"({"a":1})", "");
  create(R"({"a":1})", "");
  create(R"({"a":1})", test::unique_name("key"));
  EXPECT_EQ(counter.runs.load(), 3);
}

TEST_F(IdempotencyTest, KeysArePerCaller) {
  const auto key = test::unique_name("key");
  test::db_query(
      "INSERT INTO idempotency_keys (caller, key, request_hash, status, response_body,"
      " expires_at) VALUES ('user:someone-else', $1, 'x', 201, '{}', now() + interval '1 hour')",
      pg::Params(key));
  EXPECT_EQ(create(R"({"a":1})", key).result_int(), 201);
  EXPECT_EQ(counter.runs.load(), 1);
}

TEST_F(IdempotencyTest, ExpiredKeysAreTakenOver) {
  const auto key = test::unique_name("key");
  create(R"({"a":1})", key);
  test::db_query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      pg::Params(key));
  EXPECT_EQ(json_of(create(R"({"a":1})", key)).at("run"), 2);
}

TEST_F(IdempotencyTest, PruningDeletesOnlyExpiredAnswers) {
  const auto fresh = test::unique_name("key"), old = test::unique_name("key");
  create(R"({"a":1})", fresh);
  create(R"({"a":1})", old);
  test::db_query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      pg::Params(old));
  storage::IdempotencyStore store(server.app().db());
  test::IoThreads io;
  EXPECT_GE(io.run(store.prune()), 1);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM idempotency_keys WHERE key IN ($1, $2)",
                           pg::Params(fresh, old))
                .one()
                .get<std::int64_t>(0),
            1);
}

TEST_F(IdempotencyTest, MalformedKeysAre400) {
  EXPECT_EQ(create("{}", std::string(300, 'k')).result_int(), 400);
}

}  // namespace
}  // namespace crmd::http
