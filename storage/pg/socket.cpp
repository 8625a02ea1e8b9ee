#include "storage/pg/socket.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <vector>

#include "storage/blocking.hpp"

namespace crmd::pg {
namespace asio = boost::asio;
using asio::posix::descriptor_base;

namespace {

struct FinishConnection {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Server notices ("relation already exists, skipping") go to the log, not
// to stderr as libpq's default would.
void log_notice(void*, const char* message) {
  spdlog::debug("postgres: {}", trimmed(message));
}

std::string session_options(const ConnectOptions& o) {
  std::string options = "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601";
  options += " -c statement_timeout=" + std::to_string(o.statement_timeout.count());
  return options;
}

}  // namespace

Error result_error(const PGresult* result, const std::string& fallback) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? trimmed(PQresultErrorMessage(result)) : "";
  if (message.empty()) message = fallback;
  return Error(ErrorKind::server, message, state ? state : "");
}

Socket::Socket(asio::any_io_executor executor) : descriptor_(std::move(executor)) {}

Socket::~Socket() {
  close();
}

std::string Socket::last_error() const {
  return trimmed(conn_ ? PQerrorMessage(conn_) : nullptr);
}

void Socket::rewrap() {
  const int fd = PQsocket(conn_);
  if (descriptor_.is_open() && descriptor_.native_handle() == fd) return;
  if (descriptor_.is_open()) descriptor_.release();
  if (fd >= 0) descriptor_.assign(fd);
}

asio::awaitable<void> Socket::connect(const ConnectOptions& options, asio::thread_pool& blocking) {
  close();
  // By value: the blocking thread must not read this frame, which may be
  // gone before it runs (a stopped io_context destroys suspended frames).
  auto start = [conninfo = options.conninfo, session = session_options(options),
                application_name = options.application_name,
                idle = options.keepalive_idle.count()] {
    const std::string idle_s = std::to_string(idle);
    const std::string interval_s = std::to_string(std::max<long long>(1, idle / 3));
    std::vector<const char*> keys, values;
    if (idle > 0) {
      // Ahead of dbname, so that the same keywords in conninfo win.
      keys.insert(keys.end(),
                  {"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"});
      values.insert(values.end(), {"1", idle_s.c_str(), interval_s.c_str(), "3"});
    }
    keys.insert(keys.end(), {"dbname", "options", "application_name", "client_encoding", nullptr});
    values.insert(values.end(),
                  {conninfo.c_str(), session.c_str(), application_name.c_str(), "UTF8", nullptr});
    // Owned until this frame takes it: a frame destroyed at shutdown while
    // the connect starts leaves the handle to the handler, which frees it.
    return std::unique_ptr<PGconn, FinishConnection>(
        PQconnectStartParams(keys.data(), values.data(), 1));
  };
  auto started = co_await run_blocking(blocking, std::move(start));
  conn_ = started.release();
  if (!conn_) throw Error(ErrorKind::connection_lost, "out of memory starting a connection");
  if (PQstatus(conn_) == CONNECTION_BAD) {
    const std::string message = last_error();
    close();
    throw Error(ErrorKind::connection_lost, "cannot connect to PostgreSQL: " + message);
  }

  // The handler can run after this frame is gone (the deadline may pass just
  // as the poll finishes): it holds its state and touches the socket only
  // while the frame, disarming it on the way out, still waits.
  struct DeadlineState {
    bool armed = true;
    bool expired = false;
  };
  struct Disarm {
    std::shared_ptr<DeadlineState> state;
    ~Disarm() { state->armed = false; }
  };
  auto state = std::make_shared<DeadlineState>();
  const Disarm disarm{state};
  asio::steady_timer deadline(descriptor_.get_executor(), options.connect_timeout);
  deadline.async_wait([state, this](boost::system::error_code ec) {
    if (ec || !state->armed) return;
    state->expired = true;
    descriptor_.cancel();
  });
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    rewrap();
    bool ready = false;  // not ?: : g++ 12 miscompiles co_await inside it
    if (status == PGRES_POLLING_READING)
      ready = co_await wait_readable();
    else
      ready = co_await wait_writable();
    if (!ready || state->expired) break;
    status = PQconnectPoll(conn_);
    if (status == PGRES_POLLING_FAILED) break;
  }
  state->armed = false;
  deadline.cancel();
  if (status != PGRES_POLLING_OK) {
    const std::string message = state->expired ? "timed out" : last_error();
    close();
    throw Error(ErrorKind::connection_lost, "cannot connect to PostgreSQL: " + message);
  }
  rewrap();
  PQsetNoticeProcessor(conn_, log_notice, nullptr);
  if (PQsetnonblocking(conn_, 1) != 0) {
    close();
    throw Error(ErrorKind::connection_lost, "cannot make the connection non-blocking");
  }
}

asio::awaitable<bool> Socket::wait_readable() {
  boost::system::error_code ec;
  co_await descriptor_.async_wait(descriptor_base::wait_read,
                                  asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<bool> Socket::wait_writable() {
  boost::system::error_code ec;
  co_await descriptor_.async_wait(descriptor_base::wait_write,
                                  asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<void> Socket::flush() {
  for (;;) {
    const int pending = PQflush(conn_);
    if (pending == 0) co_return;
    if (pending < 0) throw Error(ErrorKind::connection_lost, last_error());
    // Reading what has arrived while we wait to write: a server blocked on
    // sending to us would otherwise never read what we send.
    if (PQconsumeInput(conn_) == 0) throw Error(ErrorKind::connection_lost, last_error());
    const bool writable = co_await wait_writable();
    if (!writable) throw Error(ErrorKind::connection_lost, "the connection was closed");
  }
}

asio::awaitable<Result> Socket::exec(const std::string& sql) {
  if (!PQsendQuery(conn_, sql.c_str())) throw Error(ErrorKind::connection_lost, last_error());
  co_await flush();
  co_return co_await collect_results();
}

asio::awaitable<Result> Socket::exec(const std::string& sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  if (!PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(params.size()), params.types().data(),
                         values.data(), nullptr, nullptr, 0))
    throw Error(ErrorKind::connection_lost, last_error());
  co_await flush();
  co_return co_await collect_results();
}

asio::awaitable<Result> Socket::collect_results() {
  Result last;
  std::optional<Error> error;
  for (;;) {
    while (PQisBusy(conn_)) {
      const bool readable = co_await wait_readable();
      if (!readable || PQconsumeInput(conn_) == 0)
        throw Error(ErrorKind::connection_lost, last_error());
    }
    PGresult* raw = PQgetResult(conn_);
    if (!raw) break;
    Result result(raw);
    const auto status = PQresultStatus(raw);
    if (status == PGRES_FATAL_ERROR) {
      if (!error) error = result_error(raw, last_error());
    } else {
      last = std::move(result);
    }
  }
  if (error) throw *error;
  if (PQstatus(conn_) == CONNECTION_BAD) throw Error(ErrorKind::connection_lost, last_error());
  co_return last;
}

void Socket::cancel() {
  if (descriptor_.is_open()) descriptor_.cancel();
}

void Socket::close() {
  if (descriptor_.is_open()) {
    descriptor_.cancel();
    descriptor_.release();
  }
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

}  // namespace crmd::pg
