#include "config/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace crmd::config {
namespace {

using std::chrono::milliseconds;

// Every env var crmd reads, listed independently of config.cpp's table.
const std::vector<std::string> kAllEnvVars = {
    "CRMD_CALENDAR_BACKEND",
    "CRMD_GOOGLE_CALENDAR_IDS",
    "CRMD_GOOGLE_CALENDAR_URL",
    "CRMD_CALENDAR_SYNC_PAST_DAYS",
    "CRMD_CALENDAR_POLL_S",
    "CRMD_CALENDAR_CANCELLED_RETENTION_DAYS",
    "CRMD_CALENDAR_CHANNEL_TTL_S",
    "CRMD_CALENDAR_DEBOUNCE_MS",
    "CRMD_DEFAULT_PIPELINE",
    "CRMD_DEALS_STUCK_DAYS",
    "CRMD_DEALS_COMMIT_PROBABILITY",
    "CRMD_COMPANY_TIME_ZONE",
    "CRMD_PIPEDRIVE_API_TOKEN",
    "CRMD_PIPEDRIVE_BASE_URL",
    "CRMD_PIPEDRIVE_SYNC_INTERVAL_S",
    "CRMD_PIPEDRIVE_WRITE_BACK",
    "DATABASE_URL",
    "CRMD_LISTEN",
    "CRMD_THREADS",
    "CRMD_DATA_DIR",
    "CRMD_JWT_SECRET",
    "CRMD_JWT_ISSUER",
    "CRMD_JWT_AUDIENCE",
    "CRMD_EXTERNAL_JWT_SECRET",
    "CRMD_EXTERNAL_ROLE_CLAIM",
    "CRMD_ADMIN_EMAIL",
    "CRMD_ADMIN_PASSWORD",
    "CRMD_LOGIN_MAX_FAILURES",
    "CRMD_LOGIN_MAX_FAILURES_PER_IP",
    "CRMD_LOGIN_WINDOW_S",
    "CRMD_CONTACTS_WRITE_KEY",
    "CRMD_DB_POOL_SIZE",
    "CRMD_DB_READ_CONNECTIONS",
    "CRMD_DB_READ_OVERFLOW_MS",
    "CRMD_DB_POOL_WAIT_MS",
    "CRMD_DB_CONNECT_TIMEOUT_MS",
    "CRMD_DB_STATEMENT_TIMEOUT_MS",
    "CRMD_DB_PREPARED_MAX",
    "CRMD_LISTEN_PING_S",
    "CRMD_MAX_HEADER_BYTES",
    "CRMD_MAX_BODY_BYTES",
    "CRMD_MAX_INFLIGHT_BODY_BYTES",
    "CRMD_MAX_CONNECTIONS",
    "CRMD_HEADER_TIMEOUT_MS",
    "CRMD_BODY_TIMEOUT_MS",
    "CRMD_IDLE_TIMEOUT_MS",
    "CRMD_SHUTDOWN_GRACE_MS",
    "CRMD_PUBLIC_URL",
    "CRMD_TRUSTED_PROXIES",
    "CRMD_METRICS_TOKEN",
    "CRMD_EMBEDDED_DB",
    "CRMD_CORS_ORIGINS",
    "CRMD_TLS_CERT",
    "CRMD_TLS_KEY",
    "CRMD_ACTOR_MAILBOX",
    "CRMD_JOB_WORKERS",
    "CRMD_JOB_LEASE_S",
    "CRMD_JOB_POLL_MS",
    "CRMD_EXPORT_TTL_S",
    "CRMD_MAX_UPLOAD_BYTES",
    "CRMD_JOB_RETENTION_S",
    "CRMD_BLOB_URL",
    "CRMD_S3_ENDPOINT",
    "CRMD_S3_REGION",
    "CRMD_S3_ACCESS_KEY_ID",
    "CRMD_S3_SECRET_ACCESS_KEY",
    "CRMD_EVENT_RETENTION_S",
    "CRMD_EVENT_PRUNE_INTERVAL_S",
    "CRMD_OUTBOUND_CA_FILE",
    "CRMD_DOCS_ASSETS",
    "CRMD_WEBHOOKS_ALLOW_PRIVATE",
    "CRMD_WEBHOOK_RETRY_BASE_MS",
    "CRMD_DRIVE_BACKEND",
    "CRMD_GOOGLE_CREDENTIALS",
    "CRMD_GOOGLE_SUBJECT",
    "CRMD_GOOGLE_CLIENT_ID",
    "CRMD_GOOGLE_CLIENT_SECRET",
    "CRMD_GOOGLE_REFRESH_TOKEN",
    "CRMD_GOOGLE_DRIVE_ROOT_FOLDER",
    "CRMD_GOOGLE_DRIVE_URL",
    "CRMD_GOOGLE_UPLOAD_URL",
    "CRMD_GOOGLE_TOKEN_URL",
    "CRMD_DRIVE_CHANNEL_TTL_S",
    "CRMD_DRIVE_CHANGES_DEBOUNCE_MS",
    "CRMD_SCHEDULER_ENABLED",
    "CRMD_SCHEDULER_TICK_MS",
    "CRMD_LEAD_PRIORITY_INTERVAL_S",
    "CRMD_LEAD_ENGAGEMENT_INTERVAL_S",
    "CRMD_LEAD_SLA_INTERVAL_S",
    "CRMD_LOG_LEVEL",
    "CRMD_LOG_FORMAT",
    "CRMD_ACCESS_LOG",
};

std::string flag_of(const std::string& env) {
  std::string name = env.starts_with("CRMD_") ? env.substr(5) : env;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
  return "--" + name;
}

Config load_env(const std::string& name, const std::string& value) {
  return load({{name, value}}, {});
}

// The error load() throws, or "" when it accepts the input.
std::string error_of(const Environment& env, const std::vector<std::string>& flags = {}) {
  try {
    load(env, flags);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool same_settings(const Config& a, const Config& b) {
  return a.database_url == b.database_url && a.listen_host == b.listen_host &&
         a.listen_port == b.listen_port && a.threads == b.threads && a.data_dir == b.data_dir &&
         a.jwt_secret == b.jwt_secret && a.contacts_write_key == b.contacts_write_key &&
         a.db_pool_size == b.db_pool_size && a.db_read_connections == b.db_read_connections &&
         a.db_read_overflow == b.db_read_overflow &&
         a.db_pool_wait == b.db_pool_wait && a.db_connect_timeout == b.db_connect_timeout &&
         a.db_statement_timeout == b.db_statement_timeout &&
         a.db_prepared_max == b.db_prepared_max && a.listen_ping == b.listen_ping &&
         a.max_header_bytes == b.max_header_bytes && a.max_body_bytes == b.max_body_bytes &&
         a.max_connections == b.max_connections && a.header_timeout == b.header_timeout &&
         a.body_timeout == b.body_timeout && a.idle_timeout == b.idle_timeout &&
         a.shutdown_grace == b.shutdown_grace && a.cors_origins == b.cors_origins &&
         a.tls_cert_file == b.tls_cert_file && a.tls_key_file == b.tls_key_file &&
         a.actor_mailbox_limit == b.actor_mailbox_limit && a.log_level == b.log_level &&
         a.log_format == b.log_format && a.access_log == b.access_log &&
         a.job_workers == b.job_workers && a.job_lease == b.job_lease && a.job_poll == b.job_poll &&
         a.export_ttl == b.export_ttl && a.job_retention == b.job_retention &&
         a.max_upload_bytes == b.max_upload_bytes;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ConfigDefaults, MatchDocumentedValues) {
  const Config c = load({}, {});
  EXPECT_EQ(c.database_url, "");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.data_dir, "./var");
  EXPECT_EQ(c.jwt_secret, "");
  EXPECT_EQ(c.contacts_write_key, "");
  EXPECT_EQ(c.db_pool_size, 8u);
  EXPECT_EQ(c.db_pool_wait, milliseconds(2000));
  EXPECT_EQ(c.db_connect_timeout, milliseconds(5000));
  EXPECT_EQ(c.db_statement_timeout, milliseconds(30000));
  EXPECT_EQ(c.db_read_overflow, milliseconds(10));
  EXPECT_EQ(c.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(c.max_connections, 10000u);
  EXPECT_EQ(c.header_timeout, milliseconds(10000));
  EXPECT_EQ(c.body_timeout, milliseconds(30000));
  EXPECT_EQ(c.idle_timeout, milliseconds(60000));
  EXPECT_EQ(c.shutdown_grace, milliseconds(10000));
  EXPECT_TRUE(c.cors_origins.empty());
  EXPECT_FALSE(c.tls_enabled());
  EXPECT_EQ(c.actor_mailbox_limit, 1024u);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, LogFormat::text);
  EXPECT_TRUE(c.access_log);
}

TEST(ConfigDefaults, ThreadsResolveToCoreCount) {
  const unsigned cores = std::thread::hardware_concurrency();
  EXPECT_EQ(load({}, {}).threads, default_threads(cores, true));
  EXPECT_EQ(load({{"DATABASE_URL", "host=db"}}, {}).threads, default_threads(cores, false));
}

TEST(ConfigDefaults, ReadConnectionsAreThePoolUnlessSet) {
  EXPECT_EQ(load({}, {}).db_read_connections, 8u);
  EXPECT_EQ(load({{"CRMD_DB_POOL_SIZE", "4"}}, {}).db_read_connections, 4u);
  EXPECT_EQ(load({{"CRMD_DB_READ_CONNECTIONS", "2"}}, {}).db_read_connections, 2u);
  // Never more than the pool holds.
  EXPECT_EQ(load({{"CRMD_DB_READ_CONNECTIONS", "20"}, {"CRMD_DB_POOL_SIZE", "4"}}, {})
                .db_read_connections,
            4u);
}

TEST(ConfigDefaults, ThePrivateDatabaseKeepsOneCore) {
  EXPECT_EQ(default_threads(2, true), 1u);
  EXPECT_EQ(default_threads(8, true), 7u);
  EXPECT_EQ(default_threads(1, true), 1u);
  EXPECT_EQ(default_threads(2, false), 2u);
  EXPECT_EQ(default_threads(0, false), 1u);  // hardware_concurrency() unknown
  EXPECT_EQ(default_threads(1000, false), 256u);
}

TEST(ConfigDefaults, UnrelatedEnvIsIgnored) {
  EXPECT_TRUE(same_settings(load({{"PATH", "/bin"}, {"HOME", "/root"}}, {}), load({}, {})));
}

TEST(ConfigEnvironment, ProcessEnvironmentReadsEnviron) {
  ASSERT_EQ(setenv("CRMD_CONFIG_TEST_VAR", "a=b c", 1), 0);
  const Environment env = process_environment();
  unsetenv("CRMD_CONFIG_TEST_VAR");
  auto it = env.find("CRMD_CONFIG_TEST_VAR");
  ASSERT_NE(it, env.end());
  EXPECT_EQ(it->second, "a=b c");
}

TEST(ConfigDatabaseUrl, AcceptsUrisAndKeyValueStrings) {
  for (const std::string url :
       {"postgresql://u:p@db:5432/crm", "postgres://db/crm", "host=/run/pg dbname=crm", ""}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(load_env("DATABASE_URL", url).database_url, url);
  }
}

TEST(ConfigDatabaseUrl, RejectsOtherStringsWithoutEchoingThem) {
  for (const std::string url : {"mysql://db/crm", "localhost", "secret-password"}) {
    SCOPED_TRACE(url);
    const std::string error = error_of({{"DATABASE_URL", url}});
    EXPECT_TRUE(error.starts_with("DATABASE_URL: expected ")) << error;
    EXPECT_NE(error.find("postgresql://"), std::string::npos) << error;
    EXPECT_EQ(error.find(url), std::string::npos) << error;
  }
}

TEST(ConfigListen, ParsesHostAndPort) {
  struct Case {
    std::string text;
    std::string host;
    std::uint16_t port;
  };
  const Case cases[] = {
      {"0.0.0.0:80", "0.0.0.0", 80},       {"localhost:8080", "localhost", 8080},
      {"[::1]:8080", "::1", 8080},         {"[::]:65535", "::", 65535},
      {"example.com:1", "example.com", 1}, {"127.0.0.1:0", "127.0.0.1", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const Config config = load_env("CRMD_LISTEN", c.text);
    EXPECT_EQ(config.listen_host, c.host);
    EXPECT_EQ(config.listen_port, c.port);
  }
}

TEST(ConfigListen, RejectsBadAddressesAndPorts) {
  for (const std::string text :
       {"", "localhost", "localhost:", ":8080", "host:65536", "host:-1", "host:+80", "host: 80",
        "host:80 ", "host:80x", "host:0x50", "host:99999999999999999999", "::1:8080", "[::1]8080",
        "[::1", "[]:80", "[::1]:", "ho st:80", "host:8080:1"}) {
    SCOPED_TRACE(text);
    const std::string error = error_of({{"CRMD_LISTEN", text}});
    EXPECT_TRUE(error.starts_with("CRMD_LISTEN: expected host:port")) << error;
  }
}

TEST(ConfigIntegers, AcceptsBounds) {
  EXPECT_EQ(load_env("CRMD_THREADS", "1").threads, 1u);
  EXPECT_EQ(load_env("CRMD_THREADS", "256").threads, 256u);
  EXPECT_EQ(load_env("CRMD_DB_POOL_SIZE", "1000").db_pool_size, 1000u);
  EXPECT_EQ(load_env("CRMD_ACTOR_MAILBOX", "1000000").actor_mailbox_limit, 1000000u);
  EXPECT_EQ(load_env("CRMD_MAX_CONNECTIONS", "3").max_connections, 3u);
}

TEST(ConfigIntegers, RejectsGarbageSignsSpacesOverflowAndRange) {
  for (const std::string text : {"", "abc", "4x", "x4", " 4", "4 ", "+4", "-4", "4.0", "0x10", "0",
                                 "257", "18446744073709551616", "99999999999999999999999"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(error_of({{"CRMD_THREADS", text}}),
              "CRMD_THREADS: expected an integer from 1 to 256, got \"" + text + "\"");
  }
  EXPECT_NE(error_of({{"CRMD_DB_POOL_SIZE", "1001"}}), "");
  EXPECT_NE(error_of({{"CRMD_ACTOR_MAILBOX", "1000001"}}), "");
  EXPECT_NE(error_of({{"CRMD_ACTOR_MAILBOX", "0"}}), "");
}

TEST(ConfigDurations, ParseMillisecondsWithinBounds) {
  EXPECT_EQ(load_env("CRMD_DB_POOL_WAIT_MS", "1").db_pool_wait, milliseconds(1));
  EXPECT_EQ(load_env("CRMD_IDLE_TIMEOUT_MS", "3600000").idle_timeout, milliseconds(3600000));
  EXPECT_EQ(load_env("CRMD_DB_STATEMENT_TIMEOUT_MS", "0").db_statement_timeout, milliseconds(0));
  EXPECT_EQ(load_env("CRMD_DB_READ_OVERFLOW_MS", "0").db_read_overflow, milliseconds(0));
  EXPECT_EQ(load_env("CRMD_SHUTDOWN_GRACE_MS", "2500").shutdown_grace, milliseconds(2500));
  EXPECT_EQ(error_of({{"CRMD_DB_POOL_WAIT_MS", "0"}}),
            "CRMD_DB_POOL_WAIT_MS: expected a duration in milliseconds from 1 to 3600000, got "
            "\"0\"");
  EXPECT_NE(error_of({{"CRMD_HEADER_TIMEOUT_MS", "3600001"}}), "");
  EXPECT_NE(error_of({{"CRMD_BODY_TIMEOUT_MS", "5s"}}), "");
  EXPECT_NE(error_of({{"CRMD_DB_STATEMENT_TIMEOUT_MS", "-1"}}), "");
}

TEST(ConfigSizes, ParseBytesWithinBounds) {
  EXPECT_EQ(load_env("CRMD_MAX_HEADER_BYTES", "1024").max_header_bytes, 1024u);
  EXPECT_EQ(load_env("CRMD_MAX_HEADER_BYTES", "1048576").max_header_bytes, 1048576u);
  EXPECT_EQ(load_env("CRMD_MAX_BODY_BYTES", "1").max_body_bytes, 1u);
  EXPECT_EQ(load_env("CRMD_MAX_BODY_BYTES", "1073741824").max_body_bytes, 1073741824u);
  EXPECT_EQ(error_of({{"CRMD_MAX_HEADER_BYTES", "1023"}}),
            "CRMD_MAX_HEADER_BYTES: expected a size in bytes from 1024 to 1048576, got \"1023\"");
  EXPECT_NE(error_of({{"CRMD_MAX_HEADER_BYTES", "1048577"}}), "");
  EXPECT_NE(error_of({{"CRMD_MAX_BODY_BYTES", "1073741825"}}), "");
  EXPECT_NE(error_of({{"CRMD_MAX_BODY_BYTES", "0"}}), "");
}

TEST(ConfigBooleans, AcceptsTheDocumentedSpellings) {
  for (const std::string text : {"true", "1", "yes", "on", "TRUE", "On"}) {
    SCOPED_TRACE(text);
    Config c = load({{"CRMD_ACCESS_LOG", "false"}}, {"--access-log=" + text});
    EXPECT_TRUE(c.access_log);
  }
  for (const std::string text : {"false", "0", "no", "off", "False"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(load_env("CRMD_ACCESS_LOG", text).access_log);
  }
  for (const std::string text : {"", "2", "y", "enabled", " true"}) {
    SCOPED_TRACE(text);
    const std::string error = error_of({{"CRMD_ACCESS_LOG", text}});
    EXPECT_TRUE(error.starts_with("CRMD_ACCESS_LOG: expected one of true|false")) << error;
  }
}

TEST(ConfigEnums, LogLevel) {
  for (const std::string level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(load_env("CRMD_LOG_LEVEL", level).log_level, level);
  }
  EXPECT_EQ(load_env("CRMD_LOG_LEVEL", "WARN").log_level, "warn");
  EXPECT_EQ(error_of({{"CRMD_LOG_LEVEL", "verbose"}}),
            "CRMD_LOG_LEVEL: expected one of trace|debug|info|warn|error|critical|off, got "
            "\"verbose\"");
  EXPECT_NE(error_of({{"CRMD_LOG_LEVEL", ""}}), "");
}

TEST(ConfigEnums, LogFormat) {
  EXPECT_EQ(load_env("CRMD_LOG_FORMAT", "json").log_format, LogFormat::json);
  EXPECT_EQ(load({{"CRMD_LOG_FORMAT", "json"}}, {"--log-format=text"}).log_format, LogFormat::text);
  EXPECT_EQ(error_of({{"CRMD_LOG_FORMAT", "xml"}}),
            "CRMD_LOG_FORMAT: expected one of text|json, got \"xml\"");
}

TEST(ConfigCors, SplitsTrimsAndDropsEmptyItems) {
  const Config c =
      load_env("CRMD_CORS_ORIGINS", " https://app.example.com ,, http://localhost:3000\t,");
  EXPECT_EQ(c.cors_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
  EXPECT_EQ(load_env("CRMD_CORS_ORIGINS", "*").cors_origins, std::vector<std::string>{"*"});
  EXPECT_TRUE(load_env("CRMD_CORS_ORIGINS", " , ").cors_origins.empty());
}

TEST(ConfigCors, RejectsItemsThatAreNotOrigins) {
  for (const std::string text : {"app.example.com", "https://a.com,ftp://b.com", "**", "http:/x"}) {
    SCOPED_TRACE(text);
    const std::string error = error_of({{"CRMD_CORS_ORIGINS", text}});
    EXPECT_TRUE(error.starts_with("CRMD_CORS_ORIGINS: expected ")) << error;
    EXPECT_NE(error.find("https://"), std::string::npos) << error;
  }
  EXPECT_NE(error_of({{"CRMD_CORS_ORIGINS", "https://a.com, b.com"}}).find("got \"b.com\""),
            std::string::npos);
}

TEST(ConfigTls, BothOrNeither) {
  const Config on = load({{"CRMD_TLS_CERT", "/c.pem"}, {"CRMD_TLS_KEY", "/k.pem"}}, {});
  EXPECT_TRUE(on.tls_enabled());
  EXPECT_EQ(on.tls_cert_file, "/c.pem");
  EXPECT_EQ(on.tls_key_file, "/k.pem");
  EXPECT_FALSE(load({}, {}).tls_enabled());

  for (const Environment& env :
       {Environment{{"CRMD_TLS_CERT", "/c.pem"}}, Environment{{"CRMD_TLS_KEY", "/k.pem"}},
        Environment{{"CRMD_TLS_CERT", "/c.pem"}, {"CRMD_TLS_KEY", ""}}}) {
    const std::string error = error_of(env);
    EXPECT_NE(error.find("CRMD_TLS_CERT"), std::string::npos) << error;
    EXPECT_NE(error.find("CRMD_TLS_KEY"), std::string::npos) << error;
  }
  EXPECT_NE(error_of({}, {"--tls-key=/k.pem"}), "");
}

TEST(ConfigStrings, AreTakenVerbatim) {
  const std::string secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t";
  const Config c = load({{"CRMD_JWT_SECRET", secret}, {"CRMD_CONTACTS_WRITE_KEY", "wk"}},
                        {"--data-dir=/srv/crmd"});
  EXPECT_EQ(c.jwt_secret, secret);
  EXPECT_EQ(c.contacts_write_key, "wk");
  EXPECT_EQ(c.data_dir, "/srv/crmd");
  EXPECT_TRUE(error_of({}, {"--data-dir="}).starts_with("--data-dir (CRMD_DATA_DIR): expected"));
}

TEST(ConfigSecrets, ShortSecretsAreRefusedWithoutEchoingThem) {
  const std::string error = error_of({{"CRMD_JWT_SECRET", "short-secret"}}, {});
  EXPECT_TRUE(error.starts_with("CRMD_JWT_SECRET: expected a secret of at least 32 bytes"))
      << error;
  EXPECT_EQ(error.find("short-secret"), std::string::npos);
  EXPECT_FALSE(error_of({{"CRMD_EXTERNAL_JWT_SECRET", "tiny"}}, {}).empty());
}

TEST(ConfigFlags, OverrideEnvironment) {
  const Config c =
      load({{"CRMD_LISTEN", "0.0.0.0:80"},
            {"CRMD_THREADS", "2"},
            {"DATABASE_URL", "postgres://env/crm"},
            {"CRMD_DB_POOL_SIZE", "4"}},
           {"--listen=[::1]:9000", "--threads=3", "--database-url=host=flag", "--db-pool-size=16"});
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.database_url, "host=flag");
  EXPECT_EQ(c.db_pool_size, 16u);
}

TEST(ConfigFlags, EveryEnvVarHasAFlag) {
  for (const std::string& env : kAllEnvVars) {
    SCOPED_TRACE(env);
    const std::string error = error_of({}, {flag_of(env) + "=x"});
    EXPECT_EQ(error.find("unknown flag"), std::string::npos) << error;
  }
}

TEST(ConfigFlags, ValueMayContainEquals) {
  EXPECT_EQ(load({}, {"--database-url=host=db dbname=crm"}).database_url, "host=db dbname=crm");
}

TEST(ConfigFlags, LastFlagWins) {
  EXPECT_EQ(load({}, {"--threads=2", "--threads=5"}).threads, 5u);
}

TEST(ConfigFlags, OverriddenBadEnvValueIsNotAnError) {
  EXPECT_EQ(load({{"CRMD_THREADS", "lots"}}, {"--threads=4"}).threads, 4u);
}

TEST(ConfigFlags, EmptyDatabaseUrlFlagSelectsPrivatePostgres) {
  EXPECT_EQ(load({{"DATABASE_URL", "postgres://db/crm"}}, {"--database-url="}).database_url, "");
}

TEST(ConfigFlags, UnknownFlagIsNamed) {
  EXPECT_EQ(error_of({}, {"--thread=4"}), "unknown flag --thread (--help lists the flags)");
  EXPECT_NE(error_of({}, {"--crmd-threads=4"}).find("--crmd-threads"), std::string::npos);
  EXPECT_NE(error_of({}, {"--THREADS=4"}).find("--THREADS"), std::string::npos);
  EXPECT_NE(error_of({}, {"--nope"}).find("unknown flag --nope"), std::string::npos);
}

TEST(ConfigFlags, FlagWithoutValueIsNamed) {
  EXPECT_EQ(error_of({}, {"--threads"}),
            "--threads (CRMD_THREADS): expected a value, as --threads=VALUE");
}

TEST(ConfigFlags, NonFlagArgumentIsRejected) {
  const std::string error = error_of({}, {"threads=4"});
  EXPECT_NE(error.find("\"threads=4\""), std::string::npos) << error;
  EXPECT_NE(error_of({}, {"-t=4"}), "");
}

TEST(ConfigErrors, NameTheFlagWhenTheValueCameFromAFlag) {
  EXPECT_EQ(error_of({}, {"--threads=abc"}),
            "--threads (CRMD_THREADS): expected an integer from 1 to 256, got \"abc\"");
  EXPECT_TRUE(error_of({}, {"--listen=nope"}).starts_with("--listen (CRMD_LISTEN): expected "));
  EXPECT_TRUE(
      error_of({}, {"--database-url=x"}).starts_with("--database-url (DATABASE_URL): expected "));
}

TEST(ConfigErrors, EveryValidatedSettingNamesItself) {
  const std::pair<std::string, std::string> bad[] = {
      {"DATABASE_URL", "db"},
      {"CRMD_LISTEN", "8080"},
      {"CRMD_THREADS", "0"},
      {"CRMD_DATA_DIR", ""},
      {"CRMD_DB_POOL_SIZE", "0"},
      {"CRMD_DB_POOL_WAIT_MS", "x"},
      {"CRMD_DB_CONNECT_TIMEOUT_MS", "0"},
      {"CRMD_DB_STATEMENT_TIMEOUT_MS", "3600001"},
      {"CRMD_MAX_HEADER_BYTES", "100"},
      {"CRMD_MAX_BODY_BYTES", "-1"},
      {"CRMD_MAX_CONNECTIONS", "0"},
      {"CRMD_HEADER_TIMEOUT_MS", "0"},
      {"CRMD_BODY_TIMEOUT_MS", "0"},
      {"CRMD_IDLE_TIMEOUT_MS", "0"},
      {"CRMD_SHUTDOWN_GRACE_MS", "0"},
      {"CRMD_CORS_ORIGINS", "example.com"},
      {"CRMD_ACTOR_MAILBOX", "0"},
      {"CRMD_LOG_LEVEL", "loud"},
      {"CRMD_LOG_FORMAT", "yaml"},
      {"CRMD_ACCESS_LOG", "maybe"},
  };
  for (const auto& [env, value] : bad) {
    SCOPED_TRACE(env);
    const std::string from_env = error_of({{env, value}});
    EXPECT_TRUE(from_env.starts_with(env + ": expected ")) << from_env;
    const std::string from_flag = error_of({}, {flag_of(env) + "=" + value});
    EXPECT_TRUE(from_flag.starts_with(flag_of(env) + " (" + env + "): expected ")) << from_flag;
  }
}

TEST(ConfigErrors, ControlCharactersAreEscaped) {
  EXPECT_EQ(error_of({{"CRMD_LOG_FORMAT", "a\nb\"c"}}),
            "CRMD_LOG_FORMAT: expected one of text|json, got \"a\\x0ab\\\"c\"");
}

TEST(ConfigErrors, LongValuesAreCut) {
  const std::string error = error_of({{"CRMD_LOG_LEVEL", std::string(500, 'x')}});
  EXPECT_LT(error.size(), 200u) << error;
  EXPECT_TRUE(error.ends_with("xx\"...")) << error;
}

TEST(ConfigLinks, PublicUrlIsAnAbsoluteHttpUrl) {
  EXPECT_EQ(load_env("CRMD_PUBLIC_URL", "https://crm.example.com/").public_url,
            "https://crm.example.com");
  EXPECT_EQ(load_env("CRMD_PUBLIC_URL", "http://10.0.0.5:8080/crm").public_url,
            "http://10.0.0.5:8080/crm");
  for (const char* bad : {"crm.example.com", "ftp://x", "https://", "https://u@x", "https://x?y"})
    EXPECT_TRUE(error_of({{"CRMD_PUBLIC_URL", bad}}).starts_with("CRMD_PUBLIC_URL: expected"))
        << bad;
  EXPECT_EQ(load_env("CRMD_TRUSTED_PROXIES", "10.0.0.0/8, ::1").trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "::1"}));
  EXPECT_FALSE(load_env("CRMD_EMBEDDED_DB", "false").embedded_db);
}

TEST(ConfigHelp, ListsEveryEnvVarAndFlagOnePerLine) {
  const std::string help = help_text();
  const auto lines = lines_of(help);
  EXPECT_EQ(lines.size(), kAllEnvVars.size());
  for (const std::string& env : kAllEnvVars) {
    SCOPED_TRACE(env);
    const auto line = std::find_if(lines.begin(), lines.end(),
                                   [&](const std::string& l) { return l.starts_with(env + " "); });
    ASSERT_NE(line, lines.end());
    EXPECT_NE(line->find(" " + flag_of(env) + "= "), std::string::npos) << *line;
  }
}

TEST(ConfigHelp, ShownDefaultsAreTheRealDefaults) {
  // Columns are separated by two or more spaces; a default in parentheses
  // describes behaviour rather than a value to parse.
  const std::regex columns(R"(^(\S+) +(--\S+=) +(\S+(?: \S+)*) {2,}(\S.*)$)");
  const Config defaults = load({}, {});
  for (const std::string& line : lines_of(help_text())) {
    SCOPED_TRACE(line);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, columns));
    EXPECT_FALSE(m[4].str().empty());
    if (m[3].str().starts_with("(")) continue;
    EXPECT_TRUE(same_settings(load({{m[1].str(), m[3].str()}}, {}), defaults));
  }
}

TEST(ConfigDrive, TheBackendIsLocalOrGoogleAndTheChannelLifeAtMostAWeek) {
  EXPECT_EQ(load({}, {}).drive_backend, "local");
  EXPECT_EQ(load_env("CRMD_DRIVE_BACKEND", "google").drive_backend, "google");
  EXPECT_NE(error_of({{"CRMD_DRIVE_BACKEND", "dropbox"}}).find("CRMD_DRIVE_BACKEND"),
            std::string::npos);
  EXPECT_EQ(load_env("CRMD_DRIVE_CHANNEL_TTL_S", "3600").drive_channel_ttl,
            std::chrono::seconds(3600));
  EXPECT_NE(error_of({{"CRMD_DRIVE_CHANNEL_TTL_S", "9999999"}}), "");
}

TEST(Config, BlobStoreIsLocalByDefaultAndS3ByUrl) {
  const auto local = load({}, {});
  EXPECT_TRUE(local.blob_url.empty());
  const Environment s3{{"CRMD_BLOB_URL", "s3://crm-files/prod/blobs"},
                       {"CRMD_S3_ENDPOINT", "http://127.0.0.1:9000/"},
                       {"CRMD_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                       {"CRMD_S3_SECRET_ACCESS_KEY", "not-a-real-secret"}};
  const auto c = load(s3, {});
  EXPECT_EQ(c.s3_bucket, "crm-files");
  EXPECT_EQ(c.s3_prefix, "prod/blobs/");
  EXPECT_EQ(c.s3_endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c.s3_region, "us-east-1");
  EXPECT_EQ(load({{"CRMD_BLOB_URL", "s3://abc"},
                  {"CRMD_S3_ENDPOINT", "https://s3.example"},
                  {"CRMD_S3_ACCESS_KEY_ID", "k"},
                  {"CRMD_S3_SECRET_ACCESS_KEY", "s"},
                  {"CRMD_S3_REGION", "eu-west-3"}},
                 {})
                .s3_prefix,
            "");
}

TEST(Config, BadBlobStoreSettingsStopStartUpNamingThem) {
  for (const std::string url : {"file:///tmp", "s3://", "s3://AB", "s3://UPPER-case",
                                "s3://-bucket/x", "s3://bucket/a//b"}) {
    SCOPED_TRACE(url);
    EXPECT_NE(error_of({{"CRMD_BLOB_URL", url}}).find("CRMD_BLOB_URL: expected s3://"),
              std::string::npos)
        << error_of({{"CRMD_BLOB_URL", url}});
  }
  const auto missing = error_of({{"CRMD_BLOB_URL", "s3://bucket"}});
  EXPECT_NE(missing.find("CRMD_S3_ENDPOINT"), std::string::npos) << missing;
  EXPECT_NE(missing.find("CRMD_S3_ACCESS_KEY_ID"), std::string::npos) << missing;
  EXPECT_NE(missing.find("CRMD_S3_SECRET_ACCESS_KEY"), std::string::npos) << missing;
  EXPECT_NE(error_of({{"CRMD_S3_ENDPOINT", "s3.example.com"}}).find("CRMD_S3_ENDPOINT"),
            std::string::npos);
  EXPECT_NE(error_of({{"CRMD_S3_ENDPOINT", "https://s3.example.com/bucket"}}), "");
  EXPECT_NE(error_of({{"CRMD_S3_REGION", "EU West"}}).find("CRMD_S3_REGION"), std::string::npos);
  EXPECT_NE(error_of({{"CRMD_S3_ACCESS_KEY_ID", "a b"}}), "");
  // The secret is never echoed, even when refused.
  const auto secret = error_of({{"CRMD_S3_SECRET_ACCESS_KEY", ""}});
  EXPECT_NE(secret.find("CRMD_S3_SECRET_ACCESS_KEY"), std::string::npos);
}

}  // namespace
}  // namespace crmd::config
