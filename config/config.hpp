// Typed settings of crmd, read from the environment and overridden by flags.
// Every error names the setting and says what it expects.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace crmd::config {

// Thrown for any bad setting; what() names the setting and what it expects.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class LogFormat { text, json };

struct Config {
  // Empty: crmd starts its own private PostgreSQL under data_dir/pg.
  std::string database_url;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  unsigned threads = 0;  // 0 resolves to the core count in load()
  std::string data_dir = "./var";
  std::string jwt_secret;  // empty: main() generates one and keeps it in data_dir
  std::string jwt_issuer;
  std::string jwt_audience;
  std::string external_jwt_secret;
  std::string external_role_claim = "app_metadata.role";
  std::string contacts_write_key;
  std::string admin_email;
  std::string admin_password;

  // Failed-login limits (429 past them).
  std::size_t login_max_failures = 5;
  std::size_t login_max_failures_per_ip = 20;
  std::chrono::seconds login_window{900};

  // PostgreSQL pool.
  std::size_t db_pool_size = 8;
  std::size_t db_read_connections = 0;  // 0 until load() resolves it
  std::chrono::milliseconds db_read_overflow{10};
  std::chrono::milliseconds db_pool_wait{2000};
  std::chrono::milliseconds db_connect_timeout{5000};
  std::chrono::milliseconds db_statement_timeout{30000};
  std::size_t db_prepared_max = 256;     // prepared statements per connection
  std::chrono::seconds listen_ping{30};  // the LISTEN connection's liveness ping

  // HTTP limits.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::uint64_t max_upload_bytes = 1ull << 30;       // upload routes' bodies, streamed to disk
  std::size_t max_inflight_body_bytes = 256u << 20;  // all bodies held in memory at once
  std::size_t max_connections = 10000;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds shutdown_grace{10000};

  // Links (next/previous, Location, download_url) start with this, e.g.
  // https://crm.example.com; empty: the listen address.
  std::string public_url;
  // CIDRs whose X-Forwarded-For/-Proto/-Host are believed.
  std::vector<std::string> trusted_proxies;
  // Bearer token /metrics requires; empty: open, on a loopback listener only.
  std::string metrics_token;
  // Without DATABASE_URL: start a private PostgreSQL (true) or refuse to start.
  bool embedded_db = true;

  std::vector<std::string> cors_origins;  // "*" allows any origin
  std::string tls_cert_file;              // TLS is on when both are set
  std::string tls_key_file;

  std::size_t actor_mailbox_limit = 1024;

  std::size_t job_workers = 2;                       // jobs run at once in this process
  std::chrono::seconds job_lease{30};                // a worker's hold on a job, renewed at a third
  std::chrono::milliseconds job_poll{1000};          // claim attempts when no NOTIFY came
  std::chrono::seconds export_ttl{86400};            // a finished export's download window
  std::chrono::seconds job_retention{7 * 86400};     // finished jobs and their files, then removed
  std::chrono::seconds event_retention{30 * 86400};  // events in the feed, then pruned
  std::chrono::seconds event_prune_interval{300};    // between pruning runs
  std::string outbound_ca_file;                      // a CA outbound TLS trusts beyond the system's
  std::string docs_assets = "/usr/lib/python3/dist-packages/flasgger/ui3/static";  // Swagger UI
  bool webhooks_allow_private = false;  // http and private addresses as webhook targets
  std::chrono::milliseconds webhook_retry_base{5000};  // the first retry's wait at most

  // Drive (issue 13): "local" (the blob store) or "google".
  std::string drive_backend = "local";
  std::string google_credentials;  // a service-account or authorized-user JSON file
  std::string google_subject;      // domain-wide delegation: the user a service account acts as
  std::string google_client_id, google_client_secret, google_refresh_token;  // instead of a file
  std::string google_drive_root_folder;  // the folder or shared drive the roots go in
  std::string google_drive_url = "https://www.googleapis.com/drive/v3";
  std::string google_upload_url = "https://www.googleapis.com/upload/drive/v3";
  std::string google_token_url;                            // empty: the credentials' own token_uri
  std::chrono::seconds drive_channel_ttl{7 * 86400};       // a changes.watch channel's life
  std::chrono::milliseconds drive_changes_debounce{2000};  // pushes within this make one pull
  // Calendar (issue 14): "local" (events in crmd only) or "google" (mirrored).
  std::string calendar_backend = "local";
  std::vector<std::string> google_calendar_ids{"primary"};
  std::string google_calendar_url = "https://www.googleapis.com/calendar/v3";
  std::chrono::days calendar_sync_past{180};  // how far back a full sync reads
  std::chrono::seconds calendar_poll{300};    // without push channels
  std::chrono::days calendar_cancelled_retention{180};
  std::chrono::seconds calendar_channel_ttl{7 * 86400};
  std::chrono::milliseconds calendar_debounce{2000};

  // The blob store (uploads, exports, local drive contents): empty blob_url
  // is the local directory data_dir/blobs; "s3://bucket/prefix" a bucket
  // reached at s3_endpoint (path-style) with SigV4 credentials.
  std::string blob_url;
  std::string s3_bucket, s3_prefix;  // from blob_url; the prefix "" or ending in '/'
  std::string s3_endpoint;           // scheme://host[:port]
  std::string s3_region;
  std::string s3_access_key_id, s3_secret_access_key;

  // Deals (issue 15).
  std::string default_pipeline = "Sales";  // where a qualified lead's deal opens
  int deals_stuck_days = 30;
  int deals_commit_probability = 70;
  std::string company_time_zone = "UTC";  // what "today" is for close dates
  // Pipedrive: mirrored when the token is set.
  std::string pipedrive_api_token;
  std::string pipedrive_base_url = "https://api.pipedrive.com";
  std::chrono::seconds pipedrive_sync_interval{1800};
  bool pipedrive_write_back = false;

  bool scheduler_enabled = true;                        // this process enqueues periodic runs
  std::chrono::milliseconds scheduler_tick{10000};      // how often it looks for a due run
  std::chrono::seconds lead_priority_interval{3600};    // lead priority recomputation
  std::chrono::seconds lead_engagement_interval{3600};  // lead engagement recount
  std::chrono::seconds lead_sla_interval{900};          // lead SLA breach flagging

  std::string log_level = "info";  // trace|debug|info|warn|error|critical|off
  LogFormat log_format = LogFormat::text;
  bool access_log = true;

  bool tls_enabled() const { return !tls_cert_file.empty() && !tls_key_file.empty(); }
};

using Environment = std::map<std::string, std::string>;

// The process environment as a map.
Environment process_environment();

// Reads settings from env, then applies flags of the form --name=value
// (name is the env var without CRMD_, lower-case, '_' as '-': --listen=,
// --threads=, --database-url=). Throws ConfigError.
Config load(const Environment& env, const std::vector<std::string>& flags);

// CRMD_THREADS when unset: a thread per core, less one core left to the
// private PostgreSQL when crmd runs its own on the same machine (with two
// cores, a second I/O thread made the sales view's p99 three to ten times
// higher: bench/README.md).
unsigned default_threads(unsigned cores, bool private_database);

// One line per setting: env var, flag, default, meaning.
std::string help_text();

}  // namespace crmd::config
