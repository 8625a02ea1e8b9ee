#include "storage/pg/pool.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace crmd::pg {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
}  // namespace

struct Pool::Waiter {
  explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
};

Pool::Pool(asio::io_context& io, asio::thread_pool& blocking, PoolOptions options)
    : io_(io), blocking_(blocking), options_(std::move(options)) {
  options_.min_size = std::min(options_.min_size, options_.max_size);
  options_.read_size = std::clamp<std::size_t>(options_.read_size, 1, options_.max_size);
}

Pool::~Pool() {
  close();
}

asio::awaitable<void> Pool::start() {
  for (std::size_t i = 0; i < options_.min_size; ++i) {
    {
      std::lock_guard lock(mutex_);
      ++opening_;
    }
    co_await open_connection();
  }
  health_timer_ = std::make_shared<asio::steady_timer>(io_);
  asio::co_spawn(io_, health_loop(shared_from_this()), asio::detached);
}

void Pool::close() {
  std::vector<Slot> slots;
  std::list<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    slots.swap(slots_);
    waiters.swap(waiters_);
  }
  for (auto& slot : slots) slot.connection->close();
  for (auto& waiter : waiters)
    asio::post(waiter->timer.get_executor(), [waiter] { waiter->timer.cancel(); });
  if (health_timer_) asio::post(io_, [timer = health_timer_] { timer->cancel(); });
}

asio::awaitable<Result> Pool::query(std::string sql, Params params) {
  return run(std::move(sql), std::move(params), Access::write, Planning::cached, Format::text,
             Placement::pack);
}

asio::awaitable<Result> Pool::read(std::string sql, Params params, Format format) {
  return run(std::move(sql), std::move(params), Access::read, Planning::cached, format,
             Placement::pack);
}

asio::awaitable<Result> Pool::read_page(std::string sql, Params params, Planning planning,
                                        Format format) {
  return run(std::move(sql), std::move(params), Access::read, planning, format, Placement::spread);
}

asio::awaitable<Result> Pool::run(std::string sql, Params params, Access access, Planning planning,
                                  Format format, Placement placement) {
  auto connection = co_await acquire(placement);
  co_return co_await connection->async_query(std::move(sql), std::move(params), access, planning,
                                             format, asio::use_awaitable);
}

asio::awaitable<Transaction> Pool::begin(std::string begin_sql) {
  // Awaited into a local first: g++ 12 destroys a co_await result passed
  // straight into a call twice.
  auto connection = co_await acquire(Placement::lease);
  Transaction transaction(shared_from_this(), std::move(connection));
  co_await transaction.query(std::move(begin_sql));
  co_return std::move(transaction);
}

std::shared_ptr<Connection> Pool::pick_locked(Placement placement) {
  // Packed: the first connection below pack_threshold; otherwise, and for
  // a page or a transaction, the least busy one (PoolOptions says why). A
  // statement outside a transaction looks at the first read_size unleased
  // connections that are not stalled; a stalled one is its last resort.
  const bool shared = placement != Placement::lease;
  const auto now = Clock::now();
  Slot* best = nullptr;
  Slot* stalled = nullptr;
  std::size_t readers = 0;
  for (auto& slot : slots_) {
    if (slot.leased || !slot.connection->alive()) continue;
    if (shared) {
      if (slot.connection->oldest_wait(now) > options_.overflow_after) {
        if (!stalled || slot.connection->in_flight() < stalled->connection->in_flight())
          stalled = &slot;
        continue;
      }
      if (readers == options_.read_size) break;
      ++readers;
    }
    if (placement == Placement::pack && slot.connection->in_flight() < options_.pack_threshold) {
      best = &slot;
      break;
    }
    if (!best || slot.connection->in_flight() < best->connection->in_flight()) best = &slot;
  }
  const bool can_grow = slots_.size() + opening_ < options_.max_size;
  if (!best) {
    // With room, the caller opens a connection rather than queue behind a
    // stall of unknown length.
    if (stalled && !(can_grow && now >= next_attempt_)) return stalled->connection;
    return nullptr;
  }
  if (placement == Placement::lease) {
    // A busy connection would make the transaction queue behind its
    // neighbours; take it only when the pool cannot grow.
    if (best->connection->in_flight() > 0 && can_grow) return nullptr;
    best->leased = true;
    // Before the transaction's BEGIN reaches the connection.
    best->connection->set_leased(true);
    return best->connection;
  }
  const auto busy =
      placement == Placement::pack ? options_.pack_threshold : options_.busy_threshold;
  if (best->connection->in_flight() >= busy && can_grow &&
      readers + opening_ < options_.read_size) {
    ++opening_;
    asio::co_spawn(io_, grow(shared_from_this()), asio::detached);
  }
  return best->connection;
}

asio::awaitable<void> Pool::grow(std::shared_ptr<Pool> self) {
  try {
    auto opened = co_await open_connection();
  } catch (const Error&) {
    // Backoff is recorded; the busy connection keeps serving.
  }
}

asio::awaitable<std::shared_ptr<Connection>> Pool::acquire(Placement placement) {
  const auto deadline = Clock::now() + options_.wait_limit;
  const auto executor = co_await asio::this_coro::executor;
  for (;;) {
    std::shared_ptr<Waiter> waiter;
    Clock::time_point wake_at = deadline;
    {
      std::lock_guard lock(mutex_);
      if (closed_) throw Error(ErrorKind::closed, "the database pool is closed");
      if (auto connection = pick_locked(placement)) co_return connection;
      const bool can_grow = slots_.size() + opening_ < options_.max_size;
      if (can_grow && Clock::now() >= next_attempt_) {
        ++opening_;
      } else {
        if (Clock::now() >= deadline)
          throw Error(ErrorKind::pool_timeout, "no database connection became free in time");
        if (can_grow) wake_at = std::min(deadline, next_attempt_);
        waiter = std::make_shared<Waiter>(executor);
        waiter->timer.expires_at(wake_at);
        waiters_.push_back(waiter);
      }
    }
    if (!waiter) {
      co_await open_connection();
      continue;
    }
    boost::system::error_code ec;
    co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::lock_guard lock(mutex_);
    waiters_.remove(waiter);
  }
}

asio::awaitable<std::shared_ptr<Connection>> Pool::open_connection() {
  auto connection = std::make_shared<Connection>(io_.get_executor(), options_.connect, blocking_,
                                                 options_.max_prepared);
  std::weak_ptr<Pool> weak = weak_from_this();
  connection->on_death([weak, raw = connection.get()] {
    if (auto pool = weak.lock()) pool->remove(raw);
  });
  try {
    co_await connection->open();
  } catch (const Error&) {
    std::lock_guard lock(mutex_);
    --opening_;
    backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kMaxBackoff);
    next_attempt_ = Clock::now() + backoff_;
    throw;
  }
  bool closed = false;
  {
    std::lock_guard lock(mutex_);
    --opening_;
    backoff_ = std::chrono::milliseconds(0);
    ++connects_;
    closed = closed_;
    if (!closed) {
      slots_.push_back({connection, false});
      wake_one_locked();
    }
  }
  if (closed) {
    // Outside the lock: close() calls on_death, which takes it (remove()).
    connection->close();
    throw Error(ErrorKind::closed, "the database pool is closed");
  }
  co_return connection;
}

void Pool::release(const std::shared_ptr<Connection>& connection) {
  connection->set_leased(false);
  std::lock_guard lock(mutex_);
  for (auto& slot : slots_)
    if (slot.connection == connection) slot.leased = false;
  wake_one_locked();
}

void Pool::remove(const Connection* connection) {
  std::lock_guard lock(mutex_);
  std::erase_if(slots_, [&](const Slot& s) { return s.connection.get() == connection; });
  wake_one_locked();
}

void Pool::wake_one_locked() {
  if (waiters_.empty()) return;
  auto waiter = waiters_.front();
  waiters_.pop_front();
  asio::post(waiter->timer.get_executor(), [waiter] { waiter->timer.cancel(); });
}

// self: the frame keeps the object alive from creation to destruction.
asio::awaitable<void> Pool::health_loop(std::shared_ptr<Pool> self) {
  auto timer = health_timer_;
  for (;;) {
    timer->expires_after(options_.health_check_interval);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::vector<std::shared_ptr<Connection>> idle;
    std::size_t missing = 0;
    {
      std::lock_guard lock(mutex_);
      if (ec || closed_) co_return;
      for (auto& slot : slots_)
        if (!slot.leased && slot.connection->in_flight() == 0) idle.push_back(slot.connection);
      const std::size_t have = slots_.size() + opening_;
      missing = have < options_.min_size ? options_.min_size - have : 0;
      opening_ += missing;
    }
    // A failed ping closes its connection, which removes it from the pool.
    for (auto& connection : idle) {
      try {
        co_await connection->async_query("SELECT 1", Params{}, Access::read, Planning::cached,
                                         Format::text, asio::use_awaitable);
      } catch (const Error&) {
      }
    }
    for (std::size_t i = 0; i < missing; ++i) {
      try {
        co_await open_connection();
      } catch (const Error&) {
      }
    }
  }
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  PoolStats stats;
  stats.size = slots_.size();
  stats.waiting = waiters_.size();
  for (const auto& slot : slots_) {
    if (slot.leased) ++stats.leased;
    if (slot.leased || slot.connection->in_flight() > 0) ++stats.in_use;
    stats.statements += slot.connection->statements();
    stats.syncs += slot.connection->syncs();
  }
  return stats;
}

std::size_t Pool::connects() const {
  std::lock_guard lock(mutex_);
  return connects_;
}

Transaction::Transaction(std::shared_ptr<Pool> pool, std::shared_ptr<Connection> connection)
    : pool_(std::move(pool)), connection_(std::move(connection)) {}

Transaction::Transaction(Transaction&& other) noexcept
    : pool_(std::move(other.pool_)), connection_(std::move(other.connection_)) {}

Transaction::~Transaction() {
  if (!connection_) return;
  // Queued behind this transaction's statements, so it runs before anything
  // the next user of the connection sends.
  connection_->send_detached("ROLLBACK");
  finish();
}

asio::awaitable<Result> Transaction::query(std::string sql, Params params) {
  if (!connection_) throw Error(ErrorKind::closed, "the transaction has ended");
  co_return co_await connection_->async_query(std::move(sql), std::move(params), Access::write,
                                              Planning::cached, Format::text, asio::use_awaitable);
}

asio::awaitable<std::int64_t> Transaction::copy_in(std::string sql, std::string data) {
  if (!connection_) throw Error(ErrorKind::closed, "the transaction has ended");
  const auto result =
      co_await connection_->async_copy_in(std::move(sql), std::move(data), asio::use_awaitable);
  co_return std::stoll(PQcmdTuples(result.raw()));
}

asio::awaitable<void> Transaction::commit() {
  Result result;
  try {
    result = co_await query("COMMIT");
  } catch (...) {
    finish();
    throw;
  }
  finish();
  // COMMIT of a failed transaction answers ROLLBACK rather than an error.
  if (std::string_view(PQcmdStatus(result.raw())) == "ROLLBACK")
    throw Error(ErrorKind::server, "the transaction was rolled back", "25P02");
}

asio::awaitable<void> Transaction::rollback() {
  try {
    co_await query("ROLLBACK");
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

void Transaction::finish() {
  if (!connection_) return;
  pool_->release(connection_);
  connection_.reset();
}

}  // namespace crmd::pg
