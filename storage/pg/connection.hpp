// One PostgreSQL connection in pipeline mode, shared by any number of
// requests: each query is sent at once (prepare on first use, execute,
// sync) and its result is matched to it in FIFO order when it arrives, so
// queries from different requests share round trips. Reads (Access::read)
// submitted in the same turn of the strand share one sync, so one send()
// and one wake-up of the server carry them all (libpq 15's PQpipelineSync
// always flushes); when one of them fails, the server skips the rest of the
// group, and those are sent again one by one, each with a sync of its own:
// a failure never reaches a neighbour. At most max_prepared
// statements stay prepared: the least recently used one that no query in
// flight executes is deallocated, in the pipeline, to make room (while a
// transaction holds the connection, once it ends).
// Everything touching the PGconn runs on the connection's strand; callers
// resume on their own executors.
#pragma once

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/pg/socket.hpp"

namespace crmd::pg {

using QuerySignature = void(std::exception_ptr, Result);

// What a statement does, as its caller declares it: a read has no effect
// (no write, no lock, no volatile function with side effects), so it may
// run in one implicit transaction with the reads around it and be sent
// again if a neighbour's failure skipped it.
enum class Access { write, read };

// How a statement is planned: prepared on first use, its plan cached (after
// five runs PostgreSQL keeps a generic plan when it costs no more than the
// custom ones did), or planned anew for each call with its parameters'
// values, as an unnamed statement: for statements whose best plan depends
// on the values (a search's patterns and id lists).
enum class Planning { cached, per_call };

// How a statement's rows come back: as text, or in PostgreSQL's binary
// forms, which spare both sides the text of timestamps, UUIDs and arrays
// (bench/README.md, issue 16). Binary is for statements whose every column
// is read through Row::get as one of the types decode_binary takes
// (result.hpp); a text column's bytes are its text either way.
enum class Format { text, binary };

// A type-erased query completion that resumes its caller on the caller's
// executor. (Boost 1.81's any_completion_handler cannot be posted.)
class QueryHandler {
 public:
  QueryHandler() = default;
  template <class Handler>
  QueryHandler(Handler handler, const boost::asio::any_io_executor& fallback)
      : executor_(boost::asio::get_associated_executor(handler, fallback)),
        impl_(std::make_unique<Impl<Handler>>(std::move(handler))) {}

  explicit operator bool() const { return impl_ != nullptr; }
  void complete(std::exception_ptr error, Result result) {
    if (!impl_) return;  // a detached query
    boost::asio::post(executor_,
                      [impl = std::move(impl_), error, result = std::move(result)]() mutable {
                        impl->call(error, std::move(result));
                      });
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void call(std::exception_ptr, Result) = 0;
  };
  template <class Handler>
  struct Impl final : Base {
    explicit Impl(Handler h) : handler(std::move(h)) {}
    void call(std::exception_ptr e, Result r) override { std::move(handler)(e, std::move(r)); }
    Handler handler;
  };
  boost::asio::any_io_executor executor_;
  std::unique_ptr<Base> impl_;
};

struct PendingQuery {
  std::string sql;
  Params params;
  Access access = Access::write;
  Planning planning = Planning::cached;
  Format format = Format::text;
};

struct PendingCopy {
  std::string sql;
  std::string data;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Executor = boost::asio::strand<boost::asio::any_io_executor>;

  static constexpr std::size_t kDefaultMaxPrepared = 256;

  Connection(boost::asio::any_io_executor io, ConnectOptions options,
             boost::asio::thread_pool& blocking, std::size_t max_prepared = kDefaultMaxPrepared);
  ~Connection();

  // Connects and enters pipeline mode; then starts the reader. Throws Error.
  boost::asio::awaitable<void> open();

  template <class Token>
  auto async_query(std::string sql, Params params, Access access, Planning planning, Format format,
                   Token&& token) {
    // Only trivially destructible values cross async_initiate (see
    // storage/async.hpp): the query travels as a raw pointer it owns again.
    auto* query = new PendingQuery{std::move(sql), std::move(params), access, planning, format};
    return boost::asio::async_initiate<Token, QuerySignature>(
        [this](auto handler, PendingQuery* raw) {
          std::unique_ptr<PendingQuery> owned(raw);
          handed_.fetch_add(1, std::memory_order_relaxed);
          boost::asio::dispatch(strand_, [self = shared_from_this(),
                                          handler = QueryHandler(std::move(handler), strand_),
                                          owned = std::move(owned)]() mutable {
            self->handed_.fetch_sub(1, std::memory_order_relaxed);
            self->submit(std::move(owned->sql), std::move(owned->params), std::move(handler),
                         owned->access == Access::read, owned->planning == Planning::per_call,
                         owned->format);
          });
        },
        token, query);
  }

  // COPY ... FROM STDIN of data (rows in COPY's text format), on a leased
  // connection with nothing in flight. libpq allows no COPY in pipeline
  // mode: the connection leaves it for the COPY and enters it again after.
  // The data goes into libpq's buffer at once and out as the socket takes
  // it; the answer is the COPY's result.
  template <class Token>
  auto async_copy_in(std::string sql, std::string data, Token&& token) {
    auto* copy = new PendingCopy{std::move(sql), std::move(data)};
    return boost::asio::async_initiate<Token, QuerySignature>(
        [this](auto handler, PendingCopy* raw) {
          std::unique_ptr<PendingCopy> owned(raw);
          boost::asio::dispatch(strand_, [self = shared_from_this(),
                                          handler = QueryHandler(std::move(handler), strand_),
                                          owned = std::move(owned)]() mutable {
            self->submit_copy(std::move(owned->sql), std::move(owned->data), std::move(handler));
          });
        },
        token, copy);
  }

  // Queues sql and ignores its outcome (a ROLLBACK from a destructor).
  void send_detached(std::string sql);

  // Closes the connection; pending queries fail with connection_lost.
  void close();

  bool alive() const { return alive_.load(std::memory_order_acquire); }
  // Queries sent and not yet answered, and those handed to the strand but
  // not yet sent: the pool's measure of how busy a connection is.
  std::size_t in_flight() const {
    return in_flight_.load(std::memory_order_relaxed) + handed_.load(std::memory_order_relaxed);
  }
  // How long the oldest statement sent and not yet answered has waited
  // (zero when none is): a backend that stalls shows here first.
  std::chrono::steady_clock::duration oldest_wait(std::chrono::steady_clock::time_point now) const;
  std::uint64_t statements() const { return statements_sent_.load(std::memory_order_relaxed); }
  std::uint64_t syncs() const { return syncs_sent_.load(std::memory_order_relaxed); }
  // Set while a transaction holds the connection (DEALLOCATEs wait).
  void set_leased(bool leased);
  // Called once, on the strand, when the connection dies.
  void on_death(std::function<void()> callback) { on_death_ = std::move(callback); }

 private:
  enum class Stage {
    prepare_result,
    prepare_end,
    query_result,
    query_end,
    sync,
    copy_start,   // waiting for the server to take the COPY's data
    copy_result,  // the data is sent; waiting for the COPY's result
    copy_end,     // the result is in; waiting for the end of the command
  };
  struct Statement {
    std::string sql;
    std::string name;
    std::size_t users = 0;  // queries in flight that execute it
    bool cached = true;     // false once its PREPARE failed: dropped when unused
  };
  using StatementList = std::list<Statement>;  // least recently used first
  struct Pending {
    Stage stage = Stage::query_result;
    StatementList::iterator statement;  // valid when executes is set
    bool executes = false;              // runs a prepared statement
    bool prepares = false;              // also sent that statement's PREPARE
    std::string deallocated;            // a DEALLOCATE's statement name
    // A read sharing its group's sync: complete once its results are in;
    // its parameters are kept to send it again if a neighbour's failure
    // skipped it (aborted).
    bool grouped = false;
    bool aborted = false;
    bool replanned = false;  // an unnamed statement, its sql kept here
    Format format = Format::text;
    std::string sql;
    Params params = Params{};
    std::string copy_data;  // a COPY's rows, until they are handed to libpq
    Result result;
    std::exception_ptr error;
    QueryHandler handler;  // empty for detached queries and group syncs
    std::chrono::steady_clock::time_point sent_at;
  };

  boost::asio::awaitable<void> open_on_strand(std::shared_ptr<Connection> self);
  // grouped: the query is a read that may share the sync of this turn;
  // replanned: it is planned for this call (Planning::per_call).
  void submit(std::string sql, Params params, QueryHandler handler, bool grouped,
              bool replanned = false, Format format = Format::text);
  // Sends the sync of the open group of reads, if any.
  void close_group();
  void submit_copy(std::string sql, std::string data, QueryHandler handler);
  // One result (or the end, raw null) of the COPY at the front; false when
  // the connection failed.
  bool process_copy(struct pg_result* raw);
  void schedule_flush();
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> watchdog(std::shared_ptr<Connection> self);
  bool process_results();  // false on a protocol failure
  // Every statement enters and leaves pending_ through these two.
  void enqueue(Pending pending);
  Pending dequeue();
  void complete_front();
  void release_statement(Pending& pending);
  // Drops unused statements, least recently used first, until at most
  // keep stay prepared; their DEALLOCATEs wait in deallocations_.
  void evict(std::size_t keep);
  // Both false when the connection failed.
  bool send_deallocations();
  bool send_deallocate(std::string name);
  void fail(const std::string& reason);

  Executor strand_;
  ConnectOptions options_;
  boost::asio::thread_pool& blocking_;
  Socket socket_;
  boost::asio::steady_timer watchdog_timer_;
  std::deque<Pending> pending_;
  std::size_t max_prepared_;
  StatementList statements_;
  // Keys view the sql of statements_' elements, which lists never move.
  std::unordered_map<std::string_view, StatementList::iterator> prepared_;
  // Names of evicted statements still prepared on the server.
  std::vector<std::string> deallocations_;
  std::size_t next_statement_ = 0;
  bool writing_ = false;
  bool group_open_ = false;  // reads were sent since the last sync
  std::atomic<bool> alive_{false};
  bool leased_ = false;  // strand only
  std::atomic<std::size_t> in_flight_{0};
  // Counted from the caller's side at once: the requests of one turn of the
  // I/O loop would otherwise all see an idle connection and pile onto it,
  // one group of any size on one backend while the others wait.
  std::atomic<std::size_t> handed_{0};
  // The front of pending_'s sent_at (0 when empty), for oldest_wait().
  std::atomic<std::chrono::steady_clock::rep> oldest_sent_{0};
  std::atomic<std::uint64_t> statements_sent_{0}, syncs_sent_{0};
  std::function<void()> on_death_;
};

}  // namespace crmd::pg
