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

void Connection::submit(std::string sql, Params params, QueryHandler handler, bool grouped,
                        bool replanned, Format format) {
  // A write never shares a read's sync: its own implicit transaction.
  if (!grouped) close_group();
  if (!alive_) {
    handler.complete(
        std::make_exception_ptr(Error(ErrorKind::connection_lost, "connection is closed")), {});
    return;
  }
  PGconn* conn = socket_.conn();
  Pending pending{.stage = Stage::query_result,
                  .format = format,
                  .handler = std::move(handler),
                  .sent_at = std::chrono::steady_clock::now()};
  auto lost = [&] {
    std::string message = socket_.last_error();
    if (message.empty()) message = "connection to PostgreSQL lost";
    pending.handler.complete(std::make_exception_ptr(Error(ErrorKind::connection_lost, message)),
                             {});
  };
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  const int count = static_cast<int>(params.size());
  const int result_format = format == Format::binary ? 1 : 0;
  bool sent = false;
  if (replanned) {
    // The unnamed statement: parsed and planned with these values.
    sent = PQsendQueryParams(conn, sql.c_str(), count, params.types().data(), values.data(),
                             nullptr, nullptr, result_format) != 0;
    pending.replanned = true;
    if (grouped) pending.sql = std::move(sql);
  } else {
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
      if (!PQsendPrepare(conn, statement->name.c_str(), statement->sql.c_str(), count,
                         params.types().data())) {
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
    sent = PQsendQueryPrepared(conn, statement->name.c_str(), count, values.data(), nullptr,
                               nullptr, result_format) != 0;
  }
  if (!sent || (!grouped && !PQpipelineSync(conn))) {
    release_statement(pending);
    lost();
    return fail(socket_.last_error());
  }
  statements_sent_.fetch_add(1, std::memory_order_relaxed);
  if (!grouped) syncs_sent_.fetch_add(1, std::memory_order_relaxed);
  if (grouped) {
    pending.grouped = true;
    pending.params = std::move(params);
  }
  enqueue(std::move(pending));
  if (!grouped) return schedule_flush();
  if (group_open_) return;
  // The sync goes after whatever else is queued on the strand now: the
  // reads submitted in this turn.
  group_open_ = true;
  asio::post(strand_, [self = shared_from_this()] { self->close_group(); });
}

void Connection::submit_copy(std::string sql, std::string data, QueryHandler handler) {
  close_group();
  auto failed = [&](ErrorKind kind, std::string message) {
    handler.complete(std::make_exception_ptr(Error(kind, std::move(message))), {});
  };
  if (!alive_) return failed(ErrorKind::connection_lost, "connection is closed");
  // Never with queries in flight: their results would come outside the
  // pipeline. A leased connection has none between its statements.
  if (!pending_.empty()) return failed(ErrorKind::server, "a COPY needs its connection idle");
  PGconn* conn = socket_.conn();
  if (PQexitPipelineMode(conn) != 1 || !PQsendQuery(conn, sql.c_str())) {
    failed(ErrorKind::connection_lost, socket_.last_error());
    return fail(socket_.last_error());
  }
  statements_sent_.fetch_add(1, std::memory_order_relaxed);
  enqueue(Pending{.stage = Stage::copy_start,
                  .copy_data = std::move(data),
                  .handler = std::move(handler),
                  .sent_at = std::chrono::steady_clock::now()});
  schedule_flush();
}

bool Connection::process_copy(PGresult* raw) {
  PGconn* conn = socket_.conn();
  Pending& front = pending_.front();
  if (!raw) {
    if (front.stage != Stage::copy_end) {
      fail("protocol out of step: a COPY ended before its result");
      return false;
    }
    if (PQenterPipelineMode(conn) != 1) {
      fail("cannot enter pipeline mode again after a COPY");
      return false;
    }
    complete_front();
    return alive_;
  }
  Result result(raw);
  const auto status = PQresultStatus(raw);
  if (front.stage == Stage::copy_start && status == PGRES_COPY_IN) {
    // libpq grows its buffer to take the whole batch; the socket drains it
    // through the write loop.
    constexpr std::size_t kPiece = 256 * 1024;
    const std::string data = std::move(front.copy_data);
    for (std::size_t at = 0; at < data.size(); at += kPiece) {
      const auto n = std::min(kPiece, data.size() - at);
      if (PQputCopyData(conn, data.data() + at, static_cast<int>(n)) != 1) {
        fail(socket_.last_error());
        return false;
      }
    }
    if (PQputCopyEnd(conn, nullptr) != 1) {
      fail(socket_.last_error());
      return false;
    }
    front.stage = Stage::copy_result;
    schedule_flush();
    return alive_;
  }
  if (status == PGRES_FATAL_ERROR) {
    if (!front.error)
      front.error = std::make_exception_ptr(result_error(raw, socket_.last_error()));
  } else if (status == PGRES_COMMAND_OK) {
    front.result = std::move(result);
  } else {
    fail("protocol out of step: an unexpected result during a COPY");
    return false;
  }
  front.stage = Stage::copy_end;
  return true;
}

void Connection::close_group() {
  if (!group_open_) return;
  group_open_ = false;
  if (!alive_) return;
  if (!PQpipelineSync(socket_.conn())) return fail(socket_.last_error());
  syncs_sent_.fetch_add(1, std::memory_order_relaxed);
  enqueue(Pending{.stage = Stage::sync, .sent_at = std::chrono::steady_clock::now()});
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
  close_group();
  if (!alive_) return false;
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
  enqueue(std::move(pending));
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
    self->submit(std::move(sql), Params{}, QueryHandler{}, false);
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
    if (front.stage == Stage::copy_start || front.stage == Stage::copy_result ||
        front.stage == Stage::copy_end) {
      if (!process_copy(raw)) return false;
      continue;
    }
    if (!raw) {
      switch (front.stage) {
        case Stage::prepare_end:
          front.stage = Stage::query_result;
          continue;
        case Stage::query_end:
          if (!front.grouped) {
            front.stage = Stage::sync;
            continue;
          }
          // Its group's sync is a later entry of its own.
          complete_front();
          if (!alive_) return false;
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
      if (status == PGRES_PIPELINE_ABORTED && !front.error) front.aborted = true;
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

void Connection::enqueue(Pending pending) {
  if (pending_.empty())
    oldest_sent_.store(pending.sent_at.time_since_epoch().count(), std::memory_order_relaxed);
  pending_.push_back(std::move(pending));
  in_flight_.fetch_add(1, std::memory_order_relaxed);
}

Connection::Pending Connection::dequeue() {
  Pending front = std::move(pending_.front());
  pending_.pop_front();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  oldest_sent_.store(pending_.empty() ? 0 : pending_.front().sent_at.time_since_epoch().count(),
                     std::memory_order_relaxed);
  return front;
}

std::chrono::steady_clock::duration Connection::oldest_wait(
    std::chrono::steady_clock::time_point now) const {
  const auto sent = oldest_sent_.load(std::memory_order_relaxed);
  if (sent == 0) return {};
  return now.time_since_epoch() - std::chrono::steady_clock::duration(sent);
}

void Connection::complete_front() {
  Pending front = dequeue();
  if (front.grouped && front.aborted) {
    // Skipped for a neighbour's failure: again, alone (its PREPARE too, if
    // that was skipped: the statement is then no longer cached).
    std::string sql = front.replanned ? std::move(front.sql) : front.statement->sql;
    release_statement(front);
    return submit(std::move(sql), std::move(front.params), std::move(front.handler), false,
                  front.replanned, front.format);
  }
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
    Pending front = dequeue();
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
