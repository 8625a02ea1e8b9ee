#include "storage/pg/connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
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
                       asio::thread_pool& blocking, std::size_t max_prepared)
    : strand_(asio::make_strand(io)),
      options_(std::move(options)),
      blocking_(blocking),
      socket_(strand_),
      watchdog_timer_(strand_),
      max_prepared_(std::max<std::size_t>(max_prepared, 1)) {}

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
  Pending pending{.stage = Stage::query_result,
                  .handler = std::move(handler),
                  .sent_at = std::chrono::steady_clock::now()};
  auto lost = [&] {
    std::string message = socket_.last_error();
    if (message.empty()) message = "connection to PostgreSQL lost";
    pending.handler.complete(std::make_exception_ptr(Error(ErrorKind::connection_lost, message)),
                             {});
  };
  StatementList::iterator statement;
  if (auto found = prepared_.find(sql); found != prepared_.end()) {
    statement = found->second;
    statements_.splice(statements_.end(), statements_, statement);
  } else {
    // Room first: the DEALLOCATE goes ahead of this PREPARE (unless leased).
    evict(max_prepared_ - 1);
    if (!send_deallocations()) return lost();
    statement = statements_.insert(
        statements_.end(), Statement{std::move(sql), "s" + std::to_string(next_statement_++)});
    prepared_.emplace(statement->sql, statement);
    if (!PQsendPrepare(conn, statement->name.c_str(), statement->sql.c_str(),
                       static_cast<int>(params.size()), params.types().data())) {
      prepared_.erase(statement->sql);
      statements_.erase(statement);
      lost();
      return fail(socket_.last_error());
    }
    pending.stage = Stage::prepare_result;
    pending.prepares = true;
  }
  ++statement->users;
  pending.statement = statement;
  pending.executes = true;
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  if (!PQsendQueryPrepared(conn, statement->name.c_str(), static_cast<int>(params.size()),
                           values.data(), nullptr, nullptr, 0) ||
      !PQpipelineSync(conn)) {
    release_statement(pending);
    lost();
    return fail(socket_.last_error());
  }
  pending_.push_back(std::move(pending));
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  schedule_flush();
}

void Connection::evict(std::size_t keep) {
  for (auto it = statements_.begin(); prepared_.size() > keep && it != statements_.end();) {
    if (it->users > 0 || !it->cached) {
      ++it;
      continue;
    }
    deallocations_.push_back(std::move(it->name));
    prepared_.erase(it->sql);
    it = statements_.erase(it);
  }
}

void Connection::set_leased(bool leased) {
  // Posted, so it takes effect in order with the queries posted around it:
  // before the transaction's BEGIN, after its COMMIT or ROLLBACK.
  asio::post(strand_, [self = shared_from_this(), leased] {
    self->leased_ = leased;
    if (!leased && self->alive_ && self->send_deallocations()) self->schedule_flush();
  });
}

bool Connection::send_deallocations() {
  // Never inside a transaction: a DEALLOCATE there would take its snapshot
  // (SET TRANSACTION after it would fail) or fail once it aborted.
  if (leased_ || deallocations_.empty()) return true;
  auto names = std::move(deallocations_);
  deallocations_.clear();
  for (auto& name : names)
    if (!send_deallocate(std::move(name))) return false;
  return true;
}

bool Connection::send_deallocate(std::string name) {
  // libpq 15 has no PQsendClosePrepared (it came in 17). The name is ours
  // ("s<n>"), never input: no quoting needed.
  const std::string sql = "DEALLOCATE " + name;
  PGconn* conn = socket_.conn();
  if (!PQsendQueryParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) ||
      !PQpipelineSync(conn)) {
    fail(socket_.last_error());
    return false;
  }
  Pending pending{.stage = Stage::query_result,
                  .deallocated = std::move(name),
                  .sent_at = std::chrono::steady_clock::now()};
  pending_.push_back(std::move(pending));
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Connection::release_statement(Pending& pending) {
  if (!pending.executes) return;
  pending.executes = false;
  auto statement = pending.statement;
  if (--statement->users > 0) return;
  if (!statement->cached) statements_.erase(statement);
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
    if (!writable) {
      // Only fail() cancels our waits; anything else would strand the output.
      if (alive_) fail("the wait to send to PostgreSQL was cancelled");
      break;
    }
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
    if (!readable) {
      // Without this loop nobody reads: pending queries would wait for the
      // watchdog.
      if (alive_) fail("the wait for PostgreSQL's answer was cancelled");
      break;
    }
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
      if (!alive_) return false;
      continue;
    }
    if (status == PGRES_FATAL_ERROR || status == PGRES_PIPELINE_ABORTED) {
      if (!front.error) {
        front.error = std::make_exception_ptr(
            status == PGRES_FATAL_ERROR
                ? result_error(raw, socket_.last_error())
                : Error(ErrorKind::server, "pipeline aborted by an earlier error"));
      }
      if (front.stage == Stage::prepare_result && front.prepares && front.statement->cached) {
        prepared_.erase(front.statement->sql);
        front.statement->cached = false;
      }
      if (!front.deallocated.empty() && front.stage == Stage::query_result) {
        // Still prepared on the server: sent again with the next eviction.
        const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
        if (!state || std::string_view(state) != "26000")
          deallocations_.push_back(front.deallocated);
      }
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
  release_statement(front);
  front.handler.complete(front.error, std::move(front.result));
  // Statements kept past the limit while queries used them go now; not
  // behind a failed DEALLOCATE itself, which waits for the next eviction.
  if (front.deallocated.empty() && prepared_.size() > max_prepared_) {
    evict(max_prepared_);
    if (send_deallocations()) schedule_flush();
  }
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
    release_statement(front);
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
