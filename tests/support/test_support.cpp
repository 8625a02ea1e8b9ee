#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <stdexcept>

#include "domain/common/uuid.hpp"
#include "support/contract.hpp"

namespace crmd::test {

std::string database_url() {
  const char* url = std::getenv("DATABASE_URL");
  if (!url) throw std::runtime_error("DATABASE_URL is not set");
  return url;
}

config::Config test_config() {
  config::Config c;
  c.database_url = database_url();
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.threads = 2;
  c.db_pool_size = 4;
  c.access_log = false;
  c.log_level = "warn";
  c.shutdown_grace = std::chrono::milliseconds(5000);
  c.jwt_secret = "test-secret-that-is-at-least-32-bytes-long";
  // Tests share one database: a server only runs jobs when its test asks.
  c.job_workers = 0;
  c.scheduler_enabled = false;  // a test that needs the scheduler turns it on
  return c;
}

IoThreads::IoThreads() : guard_(io_.get_executor()) {
  for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
}

IoThreads::~IoThreads() {
  guard_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
}

RunningServer::RunningServer(config::Config config)
    : RunningServer([](server::App&) {}, std::move(config)) {}

RunningServer::RunningServer(std::function<void(server::App&)> add_routes, config::Config config)
    : app_(std::make_unique<server::App>(std::move(config))) {
  add_routes(*app_);
  app_->start();
  register_contract(app_->port(), app_->router());
}

RunningServer::~RunningServer() {
  unregister_contract(app_->port());
  app_->stop();
  app_->wait();
  // No input may produce a 500: every test that provokes one fails.
  EXPECT_EQ(app_->metrics().internal_error_count(), 0)
      << "the server answered 500; its log names the request";
}

RawClient::RawClient(unsigned short port) : port_(port), socket_(io_) {
  socket_.connect({asio::ip::make_address("127.0.0.1"), port});
}

void RawClient::send(const std::string& bytes) {
  asio::write(socket_, asio::buffer(bytes));
}

HttpResponse RawClient::read() {
  HttpResponse response;
  boost::beast::http::read(socket_, buffer_, response);
  return response;
}

HttpResponse RawClient::request(const std::string& method, const std::string& target,
                                const std::string& body, const std::string& extra_headers) {
  std::string bytes = method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  bytes += "\r\n" + body;
  send(bytes);
  auto response = read();
  check_contract(port_, method, target, response);
  return response;
}

bool RawClient::closed_by_server() {
  if (buffer_.size() > 0) return false;
  char byte;
  boost::system::error_code ec;
  socket_.read_some(asio::buffer(&byte, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

pg::Result db_query(const std::string& sql, const pg::Params& params) {
  asio::io_context io;
  asio::thread_pool blocking(1);
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<pg::Result> {
        pg::Socket socket(co_await asio::this_coro::executor);
        pg::ConnectOptions options;
        options.conninfo = database_url();
        co_await socket.connect(options, blocking);
        co_return co_await socket.exec(sql, params);
      },
      asio::use_future);
  io.run();
  return done.get();
}

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body()).as_object();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();  // the conditions polled have no notification to wait on
  }
  return true;
}

std::string unique_name(const std::string& prefix) {
  auto id = Uuid::random_v4().str();
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  return prefix + "_" + id.substr(0, 12);
}

}  // namespace crmd::test
