#include "config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "domain/calendar/event.hpp"

namespace crmd::config {
namespace {

constexpr std::uint64_t kMaxMs = 3'600'000;  // one hour
constexpr unsigned kMaxThreads = 256;
constexpr std::size_t kMinSecretBytes = 32;
constexpr std::string_view kTlsCert = "CRMD_TLS_CERT";
constexpr std::string_view kTlsKey = "CRMD_TLS_KEY";

// Where a value came from, so an error can name what the user actually typed.
struct Source {
  std::string_view env;
  std::string_view flag;  // empty when the value came from the environment
};

std::string flag_name(std::string_view env) {
  constexpr std::string_view kPrefix = "CRMD_";
  if (env.starts_with(kPrefix)) env.remove_prefix(kPrefix.size());
  std::string name;
  for (char c : env) {
    name += c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return name;
}

std::string setting_name(const Source& source) {
  if (source.flag.empty()) return std::string(source.env);
  return "--" + std::string(source.flag) + " (" + std::string(source.env) + ")";
}

// Values end up in logs; control characters would let them forge log lines.
std::string quoted(std::string_view value) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = "\"";
  for (char c : value.substr(0, kMaxShown)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  if (value.size() > kMaxShown) out += "...";
  return out;
}

[[noreturn]] void fail(const Source& source, std::string_view expected) {
  throw ConfigError(setting_name(source) + ": expected " + std::string(expected));
}

[[noreturn]] void fail(const Source& source, std::string_view expected, std::string_view got) {
  fail(source, std::string(expected) + ", got " + quoted(got));
}

std::optional<std::uint64_t> parse_uint(std::string_view text, std::uint64_t min,
                                        std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  // from_chars on an unsigned type accepts neither sign nor leading space.
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

template <typename T>
void set_count(T& out, std::string_view text, const Source& source, std::uint64_t min,
               std::uint64_t max) {
  auto value = parse_uint(text, min, max);
  if (!value) {
    fail(source, "an integer from " + std::to_string(min) + " to " + std::to_string(max), text);
  }
  out = static_cast<T>(*value);
}

void set_bytes(std::size_t& out, std::string_view text, const Source& source, std::uint64_t min,
               std::uint64_t max) {
  auto value = parse_uint(text, min, max);
  if (!value) {
    fail(source, "a size in bytes from " + std::to_string(min) + " to " + std::to_string(max),
         text);
  }
  out = static_cast<std::size_t>(*value);
}

void set_ms(std::chrono::milliseconds& out, std::string_view text, const Source& source,
            std::uint64_t min = 1, std::uint64_t max = kMaxMs) {
  auto value = parse_uint(text, min, max);
  if (!value) {
    fail(source,
         "a duration in milliseconds from " + std::to_string(min) + " to " + std::to_string(max),
         text);
  }
  out = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*value));
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr std::uint64_t kDay = 24 * 3600;

// A duration in whole seconds, by default from a minute to a week.
void set_seconds(std::chrono::seconds& out, std::string_view text, const Source& source,
                 std::uint64_t min = 60, std::uint64_t max = 7 * kDay) {
  std::uint64_t seconds = 0;
  set_count(seconds, text, source, min, max);
  out = std::chrono::seconds(seconds);
}

void set_bool(bool& out, std::string_view text, const Source& source) {
  const std::string v = lower(text);
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    out = false;
  } else {
    fail(source, "one of true|false|1|0|yes|no|on|off", text);
  }
}

void set_database_url(Config& c, std::string_view text, const Source& source) {
  // Empty keeps the private PostgreSQL, which lets a flag undo an env URL.
  if (!text.empty() && !text.starts_with("postgresql://") && !text.starts_with("postgres://") &&
      text.find('=') == std::string_view::npos) {
    // The value is not echoed: a connection string may carry a password.
    fail(source,
         "a libpq connection URI (postgresql://... or postgres://...) or a key=value "
         "connection string");
  }
  c.database_url = text;
}

bool plausible_host(std::string_view host) {
  return !host.empty() && std::none_of(host.begin(), host.end(), [](char c) {
    return c == '[' || c == ']' || c == '/' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  });
}

void set_listen(Config& c, std::string_view text, const Source& source) {
  std::string_view host;
  std::string_view rest;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close != std::string_view::npos) {
      host = text.substr(1, close - 1);
      rest = text.substr(close + 1);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    rest = text.substr(colon);
    // An unbracketed IPv6 address makes the port ambiguous.
    if (host.find(':') != std::string_view::npos) host = {};
  }
  const auto port = rest.starts_with(':') ? parse_uint(rest.substr(1), 0, 65535) : std::nullopt;
  if (!plausible_host(host) || !port) {
    fail(source, "host:port with a port from 0 to 65535 (IPv6 as [::1]:8080)", text);
  }
  c.listen_host = host;
  c.listen_port = static_cast<std::uint16_t>(*port);
}

void set_data_dir(Config& c, std::string_view text, const Source& source) {
  if (text.empty()) fail(source, "a directory path", text);
  c.data_dir = text;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

void set_cors_origins(Config& c, std::string_view text, const Source& source) {
  std::vector<std::string> origins;
  while (true) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    if (!item.empty()) {
      if (item != "*" && !item.starts_with("http://") && !item.starts_with("https://")) {
        fail(source,
             "a comma-separated list of origins, each * or starting with http:// or https://",
             item);
      }
      origins.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  c.cors_origins = std::move(origins);
}

// A comma-separated list, trimmed, empty items dropped.
std::vector<std::string> list_of(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

void set_public_url(Config& c, std::string_view text, const Source& source) {
  while (text.ends_with('/')) text.remove_suffix(1);
  const bool scheme = text.starts_with("http://") || text.starts_with("https://");
  const auto host = text.substr(text.find("//") + 2);
  if (!text.empty() &&
      (!scheme || host.empty() || host.find_first_of("?#@ \t") != std::string_view::npos))
    fail(source,
         "an absolute http:// or https:// URL without query or user, such as "
         "https://crm.example.com",
         text);
  c.public_url = text;
}

void set_log_level(Config& c, std::string_view text, const Source& source) {
  static constexpr std::array<std::string_view, 7> kLevels = {"trace", "debug",    "info", "warn",
                                                              "error", "critical", "off"};
  const std::string v = lower(text);
  if (std::find(kLevels.begin(), kLevels.end(), v) == kLevels.end()) {
    fail(source, "one of trace|debug|info|warn|error|critical|off", text);
  }
  c.log_level = v;
}

void set_log_format(Config& c, std::string_view text, const Source& source) {
  const std::string v = lower(text);
  if (v == "text") {
    c.log_format = LogFormat::text;
  } else if (v == "json") {
    c.log_format = LogFormat::json;
  } else {
    fail(source, "one of text|json", text);
  }
}

// s3://bucket[/prefix]: a bucket name as S3 allows (3-63 lower-case
// letters, digits, dots and hyphens) and an optional key prefix.
void set_blob_url(Config& c, std::string_view text, const Source& source) {
  constexpr std::string_view kScheme = "s3://";
  const auto expected = "s3://bucket/prefix (or unset for CRMD_DATA_DIR/blobs)";
  if (text.empty()) {
    c.blob_url.clear();
    return;
  }
  if (!text.starts_with(kScheme)) fail(source, expected, text);
  auto rest = text.substr(kScheme.size());
  const auto slash = rest.find('/');
  const auto bucket = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  const bool bucket_ok = bucket.size() >= 3 && bucket.size() <= 63 &&
                         std::all_of(bucket.begin(), bucket.end(),
                                     [](char ch) {
                                       return (ch >= 'a' && ch <= 'z') ||
                                              (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
                                     }) &&
                         bucket.front() != '-' && bucket.front() != '.' && bucket.back() != '-' &&
                         bucket.back() != '.';
  if (!bucket_ok)
    fail(source,
         "s3://bucket/prefix with a bucket of 3-63 lower-case letters, digits, dots and "
         "hyphens",
         text);
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  const bool prefix_ok = std::all_of(prefix.begin(), prefix.end(), [](char ch) {
    return static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f && ch != '\\';
  });
  if (!prefix_ok || prefix.find("//") != std::string_view::npos) fail(source, expected, text);
  c.blob_url = text;
  c.s3_bucket = bucket;
  c.s3_prefix = prefix;
  if (!c.s3_prefix.empty() && !c.s3_prefix.ends_with('/')) c.s3_prefix += '/';
}

struct Setting {
  std::string_view env;  // the flag is derived from it, see flag_name()
  std::string_view shown_default;
  std::string_view meaning;
  void (*assign)(Config&, std::string_view, const Source&);
};

// Defaults in parentheses describe a behaviour rather than a value.
constexpr std::array kSettings = {
    Setting{"DATABASE_URL", "(private)",
            "PostgreSQL URI or key=value string; unset starts a private server under "
            "CRMD_DATA_DIR/pg",
            set_database_url},
    Setting{"CRMD_LISTEN", "127.0.0.1:8080",
            "address to listen on, host:port, IPv6 as [::1]:8080; port 0 picks a free one",
            set_listen},
    Setting{"CRMD_THREADS", "(cores)", "I/O threads; one less with the private PostgreSQL",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.threads, v, s, 1, kMaxThreads);
            }},
    Setting{"CRMD_DATA_DIR", "./var", "directory for the private PostgreSQL and stored files",
            set_data_dir},
    Setting{"CRMD_JWT_SECRET", "(generated)",
            "secret that signs v2 bearer tokens, 32 bytes or more; unset: generated once and "
            "kept in CRMD_DATA_DIR/jwt_secret",
            [](Config& c, std::string_view v, const Source& s) {
              // Not echoed: it is a secret.
              if (v.size() < kMinSecretBytes) fail(s, "a secret of at least 32 bytes");
              c.jwt_secret = v;
            }},
    Setting{"CRMD_JWT_ISSUER", "(none)", "iss claim put in and required of tokens",
            [](Config& c, std::string_view v, const Source&) { c.jwt_issuer = v; }},
    Setting{"CRMD_JWT_AUDIENCE", "(none)", "aud claim put in and required of tokens",
            [](Config& c, std::string_view v, const Source&) { c.jwt_audience = v; }},
    Setting{"CRMD_EXTERNAL_JWT_SECRET", "(none)",
            "HS256 secret of an external identity provider (Supabase-style) whose tokens are "
            "accepted too, 32 bytes or more",
            [](Config& c, std::string_view v, const Source& s) {
              if (!v.empty() && v.size() < kMinSecretBytes)
                fail(s, "a secret of at least 32 bytes");
              c.external_jwt_secret = v;
            }},
    Setting{"CRMD_EXTERNAL_ROLE_CLAIM", "app_metadata.role",
            "dotted path of the role claim in external tokens (provider-controlled metadata)",
            [](Config& c, std::string_view v, const Source& s) {
              if (v.empty()) fail(s, "a claim path such as app_metadata.role", v);
              c.external_role_claim = v;
            }},
    Setting{"CRMD_ADMIN_EMAIL", "(none)", "e-mail of the first admin, created when no user exists",
            [](Config& c, std::string_view v, const Source&) { c.admin_email = v; }},
    Setting{"CRMD_ADMIN_PASSWORD", "(none)", "password of the first admin",
            [](Config& c, std::string_view v, const Source&) { c.admin_password = v; }},
    Setting{"CRMD_LOGIN_MAX_FAILURES", "5",
            "failed logins per account within the window before 429",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.login_max_failures, v, s, 1, 1000);
            }},
    Setting{"CRMD_LOGIN_MAX_FAILURES_PER_IP", "20",
            "failed logins per client address within the window before 429",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.login_max_failures_per_ip, v, s, 1, 100000);
            }},
    Setting{"CRMD_LOGIN_WINDOW_S", "900", "window of the failed-login limits, in seconds",
            [](Config& c, std::string_view v, const Source& s) {
              std::uint64_t seconds = 0;
              set_count(seconds, v, s, 1, 86400);
              c.login_window = std::chrono::seconds(seconds);
            }},
    Setting{"CRMD_CONTACTS_WRITE_KEY", "(none)", "key v1 writes must send in X-Contacts-Write-Key",
            [](Config& c, std::string_view v, const Source&) { c.contacts_write_key = v; }},
    Setting{"CRMD_DB_POOL_SIZE", "8", "PostgreSQL connections in the pool",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.db_pool_size, v, s, 1, 1000);
            }},
    Setting{"CRMD_DB_READ_CONNECTIONS", "(pool size)",
            "pool connections that carry statements outside transactions (reads); the rest "
            "serve transactions only",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.db_read_connections, v, s, 1, 1000);
            }},
    Setting{"CRMD_DB_READ_OVERFLOW_MS", "10",
            "a connection whose oldest statement has waited this long is passed over by "
            "statements outside transactions, which then may use more than the read connections",
            [](Config& c, std::string_view v, const Source& s) {
              set_ms(c.db_read_overflow, v, s, 0);
            }},
    Setting{"CRMD_DB_POOL_WAIT_MS", "2000", "longest wait for a free pool connection",
            [](Config& c, std::string_view v, const Source& s) { set_ms(c.db_pool_wait, v, s); }},
    Setting{
        "CRMD_DB_CONNECT_TIMEOUT_MS", "5000", "time limit to open a PostgreSQL connection",
        [](Config& c, std::string_view v, const Source& s) { set_ms(c.db_connect_timeout, v, s); }},
    Setting{"CRMD_DB_STATEMENT_TIMEOUT_MS", "30000", "time limit per SQL statement; 0 means none",
            [](Config& c, std::string_view v, const Source& s) {
              set_ms(c.db_statement_timeout, v, s, 0);
            }},
    Setting{"CRMD_DB_PREPARED_MAX", "256",
            "prepared statements kept per PostgreSQL connection, least recently used out",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.db_prepared_max, v, s, 8, 100'000);
            }},
    Setting{"CRMD_LISTEN_PING_S", "30",
            "seconds between pings of the LISTEN connection; replaced when one is not answered "
            "as long",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.listen_ping, v, s, 1, 3600);
            }},
    Setting{"CRMD_MAX_HEADER_BYTES", "16384", "largest request head (request line and headers)",
            [](Config& c, std::string_view v, const Source& s) {
              set_bytes(c.max_header_bytes, v, s, 1024, 1024 * 1024);
            }},
    Setting{"CRMD_MAX_BODY_BYTES", "1048576", "largest request body",
            [](Config& c, std::string_view v, const Source& s) {
              set_bytes(c.max_body_bytes, v, s, 1, std::uint64_t{1} << 30);
            }},
    Setting{"CRMD_MAX_UPLOAD_BYTES", "1073741824",
            "largest upload (a CSV to import), streamed to disk under CRMD_DATA_DIR",
            [](Config& c, std::string_view v, const Source& s) {
              std::size_t bytes = 0;
              set_bytes(bytes, v, s, 1, std::uint64_t{1} << 40);
              c.max_upload_bytes = bytes;
            }},
    Setting{"CRMD_MAX_INFLIGHT_BODY_BYTES", "268435456",
            "request bodies held in memory by all connections at once; past it 503",
            [](Config& c, std::string_view v, const Source& s) {
              set_bytes(c.max_inflight_body_bytes, v, s, 1024, std::uint64_t{1} << 40);
            }},
    Setting{"CRMD_MAX_CONNECTIONS", "10000", "open client connections at most",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.max_connections, v, s, 1, 1'000'000);
            }},
    Setting{"CRMD_HEADER_TIMEOUT_MS", "10000", "time limit to receive a request head",
            [](Config& c, std::string_view v, const Source& s) { set_ms(c.header_timeout, v, s); }},
    Setting{"CRMD_BODY_TIMEOUT_MS", "30000", "time limit to receive a request body",
            [](Config& c, std::string_view v, const Source& s) { set_ms(c.body_timeout, v, s); }},
    Setting{"CRMD_IDLE_TIMEOUT_MS", "60000", "keep-alive connection closed after this idle time",
            [](Config& c, std::string_view v, const Source& s) { set_ms(c.idle_timeout, v, s); }},
    Setting{"CRMD_SHUTDOWN_GRACE_MS", "10000", "time in-flight requests get to finish on SIGTERM",
            [](Config& c, std::string_view v, const Source& s) { set_ms(c.shutdown_grace, v, s); }},
    Setting{"CRMD_PUBLIC_URL", "(listen address)",
            "the URL clients reach crmd at (behind a load balancer); links are built on it",
            set_public_url},
    Setting{"CRMD_TRUSTED_PROXIES", "(none)",
            "comma-separated CIDRs of proxies whose X-Forwarded-For/-Proto/-Host are believed",
            [](Config& c, std::string_view v, const Source&) { c.trusted_proxies = list_of(v); }},
    Setting{"CRMD_METRICS_TOKEN", "(none)",
            "bearer token /metrics requires; unset, /metrics is open on a loopback listener "
            "only",
            [](Config& c, std::string_view v, const Source& s) {
              if (!v.empty() && v.size() < 16) fail(s, "a token of at least 16 bytes");
              c.metrics_token = v;
            }},
    Setting{"CRMD_EMBEDDED_DB", "true",
            "without DATABASE_URL, start a private PostgreSQL (true) or refuse to start (false)",
            [](Config& c, std::string_view v, const Source& s) { set_bool(c.embedded_db, v, s); }},
    Setting{"CRMD_CORS_ORIGINS", "(none)", "comma-separated allowed CORS origins; * allows any",
            set_cors_origins},
    Setting{kTlsCert, "(none)", "PEM certificate chain file; TLS is on with CRMD_TLS_KEY",
            [](Config& c, std::string_view v, const Source&) { c.tls_cert_file = v; }},
    Setting{kTlsKey, "(none)", "PEM private key file; TLS is on with CRMD_TLS_CERT",
            [](Config& c, std::string_view v, const Source&) { c.tls_key_file = v; }},
    Setting{"CRMD_ACTOR_MAILBOX", "1024", "calls queued per actor at most",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.actor_mailbox_limit, v, s, 1, 1'000'000);
            }},
    Setting{"CRMD_JOB_WORKERS", "2", "background jobs run at once by this process (0: none)",
            [](Config& c, std::string_view v, const Source& s) {
              set_count(c.job_workers, v, s, 0, 64);
            }},
    Setting{"CRMD_JOB_LEASE_S", "30", "seconds a worker holds a job without renewing it",
            [](Config& c, std::string_view v, const Source& s) {
              std::uint64_t seconds = 0;
              set_count(seconds, v, s, 3, 3600);
              c.job_lease = std::chrono::seconds(seconds);
            }},
    Setting{"CRMD_JOB_POLL_MS", "1000", "how often idle workers look for jobs without a NOTIFY",
            [](Config& c, std::string_view v, const Source& s) { set_ms(c.job_poll, v, s); }},
    Setting{"CRMD_EXPORT_TTL_S", "86400", "seconds a finished export can be downloaded",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.export_ttl, v, s, 60, 90 * kDay);
            }},
    Setting{"CRMD_JOB_RETENTION_S", "604800",
            "seconds finished jobs (and their files) are kept before they are removed",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.job_retention, v, s, 60, 3650 * kDay);
            }},
    Setting{"CRMD_BLOB_URL", "(CRMD_DATA_DIR/blobs)",
            "where uploads, exports and local drive files are kept: s3://bucket/prefix for an "
            "S3-compatible bucket shared by every process (needs the CRMD_S3_* settings)",
            set_blob_url},
    Setting{"CRMD_S3_ENDPOINT", "(none)",
            "the S3 endpoint, http(s)://host[:port], addressed path-style (/bucket/key)",
            [](Config& c, std::string_view v, const Source& s) {
              if (!(v.starts_with("https://") || v.starts_with("http://")))
                fail(s, "an http(s) URL such as https://s3.eu-west-1.amazonaws.com", v);
              while (v.ends_with('/')) v.remove_suffix(1);
              const auto host = v.substr(v.find("://") + 3);
              if (host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos)
                fail(s, "an http(s) URL of a host and port only, no path", v);
              c.s3_endpoint = v;
            }},
    Setting{"CRMD_S3_REGION", "us-east-1", "the region SigV4 signatures are scoped to",
            [](Config& c, std::string_view v, const Source& s) {
              const bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
              });
              if (!plain) fail(s, "a region name such as eu-west-1", v);
              c.s3_region = v;
            }},
    Setting{"CRMD_S3_ACCESS_KEY_ID", "(none)", "the S3 access key id",
            [](Config& c, std::string_view v, const Source& s) {
              const bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [](char ch) {
                return ch > 0x20 && ch < 0x7f && ch != '/';
              });
              if (!plain) fail(s, "an access key id (printable ASCII, no '/')", v);
              c.s3_access_key_id = v;
            }},
    Setting{"CRMD_S3_SECRET_ACCESS_KEY", "(none)", "the S3 secret access key (never logged)",
            [](Config& c, std::string_view v, const Source& s) {
              // Not echoed: it is a secret.
              if (v.empty()) fail(s, "a secret access key");
              c.s3_secret_access_key = v;
            }},
    Setting{"CRMD_EVENT_RETENTION_S", "2592000",
            "seconds events are kept in the change feed (and their audit rows) before pruning",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.event_retention, v, s, 60, 3650 * kDay);
            }},
    Setting{"CRMD_EVENT_PRUNE_INTERVAL_S", "300", "seconds between runs pruning old events",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.event_prune_interval, v, s);
            }},
    Setting{"CRMD_OUTBOUND_CA_FILE", "(none)",
            "a PEM file of CAs that outbound HTTPS trusts besides the system's (tests, private "
            "deployments)",
            [](Config& c, std::string_view v, const Source&) { c.outbound_ca_file = v; }},
    Setting{"CRMD_DOCS_ASSETS", "/usr/lib/python3/dist-packages/flasgger/ui3/static",
            "Swagger UI's files for /docs (Debian's python3-flasgger)",
            [](Config& c, std::string_view v, const Source&) { c.docs_assets = v; }},
    Setting{"CRMD_WEBHOOKS_ALLOW_PRIVATE", "false",
            "allow http:// and loopback/private/link-local webhook targets (tests, private "
            "deployments)",
            [](Config& c, std::string_view v, const Source& s) {
              set_bool(c.webhooks_allow_private, v, s);
            }},
    Setting{
        "CRMD_WEBHOOK_RETRY_BASE_MS", "5000",
        "the longest wait before a failed webhook delivery's first retry (it doubles each "
        "time, up to an hour, with full jitter)",
        [](Config& c, std::string_view v, const Source& s) { set_ms(c.webhook_retry_base, v, s); }},
    Setting{"CRMD_DRIVE_BACKEND", "local",
            "where drive files live: local (the blob store under CRMD_DATA_DIR) or google",
            [](Config& c, std::string_view v, const Source& s) {
              if (v != "local" && v != "google") fail(s, "local or google");
              c.drive_backend = v;
            }},
    Setting{"CRMD_GOOGLE_CREDENTIALS", "(none)",
            "a Google service-account or authorized-user JSON file (the Google drive backend)",
            [](Config& c, std::string_view v, const Source&) { c.google_credentials = v; }},
    Setting{"CRMD_GOOGLE_SUBJECT", "(none)",
            "the user a service account acts as (domain-wide delegation)",
            [](Config& c, std::string_view v, const Source&) { c.google_subject = v; }},
    Setting{"CRMD_GOOGLE_CLIENT_ID", "(none)", "OAuth client id, with a refresh token",
            [](Config& c, std::string_view v, const Source&) { c.google_client_id = v; }},
    Setting{"CRMD_GOOGLE_CLIENT_SECRET", "(none)", "OAuth client secret, with a refresh token",
            [](Config& c, std::string_view v, const Source&) { c.google_client_secret = v; }},
    Setting{"CRMD_GOOGLE_REFRESH_TOKEN", "(none)", "a user's OAuth refresh token",
            [](Config& c, std::string_view v, const Source&) { c.google_refresh_token = v; }},
    Setting{"CRMD_GOOGLE_DRIVE_ROOT_FOLDER", "(none)",
            "the Google Drive folder or shared drive id the records' folders are made in",
            [](Config& c, std::string_view v, const Source&) { c.google_drive_root_folder = v; }},
    Setting{"CRMD_GOOGLE_DRIVE_URL", "https://www.googleapis.com/drive/v3",
            "Google Drive's API base (tests point it at a fake)",
            [](Config& c, std::string_view v, const Source&) { c.google_drive_url = v; }},
    Setting{"CRMD_GOOGLE_UPLOAD_URL", "https://www.googleapis.com/upload/drive/v3",
            "Google Drive's upload base",
            [](Config& c, std::string_view v, const Source&) { c.google_upload_url = v; }},
    Setting{"CRMD_GOOGLE_TOKEN_URL", "(the credentials' token_uri)",
            "where OAuth tokens are fetched",
            [](Config& c, std::string_view v, const Source&) { c.google_token_url = v; }},
    Setting{
        "CRMD_DRIVE_CHANNEL_TTL_S", "604800",
        "the life asked for a Drive push channel (Google allows a week); renewed before it ends",
        [](Config& c, std::string_view v, const Source& s) {
          set_seconds(c.drive_channel_ttl, v, s, 60, 7 * kDay);
        }},
    Setting{"CRMD_DRIVE_CHANGES_DEBOUNCE_MS", "2000",
            "Drive push notifications within this long make one changes pull",
            [](Config& c, std::string_view v, const Source& s) {
              set_ms(c.drive_changes_debounce, v, s);
            }},
    Setting{"CRMD_CALENDAR_BACKEND", "local",
            "calendar events: local (in crmd only) or google (made in and mirrored from Google "
            "Calendar, with the CRMD_GOOGLE_* credentials)",
            [](Config& c, std::string_view v, const Source& s) {
              if (v != "local" && v != "google") fail(s, "local or google");
              c.calendar_backend = v;
            }},
    Setting{"CRMD_GOOGLE_CALENDAR_IDS", "primary",
            "the calendars crmd follows, comma-separated (the first is the default for new "
            "events; a user's calendar id is their e-mail address)",
            [](Config& c, std::string_view v, const Source& s) {
              auto ids = list_of(v);
              if (ids.empty() || ids.size() > 50) fail(s, "1 to 50 calendar ids", v);
              for (const auto& id : ids)
                if (id.size() > 255) fail(s, "calendar ids of at most 255 bytes", id);
              c.google_calendar_ids = std::move(ids);
            }},
    Setting{"CRMD_GOOGLE_CALENDAR_URL", "https://www.googleapis.com/calendar/v3",
            "Google Calendar's API base (tests point it at a fake)",
            [](Config& c, std::string_view v, const Source&) { c.google_calendar_url = v; }},
    Setting{"CRMD_CALENDAR_SYNC_PAST_DAYS", "180", "how many days back a full calendar sync reads",
            [](Config& c, std::string_view v, const Source& s) {
              std::int64_t days = 0;
              set_count(days, v, s, 1, 3660);
              c.calendar_sync_past = std::chrono::days(days);
            }},
    Setting{"CRMD_CALENDAR_POLL_S", "300",
            "without CRMD_PUBLIC_URL (no push channels), how often each calendar is synced",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.calendar_poll, v, s, 10, kDay);
            }},
    Setting{"CRMD_CALENDAR_CANCELLED_RETENTION_DAYS", "180",
            "cancelled events older than this move to calendar_events_archive (daily)",
            [](Config& c, std::string_view v, const Source& s) {
              std::int64_t days = 0;
              set_count(days, v, s, 1, 36600);
              c.calendar_cancelled_retention = std::chrono::days(days);
            }},
    Setting{"CRMD_CALENDAR_CHANNEL_TTL_S", "604800",
            "the life asked for a Calendar push channel; renewed before it ends",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.calendar_channel_ttl, v, s, 60, 30 * kDay);
            }},
    Setting{
        "CRMD_CALENDAR_DEBOUNCE_MS", "2000",
        "Calendar push notifications within this long make one sync",
        [](Config& c, std::string_view v, const Source& s) { set_ms(c.calendar_debounce, v, s); }},
    Setting{"CRMD_DEFAULT_PIPELINE", "Sales",
            "the pipeline (by name) whose first stage a qualified lead's deal opens in (else "
            "the first pipeline)",
            [](Config& c, std::string_view v, const Source& s) {
              if (v.empty() || v.size() > 255) fail(s, "a pipeline name of 1 to 255 bytes");
              c.default_pipeline = v;
            }},
    Setting{"CRMD_DEALS_STUCK_DAYS", "30",
            "days in a stage without days_to_rotten after which an open deal is stuck",
            [](Config& c, std::string_view v, const Source& s) {
              std::int64_t days = 0;
              set_count(days, v, s, 1, 3650);
              c.deals_stuck_days = static_cast<int>(days);
            }},
    Setting{"CRMD_DEALS_COMMIT_PROBABILITY", "70",
            "the probability (0-100) from which a deal counts as commit in the cashflow",
            [](Config& c, std::string_view v, const Source& s) {
              std::int64_t p = 0;
              set_count(p, v, s, 0, 100);
              c.deals_commit_probability = static_cast<int>(p);
            }},
    Setting{"CRMD_COMPANY_TIME_ZONE", "UTC",
            "the IANA time zone whose date is \"today\" for expected close dates",
            [](Config& c, std::string_view v, const Source& s) {
              if (!calendar::valid_time_zone(v)) fail(s, "an IANA time zone name", v);
              c.company_time_zone = v;
            }},
    Setting{"CRMD_PIPEDRIVE_API_TOKEN", "(none)",
            "a Pipedrive API token: deals, pipelines, stages, persons, organizations and notes "
            "are mirrored from Pipedrive (sent in the x-api-token header only)",
            [](Config& c, std::string_view v, const Source&) { c.pipedrive_api_token = v; }},
    Setting{"CRMD_PIPEDRIVE_BASE_URL", "https://api.pipedrive.com",
            "the Pipedrive company's API base, e.g. https://acme.pipedrive.com",
            [](Config& c, std::string_view v, const Source& s) {
              if (!(v.starts_with("https://") || v.starts_with("http://")))
                fail(s, "an http(s) URL", v);
              while (v.ends_with('/')) v.remove_suffix(1);
              c.pipedrive_base_url = v;
            }},
    Setting{"CRMD_PIPEDRIVE_SYNC_INTERVAL_S", "1800", "seconds between Pipedrive syncs",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.pipedrive_sync_interval, v, s, 60, kDay);
            }},
    Setting{"CRMD_PIPEDRIVE_WRITE_BACK", "false",
            "changes to mirrored deals are sent to Pipedrive first (else 409 managed_by_pipedrive)",
            [](Config& c, std::string_view v, const Source& s) {
              set_bool(c.pipedrive_write_back, v, s);
            }},
    Setting{"CRMD_SCHEDULER_ENABLED", "true",
            "enqueue the periodic lead workers (priority, engagement, SLA) from this process",
            [](Config& c, std::string_view v, const Source& s) {
              set_bool(c.scheduler_enabled, v, s);
            }},
    Setting{"CRMD_SCHEDULER_TICK_MS", "10000", "how often the scheduler looks for a due run",
            [](Config& c, std::string_view v, const Source& s) { set_ms(c.scheduler_tick, v, s); }},
    Setting{"CRMD_LEAD_PRIORITY_INTERVAL_S", "3600", "seconds between lead priority runs",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.lead_priority_interval, v, s);
            }},
    Setting{"CRMD_LEAD_ENGAGEMENT_INTERVAL_S", "3600", "seconds between lead engagement runs",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.lead_engagement_interval, v, s);
            }},
    Setting{"CRMD_LEAD_SLA_INTERVAL_S", "900", "seconds between lead SLA runs",
            [](Config& c, std::string_view v, const Source& s) {
              set_seconds(c.lead_sla_interval, v, s);
            }},
    Setting{"CRMD_LOG_LEVEL", "info", "trace|debug|info|warn|error|critical|off", set_log_level},
    Setting{"CRMD_LOG_FORMAT", "text", "text|json", set_log_format},
    Setting{"CRMD_ACCESS_LOG", "true", "log one line per request (true|false|1|0|yes|no|on|off)",
            [](Config& c, std::string_view v, const Source& s) { set_bool(c.access_log, v, s); }},
};

std::string both_tls_names() {
  return std::string(kTlsCert) + " (--" + flag_name(kTlsCert) + ") and " + std::string(kTlsKey) +
         " (--" + flag_name(kTlsKey) + ")";
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

Config load(const Environment& env, const std::vector<std::string>& flags) {
  struct Value {
    std::string text;
    std::string flag;  // empty when from the environment
  };
  // Every value is gathered before any is parsed, so a bad env value that a flag
  // overrides is never an error.
  std::array<std::optional<Value>, kSettings.size()> values;
  for (std::size_t i = 0; i < kSettings.size(); ++i) {
    if (auto it = env.find(std::string(kSettings[i].env)); it != env.end()) {
      values[i] = Value{it->second, {}};
    }
  }
  for (const std::string& arg : flags) {
    std::string_view text(arg);
    if (!text.starts_with("--")) {
      throw ConfigError("unexpected argument " + quoted(text) + ": expected --name=value");
    }
    const auto eq = text.find('=');
    const std::string name(text.substr(2, eq == std::string_view::npos ? text.npos : eq - 2));
    std::size_t i = 0;
    while (i < kSettings.size() && flag_name(kSettings[i].env) != name) ++i;
    if (i == kSettings.size()) {
      throw ConfigError("unknown flag --" + name + " (--help lists the flags)");
    }
    if (eq == std::string_view::npos) {
      throw ConfigError("--" + name + " (" + std::string(kSettings[i].env) +
                        "): expected a value, as --" + name + "=VALUE");
    }
    values[i] = Value{std::string(text.substr(eq + 1)), name};
  }

  Config config;
  for (std::size_t i = 0; i < kSettings.size(); ++i) {
    if (!values[i]) continue;
    kSettings[i].assign(config, values[i]->text, Source{kSettings[i].env, values[i]->flag});
  }

  if (config.threads == 0)
    config.threads =
        default_threads(std::thread::hardware_concurrency(), config.database_url.empty());
  if (config.db_read_connections == 0) config.db_read_connections = config.db_pool_size;
  config.db_read_connections = std::min(config.db_read_connections, config.db_pool_size);
  if (!config.blob_url.empty()) {
    std::string missing;
    for (const auto& [value, name] :
         {std::pair{&config.s3_endpoint, "CRMD_S3_ENDPOINT"},
          std::pair{&config.s3_access_key_id, "CRMD_S3_ACCESS_KEY_ID"},
          std::pair{&config.s3_secret_access_key, "CRMD_S3_SECRET_ACCESS_KEY"}})
      if (value->empty()) missing += std::string(missing.empty() ? "" : ", ") + name;
    if (!missing.empty())
      throw ConfigError("CRMD_BLOB_URL (--blob-url): an s3:// store needs " + missing);
    if (config.s3_region.empty()) config.s3_region = "us-east-1";
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    throw ConfigError(both_tls_names() + ": expected both set (TLS on) or neither, got only " +
                      (config.tls_cert_file.empty() ? "the key" : "the certificate"));
  }
  return config;
}

unsigned default_threads(unsigned cores, bool private_database) {
  if (private_database && cores > 1) --cores;
  // Clamped so the resolved count is one --threads would also accept.
  return std::clamp(cores, 1u, kMaxThreads);
}

std::string help_text() {
  std::size_t env_width = 0;
  std::size_t flag_width = 0;
  std::size_t default_width = 0;
  for (const auto& s : kSettings) {
    env_width = std::max(env_width, s.env.size());
    flag_width = std::max(flag_width, flag_name(s.env).size() + 3);
    default_width = std::max(default_width, s.shown_default.size());
  }
  auto pad = [](std::string text, std::size_t width) {
    text.resize(std::max(width, text.size()) + 2, ' ');
    return text;
  };
  std::string out;
  for (const auto& s : kSettings) {
    out += pad(std::string(s.env), env_width);
    out += pad("--" + flag_name(s.env) + "=", flag_width);
    out += pad(std::string(s.shown_default), default_width);
    out += s.meaning;
    out += '\n';
  }
  return out;
}

}  // namespace crmd::config
