#include "storage/migrations.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace crmd::storage {
namespace {

namespace asio = boost::asio;
using test::IoThreads;

// Each test migrates a database of its own, created and dropped here.
class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database = test::unique_name("migr");
    admin("CREATE DATABASE " + database);
    options.conninfo = test::database_url() + " dbname=" + database;
  }
  void TearDown() override { admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)"); }

  void admin(const std::string& sql) {
    io.run([&]() -> asio::awaitable<void> {
      pg::Socket socket(co_await asio::this_coro::executor);
      pg::ConnectOptions admin_options;
      admin_options.conninfo = test::database_url();
      co_await socket.connect(admin_options, blocking);
      co_await socket.exec(sql);
    }());
  }

  std::int64_t scalar(const std::string& sql) {
    return io.run([&]() -> asio::awaitable<std::int64_t> {
      pg::Socket socket(co_await asio::this_coro::executor);
      co_await socket.connect(options, blocking);
      const auto result = co_await socket.exec(sql);
      co_return result.one().get<std::int64_t>(0);
    }());
  }

  IoThreads io;
  asio::thread_pool blocking{2};
  std::string database;
  pg::ConnectOptions options;
};

const std::vector<MigrationFile> kFiles{
    {"0001_people.sql", "CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL);"},
    {"0002_seed.sql",
     "INSERT INTO people (name) VALUES ('Ada'); INSERT INTO people (name) VALUES ('Alan');"},
};

TEST_F(MigrationsTest, TwoProcessesStartingAtOnceApplyEachMigrationOnce) {
  const auto migrations = parse_migrations(kFiles);
  // Two "processes" at once: each its own connection, racing for the lock.
  auto first =
      asio::co_spawn(io.io(), apply_migrations(options, blocking, migrations), asio::use_future);
  auto second =
      asio::co_spawn(io.io(), apply_migrations(options, blocking, migrations), asio::use_future);
  const int applied = first.get() + second.get();
  EXPECT_EQ(applied, 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM people"), 2);
  // Applying again changes nothing.
  EXPECT_EQ(io.run(apply_migrations(options, blocking, migrations)), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM people"), 2);
}

TEST_F(MigrationsTest, AChangedAppliedMigrationStopsStartUp) {
  io.run(apply_migrations(options, blocking, parse_migrations(kFiles)));
  auto changed = kFiles;
  changed[0].sql += " -- edited";
  try {
    io.run(apply_migrations(options, blocking, parse_migrations(changed)));
    FAIL() << "expected a checksum mismatch";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("0001_people"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("changed"), std::string::npos);
  }
}

TEST_F(MigrationsTest, AFailingMigrationLeavesNothingBehind) {
  auto files = kFiles;
  files.push_back({"0003_broken.sql", "CREATE TABLE half (id int); SELECT no_such_function();"});
  EXPECT_THROW(io.run(apply_migrations(options, blocking, parse_migrations(files))),
               MigrationError);
  EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'half'"), 0);
}

TEST(MigrationFiles, NamesMustBeNumberedAndUnique) {
  EXPECT_THROW(parse_migrations({{"people.sql", ""}}), MigrationError);
  EXPECT_THROW(parse_migrations({{"0001_a.sql", ""}, {"1_b.sql", ""}}), MigrationError);
  EXPECT_EQ(parse_migrations(embedded_migration_files()).front().version, 1);
}

}  // namespace
}  // namespace crmd::storage
