// One PostgreSQL connection in pipeline mode, shared by any number of
// requests: each query is sent at once (prepare on first use, execute,
// sync) and its result is matched to it in FIFO order when it arrives, so
// queries from different requests share round trips. At most max_prepared
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
  auto async_query(std::string sql, Params params, Token&& token) {
    // Only trivially destructible values cross async_initiate (see
    // storage/async.hpp): the query travels as a raw pointer it owns again.
    auto* query = new PendingQuery{std::move(sql), std::move(params)};
    return boost::asio::async_initiate<Token, QuerySignature>(
        [this](auto handler, PendingQuery* raw) {
          std::unique_ptr<PendingQuery> owned(raw);
          boost::asio::dispatch(strand_, [self = shared_from_this(),
                                          handler = QueryHandler(std::move(handler), strand_),
                                          owned = std::move(owned)]() mutable {
            self->submit(std::move(owned->sql), std::move(owned->params), std::move(handler));
          });
        },
        token, query);
  }

  // Queues sql and ignores its outcome (a ROLLBACK from a destructor).
  void send_detached(std::string sql);

  // Closes the connection; pending queries fail with connection_lost.
  void close();

  bool alive() const { return alive_.load(std::memory_order_acquire); }
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // Set while a transaction holds the connection (DEALLOCATEs wait).
  void set_leased(bool leased);
  // Called once, on the strand, when the connection dies.
  void on_death(std::function<void()> callback) { on_death_ = std::move(callback); }

 private:
  enum class Stage { prepare_result, prepare_end, query_result, query_end, sync };
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
    Result result;
    std::exception_ptr error;
    QueryHandler handler;  // empty for detached queries
    std::chrono::steady_clock::time_point sent_at;
  };

  boost::asio::awaitable<void> open_on_strand(std::shared_ptr<Connection> self);
  void submit(std::string sql, Params params, QueryHandler handler);
  void schedule_flush();
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> watchdog(std::shared_ptr<Connection> self);
  bool process_results();  // false on a protocol failure
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
  std::atomic<bool> alive_{false};
  bool leased_ = false;  // strand only
  std::atomic<std::size_t> in_flight_{0};
  std::function<void()> on_death_;
};

}  // namespace crmd::pg
