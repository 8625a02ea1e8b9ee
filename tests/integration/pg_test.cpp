#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "server/http/errors.hpp"
#include "storage/pg/listener.hpp"
#include "storage/pg/pool.hpp"
#include "support/test_support.hpp"

namespace crmd::pg {
namespace {

using test::IoThreads;
namespace asio = boost::asio;

// Waits for work at most `limit`; past it the test fails and `give_up`
// runs (it should make the work end, e.g. by closing what it waits on).
template <class T>
T finish_within(std::future<T> done, std::chrono::seconds limit,
                const std::function<void()>& give_up) {
  if (done.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "not done within " << limit.count() << " s";
    give_up();
  }
  return done.get();
}

// The conninfo of the test database with its host and port replaced.
std::string conninfo_via(const std::string& host, unsigned short port) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(test::database_url().c_str(), &error);
  if (!options) {
    PQfreemem(error);
    throw std::runtime_error("unparsable DATABASE_URL");
  }
  std::string out;
  for (auto* o = options; o->keyword; ++o) {
    const std::string key = o->keyword;
    if (!o->val || key == "host" || key == "hostaddr" || key == "port") continue;
    std::string value;
    for (const char* c = o->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') value += '\\';
      value += *c;
    }
    out += key + "='" + value + "' ";
  }
  PQconninfoFree(options);
  return out + "host=" + host + " port=" + std::to_string(port);
}

// The Unix socket of the test database, or "" when it is reached over TCP.
std::string database_socket_path() {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(test::database_url().c_str(), &error);
  if (!options) {
    PQfreemem(error);
    return "";
  }
  std::string host, port = "5432";
  for (auto* o = options; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    if (std::string_view(o->keyword) == "host") host = o->val;
    if (std::string_view(o->keyword) == "port") port = o->val;
  }
  PQconninfoFree(options);
  if (!host.starts_with('/')) return "";
  return host + "/.s.PGSQL." + port;
}

// A TCP proxy on 127.0.0.1 to the test database's Unix socket. freeze()
// makes the connections it carries stop forwarding without closing, as a
// network that lost them would; later connections are carried normally.
class FreezableProxy {
 public:
  explicit FreezableProxy(std::string socket_path)
      : path_(std::move(socket_path)),
        acceptor_(io_, {asio::ip::address_v4::loopback(), 0}),
        guard_(io_.get_executor()) {
    asio::co_spawn(io_, accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FreezableProxy() {
    asio::post(io_, asio::use_future([this] {
                 acceptor_.close();
                 for (auto& session : sessions_) session->close();
                 sessions_.clear();
               }))
        .get();
    guard_.reset();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::size_t accepted() const { return accepted_; }
  void freeze() {
    asio::post(io_, asio::use_future([this] {
                 for (auto& session : sessions_) session->frozen = true;
               }))
        .get();
  }

 private:
  struct Session {
    explicit Session(asio::io_context& io) : client(io), server(io) {}
    void close() {
      boost::system::error_code ignored;
      client.close(ignored);
      server.close(ignored);
    }
    asio::ip::tcp::socket client;
    asio::local::stream_protocol::socket server;
    bool frozen = false;
  };

  asio::awaitable<void> accept() {
    for (;;) {
      auto session = std::make_shared<Session>(io_);
      boost::system::error_code ec;
      co_await acceptor_.async_accept(session->client,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      session->server.connect(asio::local::stream_protocol::endpoint(path_), ec);
      if (ec) continue;
      ++accepted_;
      sessions_.push_back(session);
      asio::co_spawn(io_, pump(session, session->client, session->server), asio::detached);
      asio::co_spawn(io_, pump(session, session->server, session->client), asio::detached);
    }
  }

  template <class From, class To>
  static asio::awaitable<void> pump(std::shared_ptr<Session> session, From& from, To& to) {
    char buffer[16384];
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = co_await from.async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (session->frozen) co_return;  // swallowed: nothing answers any more
      co_await asio::async_write(to, asio::buffer(buffer, n),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    if (!session->frozen) session->close();
  }

  std::string path_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::shared_ptr<Session>> sessions_;  // proxy thread only
  std::atomic<std::size_t> accepted_{0};
  std::thread thread_;
};

class PgTest : public ::testing::Test {
 protected:
  static PoolOptions pool_options(std::size_t max_size = 2,
                                  std::chrono::milliseconds wait = std::chrono::milliseconds(2000),
                                  std::string application_name = "crmd-test") {
    PoolOptions options;
    options.connect.conninfo = test::database_url();
    options.connect.application_name = std::move(application_name);
    options.max_size = max_size;
    options.min_size = 1;
    options.wait_limit = wait;
    return options;
  }
  // Reads started from one handler, on one I/O thread, with four connections
  // open: each counts on its connection from the moment it is handed over, so
  // they spread as the placement rules say instead of all reaching the
  // connection that looked idle when the turn began. Returns how many of the
  // reads ran on each backend.
  std::map<std::string, int> backends_of_one_turn(bool pages, std::size_t read_size = 4) {
    asio::io_context one;
    auto guard = asio::make_work_guard(one);
    std::thread thread([&] { one.run(); });
    auto options = pool_options(4);
    options.min_size = 4;
    options.pack_threshold = 3;
    options.busy_threshold = 2;
    options.read_size = read_size;
    auto pool = std::make_shared<Pool>(one, blocking, options);
    asio::co_spawn(one, pool->start(), asio::use_future).get();
    auto backend = [pool, pages]() -> asio::awaitable<std::string> {
      const std::string sql = "SELECT pg_backend_pid()::text";
      pg::Result result;
      if (pages)
        result = co_await pool->read_page(sql);
      else
        result = co_await pool->read(sql);
      co_return result.one().get<std::string>(0);
    };
    std::promise<std::vector<std::future<std::string>>> started;
    asio::post(one, [&] {
      std::vector<std::future<std::string>> futures;
      for (int i = 0; i < 8; ++i)
        futures.push_back(asio::co_spawn(one, backend(), asio::use_future));
      started.set_value(std::move(futures));
    });
    std::map<std::string, int> reads;
    for (auto& future : started.get_future().get()) ++reads[future.get()];
    pool->close();
    pool.reset();
    guard.reset();
    thread.join();
    return reads;
  }
  std::shared_ptr<Pool> start_pool(const PoolOptions& options) {
    auto pool = std::make_shared<Pool>(io.io(), blocking, options);
    io.run(pool->start());
    pools.push_back(pool);
    return pool;
  }
  std::shared_ptr<Pool> make_pool(std::size_t max_size = 2,
                                  std::chrono::milliseconds wait = std::chrono::milliseconds(2000),
                                  std::string application_name = "crmd-test") {
    return start_pool(pool_options(max_size, wait, std::move(application_name)));
  }

  void TearDown() override {
    for (auto& pool : pools) pool->close();
  }

  IoThreads io;
  asio::thread_pool blocking{2};
  std::vector<std::shared_ptr<Pool>> pools;
};

TEST_F(PgTest, TypedParametersAndRowsRoundTrip) {
  auto pool = make_pool();
  const auto id = Uuid::random_v4();
  const auto when = *parse_timestamp("2026-11-21T10:20:30.123456Z");
  auto result = io.run(pool->query(
      "SELECT $1::int8 AS big, $2::bool AS flag, $3::text AS name, $4::uuid AS id,"
      " $5::timestamptz AS at, $6::numeric AS amount, $7::jsonb AS doc, NULL::text AS nothing,"
      " $8::int4 AS small",
      std::int64_t{1} << 40, true, std::string("O'Brien \"quoted\""), id, when, Numeric{"1234.50"},
      boost::json::value(boost::json::parse(R"({"k":[1,"two"]})")), std::int32_t{-7}));
  auto row = result.one();
  EXPECT_EQ(row.get<std::int64_t>("big"), std::int64_t{1} << 40);
  EXPECT_TRUE(row.get<bool>("flag"));
  EXPECT_EQ(row.get<std::string>("name"), "O'Brien \"quoted\"");
  EXPECT_EQ(row.get<Uuid>("id"), id);
  EXPECT_EQ(row.get<Timestamp>("at"), when);
  EXPECT_EQ(row.get<Numeric>("amount").text, "1234.50");
  EXPECT_EQ(boost::json::serialize(row.get<boost::json::value>("doc")), R"({"k":[1,"two"]})");
  EXPECT_FALSE(row.get<std::optional<std::string>>("nothing"));
  EXPECT_THROW(row.get<std::string>("nothing"), Error);
  EXPECT_EQ(row.get<std::int32_t>("small"), -7);
}

// The binary form of every type decode_binary takes, read back from the
// server as the same values its text form gives.
TEST_F(PgTest, BinaryRowsDecodeAsTheirTextDoes) {
  auto pool = make_pool();
  const std::string sql =
      "SELECT $1::int8, $2::bool, $3::text, $4::uuid, $5::timestamptz,"
      " '1999-12-31 23:59:59.999999+00'::timestamptz, $6::jsonb, '{\"j\": 1}'::json,"
      " $7::int4, 2.5::float8, '{}'::text[], ARRAY['a', 'b, c', 'd\"e', 'é', '']::text[],"
      " 0::numeric, -1234.50::numeric, 0.0001::numeric, 123456789.000123::numeric,"
      " 10000::numeric, 'NaN'::numeric, 12345678901234567890::numeric, 'x'::citext, NULL::uuid";
  const Params params(std::int64_t{-(std::int64_t{1} << 40)}, false, std::string("O'Brien"),
                      Uuid::random_v4(), *parse_timestamp("2026-11-21T10:20:30.123456Z"),
                      boost::json::value(boost::json::parse(R"({"k":[1,"two"]})")),
                      std::int32_t{-7});
  io.run(pool->query("CREATE EXTENSION IF NOT EXISTS citext"));
  const auto text = io.run(pool->read(sql, params));
  const auto binary = io.run(pool->read(sql, params, Format::binary));
  EXPECT_FALSE(text.binary());
  ASSERT_TRUE(binary.binary());
  const auto t = text.one();
  const auto b = binary.one();
  EXPECT_EQ(b.get<std::int64_t>(0), t.get<std::int64_t>(0));
  EXPECT_EQ(b.get<bool>(1), t.get<bool>(1));
  EXPECT_EQ(b.get<std::string>(2), t.get<std::string>(2));
  EXPECT_EQ(b.get<Uuid>(3), t.get<Uuid>(3));
  for (int column : {4, 5}) EXPECT_EQ(b.get<Timestamp>(column), t.get<Timestamp>(column));
  for (int column : {6, 7})
    EXPECT_EQ(b.get<boost::json::value>(column), t.get<boost::json::value>(column));
  EXPECT_EQ(b.get<std::int32_t>(8), t.get<std::int32_t>(8));
  EXPECT_EQ(b.get<double>(9), t.get<double>(9));
  for (int column : {10, 11})
    EXPECT_EQ(b.get<std::vector<std::string>>(column), t.get<std::vector<std::string>>(column));
  for (int column = 12; column <= 18; ++column)
    EXPECT_EQ(b.get<Numeric>(column).text, t.get<Numeric>(column).text) << "column " << column;
  EXPECT_EQ(b.get<std::string>(19), "x");
  EXPECT_FALSE(b.get<std::optional<Uuid>>(20));
}

TEST_F(PgTest, BinaryRowsRefuseWhatTheirTextRefuses) {
  auto pool = make_pool();
  const auto result =
      io.run(pool->read("SELECT 'infinity'::timestamptz, ARRAY['a', NULL]::text[], 1::int8",
                        Params{}, Format::binary));
  const auto row = result.one();
  EXPECT_THROW(row.get<Timestamp>(0), Error);
  EXPECT_THROW(row.get<std::vector<std::string>>(1), Error);
  EXPECT_THROW(row.get<std::int32_t>(2), Error);  // eight bytes, not four
}

TEST_F(PgTest, PipelinedQueriesGetTheirOwnResultsInOrder) {
  auto pool = make_pool(1);  // every query shares one connection
  std::vector<std::future<std::int64_t>> results;
  for (std::int64_t i = 0; i < 200; ++i) {
    results.push_back(asio::co_spawn(
        io.io(),
        [&, i]() -> asio::awaitable<std::int64_t> {
          const auto result = co_await pool->query("SELECT $1::int8 * 2", i);
          co_return result.one().get<std::int64_t>(0);
        },
        asio::use_future));
  }
  for (std::int64_t i = 0; i < 200; ++i) EXPECT_EQ(results[i].get(), i * 2);
}

TEST_F(PgTest, AFailingQueryDoesNotAbortItsNeighbours) {
  auto pool = make_pool(1);  // all three share one pipelined connection
  auto safe = [pool](std::string sql) -> asio::awaitable<std::string> {
    try {
      const auto result = co_await pool->query(std::move(sql));
      co_return result.one().get<std::string>(0);
    } catch (const Error& e) {
      co_return "error " + e.sqlstate();
    }
  };
  auto a = asio::co_spawn(io.io(), safe("SELECT '1'"), asio::use_future);
  auto b = asio::co_spawn(io.io(), safe("SELECT (1/0)::text"), asio::use_future);
  auto c = asio::co_spawn(io.io(), safe("SELECT '3'"), asio::use_future);
  EXPECT_EQ(a.get(), "1");
  EXPECT_EQ(b.get(), "error 22012");
  EXPECT_EQ(c.get(), "3");
}

TEST_F(PgTest, ReadsShareASyncAndAFailingReadDoesNotFailItsGroup) {
  // One I/O thread: of the five reads, started from one handler, the first
  // reaches the idle strand at once (dispatch) and is sent with the sync it
  // posts; the other four queue behind that sync and make one group.
  asio::io_context one;
  auto guard = asio::make_work_guard(one);
  std::thread thread([&] { one.run(); });
  auto pool = std::make_shared<Pool>(one, blocking, pool_options(1));
  asio::co_spawn(one, pool->start(), asio::use_future).get();
  // Binary rows: a read sent again keeps its format.
  auto safe = [pool](std::string sql) -> asio::awaitable<std::string> {
    try {
      const auto result = co_await pool->read(std::move(sql), Params{}, Format::binary);
      if (!result.binary()) co_return "text rows";
      co_return result.one().get<std::string>(0);
    } catch (const Error& e) {
      co_return "error " + e.sqlstate();
    }
  };
  // The failing read comes second, and a statement never prepared before
  // after it (its PREPARE is skipped too).
  const auto unique = Uuid::random_v4().str();
  std::vector<std::string> sql = {"SELECT '0'", "SELECT (1/0)::text", "SELECT '2'",
                                  "SELECT 'new " + unique + "'", "SELECT '4'"};
  const auto before = pool->stats();
  std::promise<std::vector<std::future<std::string>>> started;
  asio::post(one, [&] {
    std::vector<std::future<std::string>> futures;
    for (const auto& s : sql) futures.push_back(asio::co_spawn(one, safe(s), asio::use_future));
    started.set_value(std::move(futures));
  });
  auto futures = started.get_future().get();
  EXPECT_EQ(futures[0].get(), "0");
  EXPECT_EQ(futures[1].get(), "error 22012");
  EXPECT_EQ(futures[2].get(), "2");
  EXPECT_EQ(futures[3].get(), "new " + unique);
  EXPECT_EQ(futures[4].get(), "4");
  const auto after = pool->stats();
  // The three reads the failure skipped were sent again: eight statements;
  // the four of the group shared one sync.
  EXPECT_EQ(after.statements - before.statements, 8u);
  EXPECT_LT(after.syncs - before.syncs, 8u);
  // The statement whose PREPARE was skipped works from the cache now.
  EXPECT_EQ(asio::co_spawn(one, safe("SELECT 'new " + unique + "'"), asio::use_future).get(),
            "new " + unique);
  pool->close();
  pool.reset();
  guard.reset();
  thread.join();
}

TEST_F(PgTest, ShortReadsOfOneTurnFillAConnectionUpToThePackThreshold) {
  const auto reads = backends_of_one_turn(false);
  EXPECT_EQ(reads.size(), 3u);
  for (const auto& [pid, count] : reads) EXPECT_LE(count, 3) << pid;
}

TEST_F(PgTest, PageReadsOfOneTurnSpreadOverTheLeastBusyConnections) {
  const auto reads = backends_of_one_turn(true);
  EXPECT_EQ(reads.size(), 4u);
  for (const auto& [pid, count] : reads) EXPECT_EQ(count, 2) << pid;
}

TEST_F(PgTest, ReadsStayOnTheReadConnections) {
  const auto pages = backends_of_one_turn(true, 2);
  EXPECT_EQ(pages.size(), 2u);
  for (const auto& [pid, count] : pages) EXPECT_EQ(count, 4) << pid;
  EXPECT_EQ(backends_of_one_turn(false, 1).size(), 1u);
}

TEST_F(PgTest, TransactionsLeaseConnectionsBeyondTheReadConnections) {
  auto options = pool_options(3);
  options.read_size = 1;
  auto pool = start_pool(options);
  auto both = [pool]() -> asio::awaitable<std::set<std::string>> {
    auto first = co_await pool->begin();
    auto second = co_await pool->begin();
    std::set<std::string> backends;
    for (auto* tx : {&first, &second}) {
      const auto result = co_await tx->query("SELECT pg_backend_pid()::text");
      backends.insert(result.one().get<std::string>(0));
    }
    // A read meanwhile goes to the one connection that carries reads.
    const auto read = co_await pool->read("SELECT pg_backend_pid()::text");
    backends.insert(read.one().get<std::string>(0));
    co_await first.commit();
    co_await second.commit();
    co_return backends;
  };
  EXPECT_EQ(io.run(both()).size(), 3u);
}

TEST_F(PgTest, AReadPassesOverAStalledReadConnection) {
  auto options = pool_options(3);
  options.read_size = 1;
  options.overflow_after = std::chrono::milliseconds(0);
  auto pool = start_pool(options);
  const std::string lock = "SELECT pg_advisory_xact_lock(16016)";
  auto begin = [pool]() -> asio::awaitable<std::optional<Transaction>> {
    auto transaction = co_await pool->begin();
    std::optional<Transaction> held;
    held.emplace(std::move(transaction));
    co_return held;
  };
  auto holder = std::move(*io.run(begin()));
  io.run(holder.query(lock));
  // The one read connection waits for the lock the transaction holds.
  auto blocked = asio::co_spawn(io.io(), pool->query(lock), asio::use_future);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const auto waiting = io.run(holder.query(
        "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND objid = 16016"
        " AND NOT granted"));
    if (waiting.one().get<int>(0) == 1) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  }
  auto read = asio::co_spawn(io.io(), pool->read("SELECT 1"), asio::use_future);
  const bool answered = read.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  io.run(holder.commit());
  EXPECT_TRUE(answered) << "the read queued behind the stalled connection";
  read.get();
  blocked.get();
}

TEST_F(PgTest, AReadNeverSharesAWritesImplicitTransaction) {
  auto pool = make_pool(1);
  const auto table = "grouped_" + Uuid::random_v4().str().substr(0, 8);
  io.run(pool->query("CREATE TABLE " + table + " (n int)"));
  // A write between two reads has a sync of its own: the failing read
  // after it cannot roll it back.
  std::promise<std::vector<std::future<std::string>>> started;
  asio::post(io.io(), [&] {
    auto run = [pool](std::string sql, bool write) -> asio::awaitable<std::string> {
      try {
        if (write)
          co_await pool->query(std::move(sql));
        else
          co_await pool->read(std::move(sql));
        co_return "ok";
      } catch (const Error& e) {
        co_return "error " + e.sqlstate();
      }
    };
    std::vector<std::future<std::string>> futures;
    futures.push_back(asio::co_spawn(io.io(), run("SELECT 1", false), asio::use_future));
    futures.push_back(asio::co_spawn(io.io(), run("INSERT INTO " + table + " VALUES (1)", true),
                                     asio::use_future));
    futures.push_back(asio::co_spawn(io.io(), run("SELECT 1/0", false), asio::use_future));
    started.set_value(std::move(futures));
  });
  auto futures = started.get_future().get();
  EXPECT_EQ(futures[0].get(), "ok");
  EXPECT_EQ(futures[1].get(), "ok");
  EXPECT_EQ(futures[2].get(), "error 22012");
  EXPECT_EQ(io.run(pool->read("SELECT count(*) FROM " + table)).one().get<std::int64_t>(0), 1);
  io.run(pool->query("DROP TABLE " + table));
}

TEST_F(PgTest, PreparedStatementIsReusedAndSyntaxErrorsDoNotPoisonTheCache) {
  auto pool = make_pool(1);
  EXPECT_THROW(io.run(pool->query("SELEC 1")), Error);
  EXPECT_THROW(io.run(pool->query("SELEC 1")), Error);  // not cached as prepared
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(
        io.run(pool->query("SELECT $1::int4 + 1", std::int32_t{i})).one().get<std::int32_t>(0),
        i + 1);
}

TEST_F(PgTest, PreparedStatementsStayWithinTheLimitLeastRecentlyUsedOut) {
  constexpr std::size_t kLimit = 16;
  auto options = pool_options(1);  // one connection: the count below is its own
  options.max_prepared = kLimit;
  auto pool = start_pool(options);
  auto prepared_count = [&] {
    return io.run(pool->query("SELECT count(*) FROM pg_prepared_statements"))
        .one()
        .get<std::int64_t>(0);
  };
  auto text = [](int i) { return "SELECT $1::int8 + " + std::to_string(i); };
  auto add = [pool](std::string sql, std::int64_t value) -> asio::awaitable<std::int64_t> {
    const auto result = co_await pool->query(std::move(sql), value);
    co_return result.one().get<std::int64_t>(0);
  };
  // 2,000 texts, 50 in flight at once: evictions also meet statements that
  // every query in flight still uses, which must stay.
  constexpr int kTexts = 2000;
  constexpr int kWindow = 50;
  for (int start = 0; start < kTexts; start += kWindow) {
    std::vector<std::future<std::int64_t>> results;
    for (int i = start; i < start + kWindow; ++i)
      results.push_back(asio::co_spawn(io.io(), add(text(i), 1'000'000), asio::use_future));
    for (int i = start; i < start + kWindow; ++i)
      ASSERT_EQ(results[i - start].get(), 1'000'000 + i);
  }
  EXPECT_LE(prepared_count(), static_cast<std::int64_t>(kLimit));
  // The first text was evicted long ago: prepared again, it still answers.
  EXPECT_EQ(io.run(add(text(0), 5)), 5);
  EXPECT_EQ(io.run(add(text(0), 6)), 6);
  EXPECT_EQ(io.run(pool->query("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
                               text(0)))
                .one()
                .get<std::int64_t>(0),
            1);
  EXPECT_LE(prepared_count(), static_cast<std::int64_t>(kLimit));
}

TEST_F(PgTest, StatementsEvictedInATransactionAreDeallocatedAfterIt) {
  constexpr std::size_t kLimit = 8;
  auto options = pool_options(1);
  options.max_prepared = kLimit;
  auto pool = start_pool(options);
  auto prepared_count = [&] {
    return io.run(pool->query("SELECT count(*) FROM pg_prepared_statements"))
        .one()
        .get<std::int64_t>(0);
  };
  for (int i = 0; i < static_cast<int>(kLimit); ++i)
    io.run(pool->query("SELECT " + std::to_string(i)));
  io.run([&]() -> asio::awaitable<void> {
    // A DEALLOCATE in the transaction would take its snapshot before this.
    auto tx = co_await pool->begin();
    co_await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    co_await tx.query("SELECT 'repeatable'::text");
    co_await tx.commit();
  }());
  EXPECT_LE(prepared_count(), static_cast<std::int64_t>(kLimit));
  io.run([&]() -> asio::awaitable<void> {
    auto tx = co_await pool->begin();
    try {
      co_await tx.query("SELECT 1/0");
    } catch (const Error&) {
    }
    // New texts make room; in the aborted transaction a DEALLOCATE would fail.
    for (int i = 0; i < 3; ++i) {
      try {
        co_await tx.query("SELECT 'aborted " + std::to_string(i) + "'");
      } catch (const Error&) {
      }
    }
    co_await tx.rollback();
  }());
  EXPECT_LE(prepared_count(), static_cast<std::int64_t>(kLimit));
  EXPECT_EQ(io.run(pool->query("SELECT 'after'::text")).one().get<std::string>(0), "after");
}

TEST_F(PgTest, TcpKeepalivesFollowTheOptions) {
  const auto path = database_socket_path();
  if (path.empty()) GTEST_SKIP() << "the test database is not on a Unix socket";
  FreezableProxy proxy(path);
  ConnectOptions options;
  options.conninfo = conninfo_via("127.0.0.1", proxy.port());
  options.keepalive_idle = std::chrono::seconds(7);
  auto strand = asio::make_strand(io.io());
  Socket socket(strand);
  asio::co_spawn(strand, socket.connect(options, blocking), asio::use_future).get();
  const int fd = PQsocket(socket.conn());
  int on = 0, idle = 0;
  socklen_t size = sizeof on;
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &size), 0);
  size = sizeof idle;
  ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &size), 0);
  EXPECT_EQ(on, 1);
  EXPECT_EQ(idle, 7);
  asio::post(strand, asio::use_future([&] { socket.close(); })).get();
}

class TableTest : public PgTest {
 protected:
  void SetUp() override {
    pool = make_pool(3);
    table = test::unique_name("t");
    io.run(pool->query("CREATE TABLE " + table + " (id serial PRIMARY KEY, email text UNIQUE)"));
  }
  void TearDown() override {
    io.run(pool->query("DROP TABLE IF EXISTS " + table));
    PgTest::TearDown();
  }
  std::int64_t count() {
    return io.run(pool->query("SELECT count(*) FROM " + table)).one().get<std::int64_t>(0);
  }
  std::shared_ptr<Pool> pool;
  std::string table;
};

TEST_F(TableTest, TransactionRollsBackUnlessCommitted) {
  io.run([&]() -> asio::awaitable<void> {
    auto tx = co_await pool->begin();
    co_await tx.query("INSERT INTO " + table + " (email) VALUES ($1)", std::string("a@x.io"));
  }());  // the transaction goes out of scope uncommitted
  EXPECT_EQ(count(), 0);
  io.run([&]() -> asio::awaitable<void> {
    auto tx = co_await pool->begin();
    co_await tx.query("INSERT INTO " + table + " (email) VALUES ($1)", std::string("b@x.io"));
    co_await tx.commit();
  }());
  EXPECT_EQ(count(), 1);
}

TEST_F(TableTest, AFailedTransactionDoesNotCommitItsEarlierStatements) {
  EXPECT_THROW(io.run([&]() -> asio::awaitable<void> {
    auto tx = co_await pool->begin();
    co_await tx.query("INSERT INTO " + table + " (email) VALUES ('c@x.io')");
    co_await tx.query("INSERT INTO " + table + " (email) VALUES ('c@x.io')");
    co_await tx.commit();
  }()),
               Error);
  EXPECT_EQ(count(), 0);
}

TEST_F(TableTest, UniqueViolationCarriesSqlstateAndMapsTo409) {
  io.run(pool->query("INSERT INTO " + table + " (email) VALUES ('dup@x.io')"));
  try {
    io.run(pool->query("INSERT INTO " + table + " (email) VALUES ('dup@x.io')"));
    FAIL() << "expected a unique violation";
  } catch (const Error& e) {
    EXPECT_TRUE(e.is_unique_violation());
    EXPECT_EQ(http::status_of(http::to_api_error(std::current_exception()).kind()),
              boost::beast::http::status::conflict);
  }
}

TEST_F(PgTest, ListenNotifyDeliversToSubscribers) {
  auto pool = make_pool();
  ConnectOptions options;
  options.conninfo = test::database_url();
  auto listener = std::make_shared<Listener>(io.io().get_executor(), blocking, options);
  listener->start();
  const auto channel = test::unique_name("chan");
  auto received = io.run([&]() -> asio::awaitable<Notification> {
    auto subscription = co_await listener->subscribe(channel);
    co_await pool->query("SELECT pg_notify($1, $2)", channel, std::string("hello"));
    co_return co_await subscription->next();
  }());
  EXPECT_EQ(received.channel, channel);
  EXPECT_EQ(received.payload, "hello");
  EXPECT_FALSE(received.missed);
  listener->close();
}

TEST_F(PgTest, ListenerReconnectsAndSaysNotificationsMayBeMissed) {
  auto admin = make_pool();
  ConnectOptions options;
  options.conninfo = test::database_url();
  options.application_name = test::unique_name("listener");
  auto listener = std::make_shared<Listener>(io.io().get_executor(), blocking, options);
  listener->start();
  const auto channel = test::unique_name("chan");
  auto after = io.run([&]() -> asio::awaitable<std::vector<Notification>> {
    auto subscription = co_await listener->subscribe(channel);
    co_await admin->query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        options.application_name);
    std::vector<Notification> seen;
    auto marker = co_await subscription->next();  // the "missed" marker after reconnecting
    seen.push_back(marker);
    co_await admin->query("SELECT pg_notify($1, 'again')", channel);
    auto again = co_await subscription->next();
    seen.push_back(again);
    co_return seen;
  }());
  EXPECT_TRUE(after[0].missed);
  EXPECT_EQ(after[1].payload, "again");
  listener->close();
}

TEST_F(PgTest, ListenerWhosePingGoesUnansweredIsReplaced) {
  const auto path = database_socket_path();
  if (path.empty()) GTEST_SKIP() << "the test database is not on a Unix socket";
  auto admin = make_pool();
  FreezableProxy proxy(path);
  ConnectOptions options;
  options.conninfo = conninfo_via("127.0.0.1", proxy.port());
  options.ping_interval = std::chrono::milliseconds(200);
  auto listener = std::make_shared<Listener>(io.io().get_executor(), blocking, options);
  listener->start();
  const auto channel = test::unique_name("chan");
  auto work = [&]() -> asio::awaitable<bool> {
    auto subscription = co_await listener->subscribe(channel);
    // The connection goes silent: no error, no EOF, only the ping notices.
    proxy.freeze();
    bool missed = false;
    for (;;) {
      auto notification = co_await subscription->next();
      if (notification.payload == "again") break;
      if (!notification.missed) continue;
      // On the new connection (a slow machine may have needed more than one).
      missed = true;
      co_await admin->query("SELECT pg_notify($1, 'again')", channel);
    }
    co_return missed;
  };
  const bool missed = finish_within(asio::co_spawn(io.io(), work(), asio::use_future),
                                    std::chrono::seconds(30), [&] { listener->close(); });
  EXPECT_TRUE(missed);
  EXPECT_GE(proxy.accepted(), 2u);
  listener->close();
}

TEST_F(PgTest, PoolReconnectsAfterItsBackendsAreTerminated) {
  const auto name = test::unique_name("victim");
  auto pool = make_pool(2, std::chrono::milliseconds(2000), name);
  auto admin = make_pool();
  const auto before = pool->connects();
  const auto old_pid = io.run(pool->query("SELECT pg_backend_pid()")).one().get<std::int32_t>(0);
  const auto killed = io.run(admin->query("SELECT count(pg_terminate_backend(pid)) FROM "
                                          "pg_stat_activity WHERE application_name = $1",
                                          name))
                          .one()
                          .get<std::int64_t>(0);
  EXPECT_GE(killed, 1);
  // A query racing the termination may fail as retryable; later ones succeed
  // on a new connection.
  std::optional<std::int32_t> new_pid;
  for (int attempt = 0; attempt < 5 && !new_pid; ++attempt) {
    try {
      new_pid = io.run(pool->query("SELECT pg_backend_pid()")).one().get<std::int32_t>(0);
    } catch (const Error& e) {
      EXPECT_TRUE(e.is_transient()) << e.what();
    }
  }
  ASSERT_TRUE(new_pid);
  EXPECT_NE(*new_pid, old_pid);
  EXPECT_GT(pool->connects(), before);
}

TEST_F(PgTest, ExhaustedPoolFailsWithinItsWaitLimit) {
  auto pool = make_pool(1, std::chrono::milliseconds(150));
  io.run([&]() -> asio::awaitable<void> {
    auto tx = co_await pool->begin();  // leases the only connection
    try {
      co_await pool->query("SELECT 1");
      ADD_FAILURE() << "expected the pool to be exhausted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::pool_timeout);
    }
    co_await tx.commit();
    // Released: the connection serves again.
    const auto result = co_await pool->query("SELECT 1::int4");
    EXPECT_EQ(result.one().get<std::int32_t>(0), 1);
  }());
}

TEST_F(PgTest, StatementTimeoutCancelsLongQueries) {
  PoolOptions options;
  options.connect.conninfo = test::database_url();
  options.connect.statement_timeout = std::chrono::milliseconds(100);
  auto pool = std::make_shared<Pool>(io.io(), blocking, options);
  pools.push_back(pool);
  io.run(pool->start());
  try {
    // Seconds of work that the 100 ms statement timeout must cut short.
    io.run(pool->query("SELECT count(*) FROM generate_series(1, 10000000000)"));
    FAIL() << "expected a statement timeout";
  } catch (const Error& e) {
    EXPECT_TRUE(e.is_query_canceled()) << e.what();
  }
  EXPECT_EQ(io.run(pool->query("SELECT 2::int4")).one().get<std::int32_t>(0), 2);
}

}  // namespace
}  // namespace crmd::pg
