#include <gtest/gtest.h>

#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/http/errors.hpp"
#include "storage/pg/listener.hpp"
#include "storage/pg/pool.hpp"
#include "support/test_support.hpp"

namespace crmd::pg {
namespace {

using test::IoThreads;
namespace asio = boost::asio;

class PgTest : public ::testing::Test {
 protected:
  std::shared_ptr<Pool> make_pool(std::size_t max_size = 2,
                                  std::chrono::milliseconds wait = std::chrono::milliseconds(2000),
                                  std::string application_name = "crmd-test") {
    PoolOptions options;
    options.connect.conninfo = test::database_url();
    options.connect.application_name = std::move(application_name);
    options.max_size = max_size;
    options.min_size = 1;
    options.wait_limit = wait;
    auto pool = std::make_shared<Pool>(io.io(), blocking, options);
    io.run(pool->start());
    pools.push_back(pool);
    return pool;
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

TEST_F(PgTest, PreparedStatementIsReusedAndSyntaxErrorsDoNotPoisonTheCache) {
  auto pool = make_pool(1);
  EXPECT_THROW(io.run(pool->query("SELEC 1")), Error);
  EXPECT_THROW(io.run(pool->query("SELEC 1")), Error);  // not cached as prepared
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(
        io.run(pool->query("SELECT $1::int4 + 1", std::int32_t{i})).one().get<std::int32_t>(0),
        i + 1);
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
