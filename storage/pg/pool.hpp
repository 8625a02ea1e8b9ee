// The connection pool. Independent queries are multiplexed on shared
// pipelined connections (short ones packed onto the first connections, a
// page's read on the least busy one); a transaction leases one
// connection exclusively until it commits or rolls back. Connections that
// die are dropped and replaced on demand, with backoff between failed
// attempts; a query that cannot get a connection within the wait limit
// fails with Error{pool_timeout}.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/pg/connection.hpp"

namespace crmd::pg {

class Transaction;

struct PoolOptions {
  ConnectOptions connect;
  std::size_t max_size = 8;
  std::size_t min_size = 1;
  std::chrono::milliseconds wait_limit{2000};
  // Short statements (query, read) go to the first connection with fewer
  // than pack_threshold in flight, so that the reads of one turn share a
  // sync there: one send() and one wake-up of the backend for many
  // (contact_get: 20,900 req/s spread, 25,300 packed). A page's read
  // (read_page) goes to the least busy connection, and the pool opens
  // another one (up to max_size) once that has busy_threshold in flight:
  // long reads queued on one backend wait for each other, and a backend
  // that stalls delays every query queued on it (the 20,000-contact
  // search's p99 packed: 59 ms, spread: 20 ms; bench/README.md, issue 16).
  std::size_t pack_threshold = 16;
  std::size_t busy_threshold = 4;
  // The connections that carry reads and the other statements outside a
  // transaction (the first unleased ones); the rest, up to max_size, only
  // serve transactions. Fewer backends taking turns
  // on a small machine's cores shorten the tails of reads, until one of
  // them stalls and holds all the reads queued on it (bench/README.md,
  // issue 16, seventh session).
  std::size_t read_size = std::numeric_limits<std::size_t>::max();
  // A connection whose oldest unanswered statement has waited longer than
  // this is passed over by statements outside a transaction, and no longer
  // counts among the read_size: they go to the next one, opened if need
  // be. A backend waiting for a core would otherwise hold every read
  // queued on it (two_processes with two read connections: p99 0.9 s).
  std::chrono::milliseconds overflow_after{10};
  std::chrono::seconds health_check_interval{30};
  // Prepared statements kept per connection (least recently used out).
  std::size_t max_prepared = Connection::kDefaultMaxPrepared;
};

struct PoolStats {
  std::size_t size = 0;     // open connections
  std::size_t in_use = 0;   // connections with queries in flight or leased
  std::size_t leased = 0;   // held by transactions
  std::size_t waiting = 0;  // callers waiting for a connection
  // Since start, on the open connections: statements sent, and the syncs
  // that ended them (fewer when reads shared one).
  std::uint64_t statements = 0;
  std::uint64_t syncs = 0;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  Pool(boost::asio::io_context& io, boost::asio::thread_pool& blocking, PoolOptions options);
  ~Pool();

  // Opens min_size connections and starts the health checks. Throws Error.
  boost::asio::awaitable<void> start();
  // Closes every connection; later calls fail with Error{closed}.
  void close();

  // One statement with parameters, on a shared pipelined connection.
  boost::asio::awaitable<Result> query(std::string sql, Params params = Params{});
  template <class... Ts>
  boost::asio::awaitable<Result> query(std::string sql, const Ts&... values) {
    return query(std::move(sql), Params(values...));
  }
  // A read (see Access in connection.hpp): it may share one sync, one
  // send() and one implicit transaction with the reads next to it.
  // Format: see connection.hpp.
  boost::asio::awaitable<Result> read(std::string sql, Params params = Params{},
                                      Format format = Format::text);
  template <class... Ts>
  boost::asio::awaitable<Result> read(std::string sql, const Ts&... values) {
    return read(std::move(sql), Params(values...));
  }
  // A read of a page of rows (a list, a search, a read model): a read too,
  // but long enough to go where it queues behind the fewest. Planning: see
  // connection.hpp (per_call for a search whose patterns and id lists
  // decide which index serves it best).
  boost::asio::awaitable<Result> read_page(std::string sql, Params params,
                                           Planning planning = Planning::cached,
                                           Format format = Format::text);
  template <class... Ts>
  boost::asio::awaitable<Result> read_page(std::string sql, const Ts&... values) {
    return read_page(std::move(sql), Params(values...));
  }

  // BEGIN on a leased connection; see Transaction.
  boost::asio::awaitable<Transaction> begin(std::string begin_sql = "BEGIN");

  PoolStats stats() const;
  const PoolOptions& options() const { return options_; }
  // Connections opened since start (a reconnect counts), for tests and metrics.
  std::size_t connects() const;

 private:
  friend class Transaction;
  struct Waiter;

  // Where a statement goes: packed (short), spread (a page), or a leased
  // connection of its own (a transaction).
  enum class Placement { pack, spread, lease };

  boost::asio::awaitable<Result> run(std::string sql, Params params, Access access,
                                     Planning planning, Format format, Placement placement);
  boost::asio::awaitable<std::shared_ptr<Connection>> acquire(Placement placement);
  std::shared_ptr<Connection> pick_locked(Placement placement);
  boost::asio::awaitable<std::shared_ptr<Connection>> open_connection();
  void release(const std::shared_ptr<Connection>& connection);
  void remove(const Connection* connection);
  void wake_one_locked();
  boost::asio::awaitable<void> grow(std::shared_ptr<Pool> self);
  boost::asio::awaitable<void> health_loop(std::shared_ptr<Pool> self);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& blocking_;
  PoolOptions options_;

  mutable std::mutex mutex_;
  struct Slot {
    std::shared_ptr<Connection> connection;
    bool leased = false;
  };
  std::vector<Slot> slots_;
  std::size_t opening_ = 0;
  std::list<std::shared_ptr<Waiter>> waiters_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::size_t connects_ = 0;
  bool closed_ = false;
  std::shared_ptr<boost::asio::steady_timer> health_timer_;
};

// A scoped transaction: rolls back unless commit() succeeded. Its
// statements run in order on the leased connection.
class Transaction {
 public:
  Transaction(std::shared_ptr<Pool> pool, std::shared_ptr<Connection> connection);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  boost::asio::awaitable<Result> query(std::string sql, Params params = Params{});
  template <class... Ts>
  boost::asio::awaitable<Result> query(std::string sql, const Ts&... values) {
    return query(std::move(sql), Params(values...));
  }
  // COPY table (columns) FROM STDIN of data, rows in COPY's text format
  // (domain/common/copy_text.hpp); returns the number of rows copied.
  boost::asio::awaitable<std::int64_t> copy_in(std::string sql, std::string data);
  boost::asio::awaitable<void> commit();
  boost::asio::awaitable<void> rollback();

 private:
  void finish();

  std::shared_ptr<Pool> pool_;
  std::shared_ptr<Connection> connection_;
};

}  // namespace crmd::pg
