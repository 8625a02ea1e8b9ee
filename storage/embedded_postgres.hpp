// crmd's private PostgreSQL, used when no DATABASE_URL is given: a cluster
// under <data_dir>/pg from the machine's PostgreSQL binaries, reachable only
// through a Unix socket inside that directory. Start-up and shutdown run on
// the main thread before the I/O threads start and after they stop, so the
// blocking process calls here never stall a request.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace crmd::storage {

class EmbeddedPostgresError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class EmbeddedPostgres {
 public:
  // Runs initdb on first use, then starts the server and waits until it
  // accepts connections. As root, the cluster runs as the unprivileged
  // `postgres` system user; throws EmbeddedPostgresError saying so when none
  // exists.
  static EmbeddedPostgres start(const std::filesystem::path& data_dir);

  EmbeddedPostgres(EmbeddedPostgres&&) noexcept;
  EmbeddedPostgres& operator=(EmbeddedPostgres&&) = delete;
  EmbeddedPostgres(const EmbeddedPostgres&) = delete;
  ~EmbeddedPostgres();  // stops the server (fast shutdown) if still running

  // libpq key=value connection string for the cluster's socket.
  const std::string& conninfo() const { return conninfo_; }
  void stop();

 private:
  EmbeddedPostgres(std::filesystem::path cluster_dir, std::string bin_dir, std::string conninfo);

  std::filesystem::path cluster_dir_;
  std::string bin_dir_;
  std::string conninfo_;
  bool running_ = false;
};

}  // namespace crmd::storage
