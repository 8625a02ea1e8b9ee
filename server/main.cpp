// crmd: the CRM API server. `crmd` serves, `crmd migrate` applies the
// schema and exits, `crmd openapi` prints the OpenAPI document, `crmd
// --help` lists the settings.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "config/config.hpp"
#include "server/app.hpp"
#include "server/logging.hpp"
#include "server/openapi/document.hpp"
#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"
#include "storage/pg/conninfo.hpp"
#include "storage/secret_file.hpp"

namespace {

using namespace crmd;

void print_usage() {
  std::printf(
      "usage: crmd [migrate | openapi] [--setting=value ...]\n"
      "  crmd          serve the API\n"
      "  crmd migrate  apply database migrations and exit\n"
      "  crmd openapi  print the OpenAPI 3.1 document (/openapi.json) and exit\n"
      "  crmd --help   this text\n\n"
      "Settings come from the environment; a flag overrides its variable.\n"
      "Without DATABASE_URL crmd runs its own PostgreSQL under CRMD_DATA_DIR/pg.\n\n%s",
      config::help_text().c_str());
}

int migrate_only(const config::Config& config) {
  boost::asio::io_context io;
  boost::asio::thread_pool blocking(1);
  pg::ConnectOptions options;
  options.conninfo = config.database_url;
  options.connect_timeout = config.db_connect_timeout;
  options.statement_timeout = std::chrono::milliseconds(0);
  // The coroutine holds references: keep what it reads alive until it ends.
  const auto migrations = storage::parse_migrations(storage::embedded_migration_files());
  auto done = boost::asio::co_spawn(io, storage::apply_migrations(options, blocking, migrations),
                                    boost::asio::use_future);
  io.run();
  const int applied = done.get();
  spdlog::info("{} migrations applied", applied);
  return 0;
}

// The document of the routes an App registers, with no database and no
// listener: the App is built (routes are added in its constructor) but never
// started. Its data directory is a throwaway one (the constructor makes
// directories under it).
int print_openapi() {
  namespace fs = std::filesystem;
  char pattern[] = "/tmp/crmd-openapi-XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (!dir) throw std::runtime_error("cannot make a temporary directory");
  int code = 0;
  {
    config::Config config;
    config.threads = 1;
    config.data_dir = dir;
    config.database_url = "host=/nonexistent";  // never connected to
    config.jwt_secret = std::string(32, 'x');   // never signs anything
    spdlog::set_level(spdlog::level::off);      // stdout is the document's
    server::App app(config);
    const auto text = boost::json::serialize(openapi::document(app.router()));
    code = std::fwrite(text.data(), 1, text.size(), stdout) == text.size() ? 0 : 1;
    std::fputc('\n', stdout);
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return code;
}

int run(int argc, char** argv) {
  bool migrate = false;
  std::vector<std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage();
      return 0;
    }
    if (arg == "openapi" && i == 1) return print_openapi();
    if (arg == "migrate" && flags.empty() && !migrate)
      migrate = true;
    else
      flags.push_back(arg);
  }
  config::Config config;
  try {
    config = config::load(config::process_environment(), flags);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "crmd: %s\n", e.what());
    return 2;
  }
  server::setup_logging(config);
  std::signal(SIGPIPE, SIG_IGN);

  std::optional<storage::EmbeddedPostgres> embedded;
  if (config.database_url.empty()) {
    // A deployment that forgot DATABASE_URL must not serve an empty database
    // unnoticed: with CRMD_EMBEDDED_DB=false it does not start.
    if (!config.embedded_db) {
      std::fprintf(stderr,
                   "crmd: DATABASE_URL is not set and CRMD_EMBEDDED_DB=false: set DATABASE_URL "
                   "to the PostgreSQL to use\n");
      return 2;
    }
    embedded.emplace(storage::EmbeddedPostgres::start(config.data_dir));
    config.database_url = embedded->conninfo();
    spdlog::info(
        "database: the embedded PostgreSQL under {}/pg (set DATABASE_URL in "
        "production)",
        config.data_dir);
  } else {
    spdlog::info("database: {}", pg::describe_conninfo(config.database_url));
  }
  if (migrate) return migrate_only(config);
  if (config.jwt_secret.empty()) {
    const auto path = std::filesystem::path(config.data_dir) / "jwt_secret";
    config.jwt_secret = storage::load_or_create_secret(path);
    spdlog::info("CRMD_JWT_SECRET is not set: signing tokens with the secret kept in {}",
                 path.string());
  }

  server::App app(config);
  app.handle_signals();
  app.start();
  app.wait();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int code = 1;
  try {
    code = run(argc, argv);
  } catch (const std::exception& e) {
    spdlog::critical("crmd: {}", e.what());
    std::fprintf(stderr, "crmd: %s\n", e.what());
  }
  crmd::server::flush_logs();
  return code;
}
