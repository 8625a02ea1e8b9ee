#include <chrono>
#include <future>
#include <thread>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class JobsApiTest : public test::ApiTest {
 protected:
  JobsApiTest() {
    admin_id = std::string(json_of(send("GET", "/api/v2/auth/me")).at("id").as_string());
  }
  std::string add_job(const std::string& creator, const std::string& status = "running") {
    return test::db_query(
               "INSERT INTO jobs (kind, status, created_by) VALUES ('import_contacts', $1, $2)"
               " RETURNING id::text",
               pg::Params(status, Uuid::parse(creator)))
        .one()
        .get<std::string>(0);
  }
  std::int64_t version_of(const std::string& id) {
    return json_of(send("GET", "/api/v2/jobs/" + id)).at("version").as_int64();
  }
  // A sales user's bearer token.
  std::string sales_token() {
    const auto email = test::unique_name("sales") + "@crmd.test";
    send("POST", "/api/v2/users",
         boost::json::serialize(boost::json::object{
             {"email", email}, {"password", "sales-password-1"}, {"role", "sales"}}));
    auto login = send("POST", "/api/v2/auth/login",
                      boost::json::serialize(
                          boost::json::object{{"email", email}, {"password", "sales-password-1"}}));
    return std::string(json_of(login).at("access_token").as_string());
  }

  // A long poll of the job on a connection of its own, answered later.
  std::future<test::HttpResponse> wait_on(const std::string& id, std::int64_t version,
                                          std::unique_ptr<test::RawClient>& connection) {
    connection = std::make_unique<test::RawClient>(server.port());
    auto* raw = connection.get();
    return std::async(std::launch::async, [raw, id, version, auth = token] {
      return raw->request("GET",
                          "/api/v2/jobs/" + id + "?wait=60&version=" + std::to_string(version), "",
                          "Authorization: Bearer " + auth + "\r\n");
    });
  }
  void wait_until_parked(std::size_t n) {
    ASSERT_TRUE(test::eventually([&] { return server.app().job_watchers().parked() == n; }));
  }

  std::string admin_id;
};

TEST_F(JobsApiTest, ALongPollIsWokenByAChangeFromAnotherConnection) {
  const auto id = add_job(admin_id);
  const auto version = version_of(id);
  test::RawClient waiter(server.port());
  const auto started = std::chrono::steady_clock::now();
  auto answer = std::async(std::launch::async, [&] {
    return waiter.request("GET",
                          "/api/v2/jobs/" + id + "?wait=60&version=" + std::to_string(version), "",
                          "Authorization: Bearer " + token + "\r\n");
  });
  // Once the request is parked (not before: then its first read would see
  // the change), the job changes on another connection, as another process
  // would change it.
  wait_until_parked(1);
  test::db_query("UPDATE jobs SET processed = 42 WHERE id = $1", pg::Params(Uuid::parse(id)));
  const auto response = answer.get();
  ASSERT_EQ(response.result_int(), 200);
  const auto body = json_of(response);
  EXPECT_GT(body.at("version").as_int64(), version);
  EXPECT_EQ(body.at("progress").at("processed"), 42);
  // Woken, not timed out (the wait was 60 s).
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(response[boost::beast::http::field::cache_control], "no-store");
}

TEST_F(JobsApiTest, ARequestParkedOnADeletedJobAnswers404AtOnce) {
  const auto id = add_job(admin_id, "completed");
  const auto version = version_of(id);
  std::unique_ptr<test::RawClient> connection;
  const auto started = std::chrono::steady_clock::now();
  auto answer = wait_on(id, version, connection);
  wait_until_parked(1);
  // Deleted from another connection, as another process would delete it.
  test::db_query("DELETE FROM jobs WHERE id = $1", pg::Params(Uuid::parse(id)));
  const auto response = answer.get();
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));  // wait was 60
}

TEST_F(JobsApiTest, AnUnchangedJobAtTimeoutIs304WithItsETag) {
  const auto id = add_job(admin_id);
  const auto version = std::to_string(version_of(id));
  auto response = send("GET", "/api/v2/jobs/" + id + "?wait=1&version=" + version, "",
                       "If-None-Match: \"" + version + "\"\r\n");
  EXPECT_EQ(response.result_int(), 304);
  EXPECT_EQ(response[boost::beast::http::field::etag], "\"" + version + "\"");
  // A version already passed answers at once.
  EXPECT_EQ(send("GET", "/api/v2/jobs/" + id + "?wait=60&version=0").result_int(), 200);
  EXPECT_EQ(send("GET", "/api/v2/jobs/" + id + "?wait=61").result_int(), 422);
}

TEST_F(JobsApiTest, OthersJobsAre404AndListsShowOwnJobsOnly) {
  const auto id = add_job(admin_id);
  const auto admins = token;
  token = sales_token();
  EXPECT_EQ(send("GET", "/api/v2/jobs/" + id).result_int(), 404);
  EXPECT_EQ(send("POST", "/api/v2/jobs/" + id + "/cancel").result_int(), 404);
  EXPECT_TRUE(json_of(send("GET", "/api/v2/jobs")).at("results").as_array().empty());
  token = admins;
  EXPECT_EQ(send("GET", "/api/v2/jobs/" + id).result_int(), 200);
  EXPECT_FALSE(
      json_of(send("GET", "/api/v2/jobs?status=running")).at("results").as_array().empty());
}

TEST_F(JobsApiTest, CancelDeleteAndErrorPages) {
  const auto running = add_job(admin_id);
  EXPECT_EQ(send("DELETE", "/api/v2/jobs/" + running).result_int(), 409);
  auto cancelled = send("POST", "/api/v2/jobs/" + running + "/cancel");
  EXPECT_TRUE(json_of(cancelled).at("cancel_requested").as_bool());

  const auto pending = add_job(admin_id, "pending");
  EXPECT_EQ(json_of(send("POST", "/api/v2/jobs/" + pending + "/cancel")).at("status"), "cancelled");
  EXPECT_EQ(send("POST", "/api/v2/jobs/" + pending + "/cancel").result_int(), 409);
  for (int row = 1; row <= 3; ++row)
    test::db_query(
        "INSERT INTO job_errors (job_id, row_number, code, message)"
        " VALUES ($1, $2, 'invalid_value', 'bad')",
        pg::Params(Uuid::parse(pending), std::int64_t{row}));
  auto first = json_of(send("GET", "/api/v2/jobs/" + pending + "/errors?limit=2"));
  EXPECT_EQ(first.at("results").as_array().size(), 2u);
  auto second = json_of(send("GET", path_of(first.at("next"))));
  EXPECT_EQ(second.at("results").at(0).at("row"), 3);
  EXPECT_TRUE(second.at("next").is_null());
  auto back = json_of(send("GET", path_of(second.at("previous"))));
  ASSERT_EQ(back.at("results").as_array().size(), 2u);
  EXPECT_EQ(back.at("results").at(0).at("row"), 1);
  EXPECT_TRUE(back.at("previous").is_null());
  EXPECT_EQ(send("DELETE", "/api/v2/jobs/" + pending).result_int(), 204);
  EXPECT_EQ(send("GET", "/api/v2/jobs/" + pending).result_int(), 404);
  // Both are events of the log, under the caller's name.
  const auto events = test::db_query(
      "SELECT event_type FROM audit_logs WHERE entity_id = $1 AND actor_type = 'user' ORDER BY id",
      pg::Params(pending));
  ASSERT_EQ(events.rows(), 2);
  EXPECT_EQ(events[0].get<std::string>(0), "job.cancel_requested");
  EXPECT_EQ(events[1].get<std::string>(0), "job.deleted");
}

// A caller parks at most 20 requests; the next is told to come back.
TEST_F(JobsApiTest, WaitersPerCallerAreCapped) {
  const auto id = add_job(admin_id);
  const auto version = version_of(id);
  std::vector<std::unique_ptr<test::RawClient>> connections(20);
  std::vector<std::future<test::HttpResponse>> answers;
  for (auto& connection : connections) answers.push_back(wait_on(id, version, connection));
  wait_until_parked(20);
  auto refused = send("GET", "/api/v2/jobs/" + id + "?wait=60&version=" + std::to_string(version));
  EXPECT_EQ(refused.result_int(), 429);
  EXPECT_FALSE(refused[boost::beast::http::field::retry_after].empty());
  test::db_query("UPDATE jobs SET processed = 1 WHERE id = $1", pg::Params(Uuid::parse(id)));
  for (auto& answer : answers) EXPECT_EQ(answer.get().result_int(), 200);
}

// A lost LISTEN connection wakes every waiter to read again (notifications
// are not replayed); one whose job did not change parks again, and the next
// change still reaches it.
TEST_F(JobsApiTest, AWaiterOutlivesALostListenConnection) {
  const auto id = add_job(admin_id);
  const auto version = version_of(id);
  std::unique_ptr<test::RawClient> connection;
  auto answer = wait_on(id, version, connection);
  wait_until_parked(1);
  const std::string listener =
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'crmd' AND query LIKE 'LISTEN %'";
  // The server's one LISTEN connection (it may still be starting).
  const auto listening =
      [&](std::optional<std::int32_t> other_than) -> std::optional<std::int32_t> {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      const auto found = test::db_query(listener);
      if (found.rows() == 1 && found.one().get<std::int32_t>(0) != other_than)
        return found.one().get<std::int32_t>(0);
      std::this_thread::yield();
    }
    return std::nullopt;
  };
  const auto lost = listening(std::nullopt);
  ASSERT_TRUE(lost);
  test::db_query("SELECT pg_terminate_backend($1)", pg::Params(*lost));
  // Whatever the order of what follows (the listener back, the waiter's
  // read, this change), the answer shows the change.
  EXPECT_TRUE(listening(lost));
  test::db_query("UPDATE jobs SET processed = 7 WHERE id = $1", pg::Params(Uuid::parse(id)));
  const auto body = json_of(answer.get());
  EXPECT_EQ(body.at("progress").at("processed"), 7);
}

// At shutdown every parked request is answered with the job as it stands.
TEST_F(JobsApiTest, ShutdownAnswersParkedRequests) {
  const auto id = add_job(admin_id);
  const auto version = version_of(id);
  std::unique_ptr<test::RawClient> connection;
  auto answer = wait_on(id, version, connection);
  wait_until_parked(1);
  server.app().stop();
  const auto response = answer.get();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(json_of(response).at("version").as_int64(), version);
}

}  // namespace
}  // namespace crmd::http
