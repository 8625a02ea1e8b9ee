// An in-process HTTP(S) server on an ephemeral 127.0.0.1 port that answers
// as a test scripts (status, headers, body, delay, chunking, a reset mid
// body) and keeps what it received: the receiver side of outbound calls.
#pragma once

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace crmd::test {

namespace fake_detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using Header = std::pair<std::string, std::string>;
using namespace std::chrono_literals;
}  // namespace fake_detail
using namespace fake_detail;

// A query or form component with %XX and '+' decoded.
inline std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// The parameters of a query string or a form body.
inline std::map<std::string, std::string> query_params(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      params[url_decode(pair)] = "";
    else
      params[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

// What the fake answers to one request.
struct Answer {
  unsigned status = 200;
  std::vector<Header> headers;
  std::string body;
  std::chrono::milliseconds delay{0};
  bool chunked = false;
  bool reset_mid_body = false;  // the head and part of the body, then a TCP reset
};

using Request = bhttp::request<bhttp::string_body>;

struct FakeServerOptions {
  // Off for big uploads: received() then holds each request without its body.
  bool keep_bodies = true;
  std::uint64_t body_limit = 64 * 1024 * 1024;
};

// Answers request number n (from 0, over all connections) with script(n),
// or each request with what handler makes of it (on the server's thread).
class FakeServer {
 public:
  explicit FakeServer(std::function<Answer(std::size_t)> script, ssl::context* tls = nullptr,
                      FakeServerOptions options = {})
      : FakeServer([script = std::move(script), n = std::make_shared<std::atomic<std::size_t>>(0)](
                       const Request&) { return script((*n)++); },
                   tls, options) {}
  explicit FakeServer(std::function<Answer(const Request&)> handler, ssl::context* tls = nullptr,
                      FakeServerOptions options = {})
      : handler_(std::move(handler)),
        tls_(tls),
        options_(options),
        acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeServer() {
    io_.stop();
    thread_.join();
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + path;
  }
  std::size_t connections() const { return connections_.load(); }
  std::size_t requests() const { return requests_.load(); }
  std::vector<Request> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++connections_;
      if (tls_)
        asio::co_spawn(io_, serve_tls(std::move(socket)), asio::detached);
      else
        asio::co_spawn(io_, serve_plain(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve_plain(tcp::socket socket) { co_await serve(socket, socket); }

  asio::awaitable<void> serve_tls(tcp::socket socket) {
    ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    boost::system::error_code ec;
    co_await stream.async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // the client refused our certificate
    co_await serve(stream, stream.next_layer());
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, tcp::socket& socket) {
    beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options_.body_limit);
      co_await bhttp::async_read(stream, buffer, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Request request = parser.release();
      {
        std::lock_guard lock(mutex_);
        if (options_.keep_bodies) {
          received_.push_back(request);
        } else {
          Request head(request.base());
          received_.push_back(std::move(head));
        }
      }
      ++requests_;
      const Answer answer = handler_(request);
      if (answer.delay > 0ms) {
        asio::steady_timer timer(io_, answer.delay);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (answer.reset_mid_body) {
        const std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly some";
        co_await asio::async_write(stream, asio::buffer(partial),
                                   asio::redirect_error(asio::use_awaitable, ec));
        socket.set_option(asio::socket_base::linger(true, 0), ec);
        socket.close(ec);
        co_return;
      }
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status),
                                                   request.version()};
      for (const auto& [name, value] : answer.headers) response.insert(name, value);
      response.body() = answer.body;
      if (request.method() == bhttp::verb::head)
        response.body().clear();  // the Content-Length the answer set stays
      else if (answer.chunked)
        response.chunked(true);
      else
        response.prepare_payload();
      response.keep_alive(request.keep_alive());
      co_await bhttp::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !response.keep_alive()) co_return;
    }
  }

  std::function<Answer(const Request&)> handler_;
  ssl::context* tls_;
  FakeServerOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> requests_{0};
  std::mutex mutex_;
  std::vector<Request> received_;
};

// The same answer to every request.
inline std::function<Answer(std::size_t)> always(Answer answer) {
  return [answer](std::size_t) { return answer; };
}

}  // namespace crmd::test
