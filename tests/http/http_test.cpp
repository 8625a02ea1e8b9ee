#include <gtest/gtest.h>

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <future>

#include "server/http/json.hpp"
#include "storage/pg/error.hpp"
#include "support/test_support.hpp"

namespace crmd::http {
namespace {

namespace asio = boost::asio;
using beast_http::verb;
using test::json_of;
using test::RawClient;
using test::RunningServer;
using Gate = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

void add_echo_route(server::App& app) {
  app.router().add(
      verb::post, "/test/echo", Access::public_, [](Request& request) -> asio::awaitable<Response> {
        co_return json_response(request, beast_http::status::ok, parse_json_body(request));
      });
}

TEST(Http, HealthAndReadyAnswerJson) {
  RunningServer server;
  RawClient client(server.port());
  auto health = client.request("GET", "/health");
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_EQ(json_of(health).at("status"), "ok");
  auto ready = client.request("GET", "/ready");
  EXPECT_EQ(ready.result_int(), 200);
  EXPECT_EQ(json_of(ready).at("status"), "ready");
}

TEST(Http, KeepAliveServesManyRequestsOnOneConnection) {
  RunningServer server;
  RawClient client(server.port());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.request("GET", "/health").result_int(), 200);
  // Pipelined requests written at once are answered in order.
  client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(client.read().result_int(), 200);
  EXPECT_EQ(client.read().result_int(), 404);
  auto last = client.request("GET", "/health", "", "Connection: close\r\n");
  EXPECT_EQ(last.result_int(), 200);
  EXPECT_TRUE(client.closed_by_server());
}

// An idle connection reads a request's first bytes into a few bytes of its
// own before it takes a read buffer (server.cpp): a request that comes in
// pieces after such a read, or after an answer whose buffer was given back,
// is still read whole.
TEST(Http, ARequestInPiecesAfterAnIdleWaitIsServed) {
  RunningServer server;
  RawClient client(server.port());
  const auto& http_server = server.app().http_server();
  EXPECT_EQ(client.request("GET", "/health").result_int(), 200);
  const auto reads = http_server.idle_reads();
  // The server is back in its idle wait: the first piece is read alone,
  // into a buffer made for it, and the rest of the request follows it.
  client.send("GET /hea");
  ASSERT_TRUE(test::eventually([&] { return http_server.idle_reads() > reads; }));
  client.send("lth HTTP/1.1\r\nHost: t\r\n");
  client.send("\r\n");
  EXPECT_EQ(client.read().result_int(), 200);
  EXPECT_EQ(client.request("GET", "/ready").result_int(), 200);
}

// A request longer than the idle read's few bytes, sent at once or with a
// first piece longer than them, is read whole: the rest follows what was
// copied from them.
TEST(Http, ARequestLongerThanTheIdleReadIsServed) {
  RunningServer server;
  RawClient client(server.port());
  const std::string padding(3000, 'p');
  const std::string request =
      "GET /health HTTP/1.1\r\nHost: t\r\nX-Padding: " + padding + "\r\n\r\n";
  client.send(request);
  EXPECT_EQ(client.read().result_int(), 200);
  const auto& http_server = server.app().http_server();
  const auto reads = http_server.idle_reads();
  client.send(request.substr(0, 1000));
  ASSERT_TRUE(test::eventually([&] { return http_server.idle_reads() > reads; }));
  client.send(request.substr(1000));
  EXPECT_EQ(client.read().result_int(), 200);
}

TEST(Http, UnknownRouteIs404WithTheErrorShapeAndRequestId) {
  RunningServer server;
  RawClient client(server.port());
  auto response = client.request("GET", "/api/v2/nothing", "", "X-Request-Id: trace-123\r\n");
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_EQ(response["X-Request-Id"], "trace-123");
  auto body = json_of(response);
  EXPECT_EQ(body.at("error_code"), "not_found");
  EXPECT_TRUE(body.contains("detail"));
  EXPECT_EQ(body.at("request_id"), "trace-123");
}

TEST(Http, AnUnsafeRequestIdIsReplaced) {
  RunningServer server;
  RawClient client(server.port());
  auto response = client.request("GET", "/health", "", "X-Request-Id: a b\"c\r\n");
  EXPECT_NE(response["X-Request-Id"], "a b\"c");
  EXPECT_EQ(response["X-Request-Id"].size(), 36u);
}

TEST(Http, WrongMethodIs405WithAllow) {
  RunningServer server;
  RawClient client(server.port());
  auto response = client.request("DELETE", "/health");
  EXPECT_EQ(response.result_int(), 405);
  EXPECT_EQ(response[beast_http::field::allow], "GET");
}

TEST(Http, MalformedJsonIs400AndWrongTypeIs415) {
  RunningServer server(add_echo_route);
  RawClient client(server.port());
  auto bad = client.request("POST", "/test/echo", "{\"a\":", "Content-Type: application/json\r\n");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(json_of(bad).at("error_code"), "malformed_json");
  auto type = client.request("POST", "/test/echo", "a=1", "Content-Type: text/plain\r\n");
  EXPECT_EQ(type.result_int(), 415);
  auto good =
      client.request("POST", "/test/echo", "{\"a\":1}", "Content-Type: application/json\r\n");
  EXPECT_EQ(good.result_int(), 200);
  EXPECT_EQ(json_of(good).at("a"), 1);
}

config::Config small_limits() {
  auto config = test::test_config();
  config.max_body_bytes = 1024;
  config.max_header_bytes = 2048;
  config.header_timeout = std::chrono::milliseconds(200);
  config.body_timeout = std::chrono::milliseconds(200);
  return config;
}

TEST(Http, BodyOverTheLimitIs413AndClosesTheConnection) {
  RunningServer server(add_echo_route, small_limits());
  RawClient client(server.port());
  client.send(
      "POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 4096\r\n\r\n");
  auto response = client.read();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(json_of(response).at("error_code"), "payload_too_large");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Http, BodiesInFlightShareOneMemoryBudget) {
  auto config = test::test_config();
  config.max_body_bytes = 4096;
  config.max_inflight_body_bytes = 6000;
  RunningServer server(add_echo_route, config);
  // A slow client holds 4000 bytes of the budget while it sends its body.
  RawClient slow(server.port());
  slow.send(
      "POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 4000\r\n\r\n[");
  const std::string body = "[" + std::string(3998, ' ') + "]";
  // Its reservation first: a body sent before it would take the budget and
  // the slow one be refused instead.
  ASSERT_TRUE(
      test::eventually([&] { return server.app().http_server().inflight_body_bytes() == 4000; }));
  test::HttpResponse refused;
  // While it holds, another body of 4000 bytes does not fit.
  ASSERT_TRUE(test::eventually([&] {
    RawClient other(server.port());
    refused = other.request("POST", "/test/echo", body, "Content-Type: application/json\r\n");
    return refused.result_int() == 503;
  }));
  EXPECT_EQ(json_of(refused).at("error_code"), "server_busy");
  EXPECT_FALSE(refused[boost::beast::http::field::retry_after].empty());
  slow.send(std::string(3998, ' ') + "]");
  EXPECT_EQ(slow.read().result_int(), 200);
  // Given back: the same body fits again.
  RawClient after(server.port());
  EXPECT_EQ(
      after.request("POST", "/test/echo", body, "Content-Type: application/json\r\n").result_int(),
      200);
}

TEST(Http, ADeadlockIsRetriedOnceBeforeA503) {
  std::atomic<int> runs{0};
  RunningServer server([&](server::App& app) {
    app.router().add(beast_http::verb::post, "/test/deadlock/{times}", http::Access::public_,
                     [&runs](http::Request& request) -> boost::asio::awaitable<http::Response> {
                       const int run = ++runs;
                       if (run <= std::stoi(request.path_param("times")))
                         throw pg::Error(pg::ErrorKind::server, "deadlock detected", "40P01");
                       co_return http::no_content(request);
                     });
  });
  RawClient client(server.port());
  EXPECT_EQ(client.request("POST", "/test/deadlock/1").result_int(), 204);
  EXPECT_EQ(runs.load(), 2);
  runs = 0;
  EXPECT_EQ(client.request("POST", "/test/deadlock/2").result_int(), 503);
  EXPECT_EQ(runs.load(), 2);
}

TEST(Http, ChunkedBodyOverTheLimitIs413) {
  RunningServer server(add_echo_route, small_limits());
  RawClient client(server.port());
  client.send(
      "POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n800\r\n" +
      std::string(0x800, 'x') + "\r\n0\r\n\r\n");
  EXPECT_EQ(client.read().result_int(), 413);
}

TEST(Http, HeadersOverTheLimitAre431) {
  RunningServer server(small_limits());
  RawClient client(server.port());
  client.send("GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_EQ(client.read().result_int(), 431);
}

TEST(Http, SlowHeadersGet408AndTheConnectionCloses) {
  RunningServer server(small_limits());
  RawClient client(server.port());
  client.send("GET /health HTTP/1.1\r\nHost: t\r\n");  // never finished
  auto response = client.read();                       // blocks until the server gives up
  EXPECT_EQ(response.result_int(), 408);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Http, SlowBodyGets408) {
  RunningServer server(add_echo_route, small_limits());
  RawClient client(server.port());
  client.send(
      "POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 10\r\n\r\n{\"a\"");
  EXPECT_EQ(client.read().result_int(), 408);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Http, IdleKeepAliveConnectionsAreClosed) {
  auto config = test::test_config();
  config.idle_timeout = std::chrono::milliseconds(100);
  RunningServer server(config);
  RawClient client(server.port());
  EXPECT_EQ(client.request("GET", "/health").result_int(), 200);
  EXPECT_TRUE(client.closed_by_server());  // blocks until the idle time runs out
}

TEST(Http, ContentLengthWithTransferEncodingIs400AndCloses) {
  RunningServer server(add_echo_route);
  RawClient client(server.port());
  client.send(
      "POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(client.read().result_int(), 400);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Http, ConflictingContentLengthsAre400) {
  RunningServer server(add_echo_route);
  RawClient client(server.port());
  client.send(
      "POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}");
  EXPECT_EQ(client.read().result_int(), 400);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Http, MalformedChunkIs400AndCloses) {
  RunningServer server(add_echo_route);
  RawClient client(server.port());
  client.send(
      "POST /test/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
  EXPECT_EQ(client.read().result_int(), 400);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Http, GarbageRequestLineIs400) {
  RunningServer server;
  RawClient client(server.port());
  client.send("HELLO\r\n\r\n");
  EXPECT_EQ(client.read().result_int(), 400);
}

TEST(Http, CorsHeadersOnlyForConfiguredOrigins) {
  auto config = test::test_config();
  config.cors_origins = {"https://app.example"};
  RunningServer server(config);
  RawClient client(server.port());
  auto allowed = client.request("GET", "/health", "", "Origin: https://app.example\r\n");
  EXPECT_EQ(allowed[beast_http::field::access_control_allow_origin], "https://app.example");
  auto other = client.request("GET", "/health", "", "Origin: https://evil.example\r\n");
  EXPECT_EQ(other.count(beast_http::field::access_control_allow_origin), 0u);
  auto preflight = client.request("OPTIONS", "/health", "",
                                  "Origin: https://app.example\r\n"
                                  "Access-Control-Request-Method: GET\r\n");
  EXPECT_EQ(preflight.result_int(), 204);
  EXPECT_EQ(preflight[beast_http::field::access_control_allow_methods], "GET");
}

TEST(Http, MetricsCountRequestsByRouteAndExposePoolAndActors) {
  RunningServer server;
  RawClient client(server.port());
  client.request("GET", "/health");
  client.request("GET", "/api/v2/nothing/123");
  auto metrics = client.request("GET", "/metrics").body();
  EXPECT_NE(
      metrics.find(R"(crmd_http_requests_total{method="GET",route="/health",status="200"} 1)"),
      std::string::npos);
  EXPECT_NE(metrics.find(R"x(route="(unmatched)",status="404")x"), std::string::npos);
  EXPECT_NE(metrics.find("crmd_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.find("crmd_http_requests_in_flight"), std::string::npos);
  EXPECT_NE(metrics.find(R"(crmd_db_pool_connections{state="open"})"), std::string::npos);
  EXPECT_NE(metrics.find("crmd_db_pool_waiting"), std::string::npos);
  EXPECT_NE(metrics.find(R"(crmd_actor_mailbox_depth{actor="contacts"} 0)"), std::string::npos);
}

// A route that holds a database transaction open until the test releases it.
struct HeldTransaction {
  std::shared_ptr<Gate> entered, release;
  void add(server::App& app) {
    entered = std::make_shared<Gate>(app.io(), 1);
    release = std::make_shared<Gate>(app.io(), 1);
    app.router().add(verb::get, "/test/hold", Access::public_,
                     [this, &app](Request& request) -> asio::awaitable<Response> {
                       auto tx = co_await app.db().begin();
                       entered->try_send(boost::system::error_code{});
                       co_await release->async_receive(asio::use_awaitable);
                       co_await tx.commit();
                       co_return json_response(request, beast_http::status::ok,
                                               boost::json::object{{"held", true}});
                     });
  }
  // The gates are bound to the server's io_context: drop them before it goes.
  void drop() {
    entered.reset();
    release.reset();
  }
  void wait_entered() {
    std::promise<void> done;
    entered->async_receive([&](boost::system::error_code) { done.set_value(); });
    done.get_future().wait();
  }
};

TEST(Http, ExhaustedDatabasePoolAnswers503) {
  auto config = test::test_config();
  config.db_pool_size = 1;
  config.db_pool_wait = std::chrono::milliseconds(150);
  HeldTransaction hold;
  RunningServer server([&](server::App& app) { hold.add(app); }, config);
  RawClient holder(server.port());
  holder.send("GET /test/hold HTTP/1.1\r\nHost: t\r\n\r\n");
  hold.wait_entered();
  RawClient client(server.port());
  auto busy = client.request("GET", "/ready");
  EXPECT_EQ(busy.result_int(), 503);
  EXPECT_EQ(json_of(busy).at("error_code"), "database_busy");
  EXPECT_EQ(busy[beast_http::field::retry_after], "1");
  hold.release->try_send(boost::system::error_code{});
  EXPECT_EQ(holder.read().result_int(), 200);
  EXPECT_EQ(client.request("GET", "/ready").result_int(), 200);
  hold.drop();
}

TEST(Http, GracefulShutdownFinishesTheRequestInFlight) {
  HeldTransaction hold;
  auto server = std::make_unique<RunningServer>([&](server::App& app) { hold.add(app); });
  const auto port = server->port();
  RawClient idle(port);
  EXPECT_EQ(idle.request("GET", "/health").result_int(), 200);
  RawClient busy(port);
  busy.send("GET /test/hold HTTP/1.1\r\nHost: t\r\n\r\n");
  hold.wait_entered();

  server->app().stop();
  EXPECT_TRUE(idle.closed_by_server());  // idle keep-alive connections go at once
  hold.release->try_send(boost::system::error_code{});
  auto response = busy.read();  // the request in flight still completes
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(busy.closed_by_server());
  hold.drop();
  server.reset();  // wait() returns: the server has stopped
  EXPECT_THROW(RawClient{port}, boost::system::system_error);  // no longer accepting
}

}  // namespace
}  // namespace crmd::http

namespace crmd::http {
namespace {

TEST(Http, ConnectionsOverTheLimitAreRefused) {
  auto config = test::test_config();
  config.max_connections = 1;
  RunningServer server(config);
  RawClient first(server.port());
  EXPECT_EQ(first.request("GET", "/health").result_int(), 200);
  RawClient second(server.port());
  EXPECT_TRUE(second.closed_by_server());
  EXPECT_EQ(first.request("GET", "/health").result_int(), 200);
}

}  // namespace
}  // namespace crmd::http
