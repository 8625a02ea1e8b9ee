// Helpers for integration and HTTP tests: the test database, running
// coroutines from a test body, a started server, and a raw HTTP client.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "server/app.hpp"
#include "storage/pg/socket.hpp"

namespace crmd::test {

namespace asio = boost::asio;

// DATABASE_URL as set by scripts/test.
std::string database_url();

// Settings for a server on an ephemeral loopback port against the test
// database, with quiet logs.
config::Config test_config();

// An io_context run by two threads for the duration of a test.
class IoThreads {
 public:
  IoThreads();
  ~IoThreads();
  asio::io_context& io() { return io_; }

  template <class T>
  T run(asio::awaitable<T> work) {
    return asio::co_spawn(io_, std::move(work), asio::use_future).get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// A started App, stopped when the object goes.
class RunningServer {
 public:
  explicit RunningServer(config::Config config = test_config());
  explicit RunningServer(std::function<void(server::App&)> add_routes,
                         config::Config config = test_config());
  ~RunningServer();
  server::App& app() { return *app_; }
  unsigned short port() const { return app_->port(); }

 private:
  std::unique_ptr<server::App> app_;
};

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// A blocking client on one TCP connection: tests write exact bytes.
// request() checks every answer of a RunningServer against the OpenAPI
// operation of the route it reached (see contract.hpp).
class RawClient {
 public:
  explicit RawClient(unsigned short port);
  void send(const std::string& bytes);
  // Reads one response; throws on a closed connection.
  HttpResponse read();
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "", const std::string& extra_headers = "");
  // True when the server closed the connection (reads EOF).
  bool closed_by_server();

 private:
  unsigned short port_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// The body of a response as a JSON object.
boost::json::object json_of(const HttpResponse& response);

// A unique name for a table or channel, so tests never see each other's data.
std::string unique_name(const std::string& prefix);

// Polls condition until it holds or the deadline passes; false then (the
// caller fails the test): no test waits without a bound.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(20));

// One statement on a connection of its own, for checking what a test did.
pg::Result db_query(const std::string& sql, const pg::Params& params = pg::Params{});

}  // namespace crmd::test
