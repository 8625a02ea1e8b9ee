#include "storage/migrations.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <cstdio>
#include <map>

#include "domain/common/crypto.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

// Any fixed key: every crmd process migrating the same database takes it.
constexpr std::int64_t kMigrationLockKey = 0x63726d645f6d6967;  // "crmd_mig"

std::string label(const Migration& m) {
  char version[16];
  std::snprintf(version, sizeof version, "%04d", m.version);
  return std::string(version) + "_" + m.name;
}

}  // namespace

std::vector<Migration> parse_migrations(const std::vector<MigrationFile>& files) {
  std::map<int, Migration> by_version;
  for (const auto& file : files) {
    const auto& f = file.filename;
    const auto underscore = f.find('_');
    int version = 0;
    const auto [end, ec] =
        std::from_chars(f.data(), f.data() + std::min(underscore, f.size()), version);
    if (underscore == std::string::npos || ec != std::errc{} || end != f.data() + underscore ||
        !f.ends_with(".sql") || version <= 0)
      throw MigrationError("migration file " + f + ": expected NNNN_name.sql");
    Migration m{version, f.substr(underscore + 1, f.size() - underscore - 5), file.sql,
                sha256_hex(file.sql)};
    if (!by_version.emplace(version, std::move(m)).second)
      throw MigrationError("two migration files have version " + std::to_string(version));
  }
  std::vector<Migration> out;
  for (auto& [version, m] : by_version) out.push_back(std::move(m));
  return out;
}

asio::awaitable<int> apply_migrations(const pg::ConnectOptions& options,
                                      asio::thread_pool& blocking,
                                      const std::vector<Migration>& migrations) {
  pg::Socket socket(co_await asio::this_coro::executor);
  co_await socket.connect(options, blocking);
  co_await socket.exec("SELECT pg_advisory_lock($1)", pg::Params(kMigrationLockKey));
  co_await socket.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  std::map<int, std::string> applied;
  const auto recorded = co_await socket.exec("SELECT version, checksum FROM schema_migrations");
  for (auto row : recorded) applied.emplace(row.get<std::int32_t>(0), row.get<std::string>(1));

  int count = 0;
  for (const auto& m : migrations) {
    if (auto it = applied.find(m.version); it != applied.end()) {
      if (it->second != m.checksum)
        throw MigrationError("migration " + label(m) +
                             " was changed after it was applied (checksum " + m.checksum +
                             ", recorded " + it->second + "); add a new migration instead");
      continue;
    }
    try {
      co_await socket.exec("BEGIN");
      co_await socket.exec(m.sql);
      co_await socket.exec(
          "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
          pg::Params(m.version, m.name, m.checksum));
      co_await socket.exec("COMMIT");
    } catch (const pg::Error& e) {
      throw MigrationError("migration " + label(m) + " failed: " + e.what());
    }
    spdlog::info("applied migration {}", label(m));
    ++count;
  }
  co_await socket.exec("SELECT pg_advisory_unlock($1)", pg::Params(kMigrationLockKey));
  co_return count;
}

}  // namespace crmd::storage
