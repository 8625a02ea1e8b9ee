#include "storage/pg/connection.hpp"

#include <libpq-fe.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/async.hpp"

namespace crmd::pg {
namespace asio = boost::asio;

namespace {

// How long past the server's statement_timeout a unit may stay without its
// sync before the connection is judged broken (e.g. a proxy that lost it).
constexpr std::chrono::seconds kDeadlineGrace{5};
constexpr std::chrono::minutes kDeadlineWithoutTimeout{10};

}  // namespace

Connection::Connection(asio::any_io_executor io, ConnectOptions options,
                       asio::thread_pool& blocking)
    : strand_(asio::make_strand(io)),
      options_(std::move(options)),
      blocking_(blocking),
      socket_(strand_),
      watchdog_timer_(strand_) {}

Connection::~Connection() = default;

asio::awaitable<void> Connection::open() {
  // The socket belongs to the strand: connect there.
  co_await spawn_and_wait(strand_, open_on_strand(shared_from_this()));
}

asio::awaitable<void> Connection::open_on_strand(std::shared_ptr<Connection> self) {
  co_await socket_.connect(options_, blocking_);
  if (PQenterPipelineMode(socket_.conn()) != 1)
    throw Error(ErrorKind::connection_lost, "cannot enter pipeline mode");
  alive_ = true;
  asio::co_spawn(strand_, read_loop(self), asio::detached);
  asio::co_spawn(strand_, watchdog(self), asio::detached);
}

void Connection::submit(std::string sql, Params params, QueryHandler handler) {
  if (!alive_) {
    handler.complete(
        std::make_exception_ptr(Error(ErrorKind::connection_lost, "connection is closed")), {});
    return;
  }
  PGconn* conn = socket_.conn();
  Pending pending{
      Stage::query_result, {}, {}, {}, std::move(handler), std::chrono::steady_clock::now()};
  auto [it, inserted] = prepared_.try_emplace(sql);
  if (inserted) {
    it->second = "s" + std::to_string(next_statement_++);
    if (!PQsendPrepare(conn, it->second.c_str(), sql.c_str(), static_cast<int>(params.size()),
                       params.types().data())) {
      prepared_.erase(it);
      pending.handler.complete(
          std::make_exception_ptr(Error(ErrorKind::connection_lost, socket_.last_error())), {});
      fail(socket_.last_error());
      return;
    }
    pending.stage = Stage::prepare_result;
    pending.prepared_sql = sql;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  if (!PQsendQueryPrepared(conn, it->second.c_str(), static_cast<int>(params.size()), values.data(),
                           nullptr, nullptr, 0) ||
      !PQpipelineSync(conn)) {
    pending.handler.complete(
        std::make_exception_ptr(Error(ErrorKind::connection_lost, socket_.last_error())), {});
    fail(socket_.last_error());
    return;
  }
  pending_.push_back(std::move(pending));
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  schedule_flush();
}

void Connection::send_detached(std::string sql) {
  asio::dispatch(strand_, [self = shared_from_this(), sql = std::move(sql)]() mutable {
    self->submit(std::move(sql), Params{}, QueryHandler{});
  });
}

void Connection::schedule_flush() {
  if (writing_) return;
  const int pending = PQflush(socket_.conn());
  if (pending < 0) return fail(socket_.last_error());
  if (pending == 1) {
    writing_ = true;
    asio::co_spawn(strand_, write_loop(shared_from_this()), asio::detached);
  }
}

// self: the frame keeps the object alive from creation to destruction.
asio::awaitable<void> Connection::write_loop(std::shared_ptr<Connection> self) {
  while (alive_) {
    // Awaited into a variable: g++ 12 miscompiles co_await inside conditions.
    const bool writable = co_await socket_.wait_writable();
    if (!writable) break;
    if (!alive_) break;
    const int pending = PQflush(socket_.conn());
    if (pending < 0) {
      fail(socket_.last_error());
      break;
    }
    if (pending == 0) break;
  }
  writing_ = false;
}

// self: the frame keeps the object alive from creation to destruction.
asio::awaitable<void> Connection::read_loop(std::shared_ptr<Connection> self) {
  while (alive_) {
    const bool readable = co_await socket_.wait_readable();
    if (!readable) break;
    if (!alive_) break;
    PGconn* conn = socket_.conn();
    if (PQconsumeInput(conn) == 0) {
      fail(socket_.last_error());
      break;
    }
    if (!process_results()) break;
    if (PQstatus(conn) == CONNECTION_BAD) {
      fail(socket_.last_error());
      break;
    }
  }
}

bool Connection::process_results() {
  PGconn* conn = socket_.conn();
  while (!PQisBusy(conn)) {
    PGresult* raw = PQgetResult(conn);
    if (pending_.empty()) {
      // Nothing is waiting: a FATAL notice before the server closes us.
      if (!raw) return true;
      PQclear(raw);
      continue;
    }
    Pending& front = pending_.front();
    if (!raw) {
      switch (front.stage) {
        case Stage::prepare_end:
          front.stage = Stage::query_result;
          continue;
        case Stage::query_end:
          front.stage = Stage::sync;
          continue;
        default:
          return true;  // nothing more has arrived yet
      }
    }
    Result result(raw);
    const auto status = PQresultStatus(raw);
    if (status == PGRES_PIPELINE_SYNC) {
      if (front.stage != Stage::sync) {
        fail("protocol out of step: sync before the query's results");
        return false;
      }
      complete_front();
      continue;
    }
    if (status == PGRES_FATAL_ERROR || status == PGRES_PIPELINE_ABORTED) {
      if (!front.error) {
        front.error = std::make_exception_ptr(
            status == PGRES_FATAL_ERROR
                ? result_error(raw, socket_.last_error())
                : Error(ErrorKind::server, "pipeline aborted by an earlier error"));
      }
      if (front.stage == Stage::prepare_result && !front.prepared_sql.empty())
        prepared_.erase(front.prepared_sql);
    } else if (front.stage == Stage::query_result) {
      front.result = std::move(result);
    }
    switch (front.stage) {
      case Stage::prepare_result:
        front.stage = Stage::prepare_end;
        break;
      case Stage::query_result:
        front.stage = Stage::query_end;
        break;
      default:
        break;  // a statement returned more than one result: keep the first
    }
  }
  return true;
}

void Connection::complete_front() {
  Pending front = std::move(pending_.front());
  pending_.pop_front();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  front.handler.complete(front.error, std::move(front.result));
}

// self: the frame keeps the object alive from creation to destruction.
asio::awaitable<void> Connection::watchdog(std::shared_ptr<Connection> self) {
  const auto limit = options_.statement_timeout.count() > 0
                         ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               options_.statement_timeout + kDeadlineGrace)
                         : std::chrono::steady_clock::duration(kDeadlineWithoutTimeout);
  while (alive_) {
    watchdog_timer_.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await watchdog_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !alive_) break;
    if (!pending_.empty() && std::chrono::steady_clock::now() - pending_.front().sent_at > limit)
      fail("no answer from PostgreSQL within the statement deadline");
  }
}

void Connection::close() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->fail("connection closed"); });
}

void Connection::fail(const std::string& reason) {
  const bool was_alive = alive_.exchange(false);
  while (!pending_.empty()) {
    Pending front = std::move(pending_.front());
    pending_.pop_front();
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    front.handler.complete(
        std::make_exception_ptr(
            Error(ErrorKind::connection_lost, "connection to PostgreSQL lost: " + reason)),
        {});
  }
  watchdog_timer_.cancel();
  socket_.close();
  if (was_alive && on_death_) on_death_();
}

}  // namespace crmd::pg
