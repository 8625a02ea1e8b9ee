// Schema migrations: numbered SQL files (storage/migrations/NNNN_name.sql,
// embedded in the binary) applied in order under an advisory lock, each in
// its own transaction, and recorded in schema_migrations with a checksum.
// An applied migration whose file changed stops start-up.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/pg/socket.hpp"

namespace crmd::storage {

struct MigrationFile {
  std::string filename;  // NNNN_name.sql
  std::string sql;
};

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
  std::string checksum;  // SHA-256 of sql, hex
};

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

const std::vector<MigrationFile>& embedded_migration_files();

// Parses file names and computes checksums; throws MigrationError on a bad
// name or a duplicate version.
std::vector<Migration> parse_migrations(const std::vector<MigrationFile>& files);

// Applies what is missing; returns how many were applied. Throws
// MigrationError (changed or failing migration) or pg::Error.
boost::asio::awaitable<int> apply_migrations(const pg::ConnectOptions& options,
                                             boost::asio::thread_pool& blocking,
                                             const std::vector<Migration>& migrations);

}  // namespace crmd::storage
