// The HTTP/1.1 listener: one coroutine per connection, each on its own
// strand, with limits on header and body size, read times, idle keep-alive
// time and connections at once; optional TLS. Shutdown stops accepting,
// closes idle connections, lets requests in flight finish within the grace
// period, then closes the rest.
#pragma once

#include <atomic>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "server/http/pipeline.hpp"

namespace crmd::http {

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_connections = 10000;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  std::uint64_t max_upload_bytes = 1ull << 30;  // bodies of upload routes, kept on disk
  // Request bodies held in memory by all connections together; a body past
  // it waits for none: 503 server_busy.
  std::size_t max_inflight_body_bytes = 256u << 20;
  std::string upload_dir;  // where they are kept
};

class Server {
 public:
  Server(boost::asio::io_context& io, boost::asio::thread_pool& blocking, Pipeline& pipeline,
         ServerLimits limits, std::optional<boost::asio::ssl::context> tls);
  ~Server();

  // Binds and starts accepting; returns the bound port (port 0: ephemeral).
  unsigned short listen(const std::string& host, unsigned short port);

  // Graceful shutdown; completes when every connection has closed or the
  // grace period ran out (then the rest are closed).
  boost::asio::awaitable<void> shutdown(std::chrono::milliseconds grace);

  // Reads made after an idle wait (the first bytes of a request on a plain
  // connection): what tests wait on to know the server went idle and read.
  std::uint64_t idle_reads() const { return idle_reads_.load(std::memory_order_relaxed); }
  // Bytes of request bodies being read now, against CRMD_MAX_INFLIGHT_BODY_BYTES.
  std::size_t inflight_body_bytes() const {
    return inflight_body_bytes_.load(std::memory_order_relaxed);
  }

 private:
  struct Session;
  struct Connection;
  using Tcp = boost::asio::ip::tcp;

  boost::asio::awaitable<void> accept_loop();
  // A connection's loop: while it waits for a request it holds only its
  // socket, its timer and this small frame (no read buffer, no parser):
  // each request is read and answered by serve_request, whose larger frame
  // lives as long as the request. False from serve_request: close.
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream, Session& session);
  template <class Stream>
  boost::asio::awaitable<bool> serve_request(Stream& stream, Session& session,
                                             Connection& connection);
  boost::asio::awaitable<void> run_session(Tcp::socket socket);
  void forget(std::uint64_t id);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& blocking_;  // an upload's disk writes
  Pipeline& pipeline_;
  ServerLimits limits_;
  std::optional<boost::asio::ssl::context> tls_;
  Tcp::acceptor acceptor_;

  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> inflight_body_bytes_{0};
  std::atomic<std::uint64_t> idle_reads_{0};
  std::mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  using Signal = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  std::shared_ptr<Signal> drained_;  // set by shutdown(), signalled when none is left
};

}  // namespace crmd::http
