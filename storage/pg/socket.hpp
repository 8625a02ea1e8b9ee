// Owner of one libpq connection and the Asio descriptor over its socket:
// non-blocking connect and readiness waits. libpq owns the file descriptor,
// so the descriptor is released, never closed, before PQfinish.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "storage/pg/result.hpp"

struct pg_conn;

namespace crmd::pg {

struct ConnectOptions {
  std::string conninfo;  // libpq URI or key=value string
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{30000};  // 0: none
  std::string application_name = "crmd";
  // The LISTEN connection, which otherwise only waits on the server, pings
  // it this often and is replaced when a ping is not answered as long.
  std::chrono::milliseconds ping_interval{30000};
  // When set, TCP keepalive probes start after this idle time (libpq ignores
  // them on Unix sockets); keepalive keywords in conninfo take precedence.
  std::chrono::seconds keepalive_idle{0};
};

class Socket {
 public:
  explicit Socket(boost::asio::any_io_executor executor);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Starts the connection on the blocking pool (libpq resolves host names
  // and reads .pgpass there) and polls it to completion on this socket's
  // executor. Throws Error{connection_lost} with libpq's message.
  boost::asio::awaitable<void> connect(const ConnectOptions& options,
                                       boost::asio::thread_pool& blocking);

  pg_conn* conn() const { return conn_; }
  bool is_open() const { return conn_ != nullptr; }
  boost::asio::any_io_executor executor() { return descriptor_.get_executor(); }

  // Waits until the socket is readable / writable. Returns false when the
  // wait was cancelled or the socket is closed.
  boost::asio::awaitable<bool> wait_readable();
  boost::asio::awaitable<bool> wait_writable();

  // Flushes libpq's output buffer, consuming input while it waits so client
  // and server never block each other. Throws Error{connection_lost}.
  boost::asio::awaitable<void> flush();

  // Simple-protocol statements (no pipeline mode): runs sql, which may hold
  // several statements, and returns the last result. Throws Error.
  boost::asio::awaitable<Result> exec(const std::string& sql);
  // One statement with parameters (extended protocol).
  boost::asio::awaitable<Result> exec(const std::string& sql, const Params& params);

  // Cancels pending waits; the connection stays usable until close().
  void cancel();
  void close();

  // The libpq error message of this connection, trimmed.
  std::string last_error() const;

 private:
  boost::asio::awaitable<Result> collect_results();
  void rewrap();

  boost::asio::posix::stream_descriptor descriptor_;
  pg_conn* conn_ = nullptr;
};

// An Error for a failed result: server errors carry their SQLSTATE.
Error result_error(const struct pg_result* result, const std::string& fallback);

}  // namespace crmd::pg
