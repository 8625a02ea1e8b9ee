#include "server/app.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>

#include "actors/calendar_jobs.hpp"
#include "actors/drive_google.hpp"
#include "actors/drive_local.hpp"
#include "actors/event_retention.hpp"
#include "actors/jobs/contact_export.hpp"
#include "actors/jobs/contact_import.hpp"
#include "actors/leads_workers.hpp"
#include "actors/pipedrive_sync.hpp"
#include "domain/common/crypto.hpp"
#include "server/openapi/docs.hpp"
#include "server/routes/routes.hpp"
#include "storage/blob/local_blob_store.hpp"
#include "storage/blob/s3_blob_store.hpp"
#include "storage/migrations.hpp"

namespace crmd::server {
namespace asio = boost::asio;

namespace {

pg::PoolOptions pool_options(const config::Config& c) {
  pg::PoolOptions options;
  options.connect.conninfo = c.database_url;
  options.connect.connect_timeout = c.db_connect_timeout;
  options.connect.statement_timeout = c.db_statement_timeout;
  options.max_size = c.db_pool_size;
  options.read_size = c.db_read_connections;
  options.overflow_after = c.db_read_overflow;
  options.min_size = std::min<std::size_t>(2, c.db_pool_size);
  options.wait_limit = c.db_pool_wait;
  options.max_prepared = c.db_prepared_max;
  // Read by the LISTEN connection, built from these options' connect part.
  options.connect.ping_interval = c.listen_ping;
  return options;
}

std::optional<asio::ssl::context> tls_context(const config::Config& c) {
  if (!c.tls_enabled()) return std::nullopt;
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  context.use_certificate_chain_file(c.tls_cert_file, ec);
  if (ec)
    throw std::runtime_error("CRMD_TLS_CERT: cannot load " + c.tls_cert_file + ": " + ec.message());
  context.use_private_key_file(c.tls_key_file, asio::ssl::context::pem, ec);
  if (ec)
    throw std::runtime_error("CRMD_TLS_KEY: cannot load " + c.tls_key_file + ": " + ec.message());
  return context;
}

actors::IdentityOptions identity_options(const config::Config& c) {
  actors::IdentityOptions options;
  options.tokens.secret = c.jwt_secret;
  if (!c.jwt_issuer.empty()) options.tokens.issuer = c.jwt_issuer;
  if (!c.jwt_audience.empty()) options.tokens.audience = c.jwt_audience;
  if (!c.external_jwt_secret.empty())
    options.external = identity::ExternalSettings{c.external_jwt_secret, c.external_role_claim};
  options.contacts_write_key = c.contacts_write_key;
  options.max_failures_per_account = c.login_max_failures;
  options.max_failures_per_address = c.login_max_failures_per_ip;
  options.failure_window = c.login_window;
  return options;
}

// A lease owner's name: this host and process, and a random part so that a
// restarted process with the same pid is another owner.
std::string lease_owner() {
  static const std::string name = [] {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return std::string(host) + ":" + std::to_string(getpid()) + ":" + hex(random_bytes(4));
  }();
  return name;
}

actors::JobPoolOptions job_pool_options(const config::Config& c, Metrics& metrics) {
  actors::JobObserver observer{
      [&metrics](const std::string& kind, std::string_view outcome, double seconds) {
        metrics.observe_job(kind, outcome, seconds);
      },
      [&metrics](std::size_t jobs) { metrics.count_rescued(jobs); }};
  return {c.job_workers, c.job_lease, c.job_poll, lease_owner(), std::move(observer)};
}

constexpr const char* kDriveChannelsJob = "drive_channels";
constexpr const char* kDriveUploadsJob = "drive_uploads";
// An upload to Google untouched this long lost its process.
constexpr std::chrono::seconds kStaleUpload{3600};

std::vector<actors::ScheduledTask> scheduled_tasks(const config::Config& c) {
  std::vector<actors::ScheduledTask> tasks{{actors::kLeadPriorityJob, c.lead_priority_interval},
                                           {actors::kLeadEngagementJob, c.lead_engagement_interval},
                                           {actors::kLeadSlaJob, c.lead_sla_interval},
                                           {actors::kEventPruneJob, c.event_prune_interval}};
  if (c.drive_backend == "google") {
    tasks.push_back({kDriveChannelsJob, std::chrono::hours(1)});
    tasks.push_back({kDriveUploadsJob, std::chrono::minutes(10)});
  }
  tasks.push_back({actors::kCalendarRetentionJob, std::chrono::hours(24)});
  if (!c.pipedrive_api_token.empty())
    tasks.push_back({actors::kPipedriveSyncJob, c.pipedrive_sync_interval});
  if (c.calendar_backend == "google") {
    if (c.public_url.empty())
      tasks.push_back({actors::kCalendarPollJob, c.calendar_poll});
    else
      tasks.push_back({actors::kCalendarChannelsJob, std::chrono::hours(1)});
  }
  return tasks;
}

// The Google credentials: a key file, else a refresh token with its client.
google::Credentials google_credentials(const config::Config& c) {
  if (!c.google_credentials.empty()) {
    std::ifstream in(c.google_credentials);
    if (!in)
      throw std::invalid_argument("CRMD_GOOGLE_CREDENTIALS: cannot read " + c.google_credentials);
    const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto credentials = google::parse_credentials(json);
    if (auto* account = std::get_if<google::ServiceAccount>(&credentials);
        account && !c.google_subject.empty())
      account->subject = c.google_subject;
    return credentials;
  }
  if (c.google_client_id.empty() || c.google_client_secret.empty() ||
      c.google_refresh_token.empty())
    throw std::invalid_argument(
        "the google backends need CRMD_GOOGLE_CREDENTIALS, or CRMD_GOOGLE_CLIENT_ID, "
        "CRMD_GOOGLE_CLIENT_SECRET and CRMD_GOOGLE_REFRESH_TOKEN");
  return google::RefreshTokenCredentials{c.google_client_id, c.google_client_secret,
                                         c.google_refresh_token,
                                         std::string(google::default_token_uri)};
}

std::unique_ptr<google::GoogleAuth> google_auth(const config::Config& c,
                                                boost::asio::any_io_executor io,
                                                web::HttpClient& http) {
  const bool drive = c.drive_backend == "google", calendar = c.calendar_backend == "google";
  if (!drive && !calendar) return nullptr;
  if (drive && c.google_drive_root_folder.empty())
    throw std::invalid_argument("CRMD_DRIVE_BACKEND=google needs CRMD_GOOGLE_DRIVE_ROOT_FOLDER");
  std::optional<std::string> token_url;
  if (!c.google_token_url.empty()) token_url = c.google_token_url;
  std::string scope;
  if (drive) scope = "https://www.googleapis.com/auth/drive";
  if (calendar)
    scope += std::string(scope.empty() ? "" : " ") + "https://www.googleapis.com/auth/calendar";
  return std::make_unique<google::GoogleAuth>(io, http, google_credentials(c), scope, token_url);
}

actors::DealOptions deal_options(const config::Config& c) {
  actors::DealOptions o;
  o.default_pipeline = c.default_pipeline;
  o.stuck_days = c.deals_stuck_days;
  o.commit_probability = c.deals_commit_probability;
  o.time_zone = c.company_time_zone;
  o.pipedrive_write_back = c.pipedrive_write_back;
  return o;
}

std::unique_ptr<google::GoogleCalendar> google_calendar(const config::Config& c,
                                                        web::HttpClient& http,
                                                        google::GoogleAuth* auth) {
  if (c.calendar_backend != "google") return nullptr;
  return std::make_unique<google::GoogleCalendar>(http, *auth,
                                                  google::CalendarUrls{c.google_calendar_url});
}

std::unique_ptr<google::GoogleDrive> google_drive(const config::Config& c, web::HttpClient& http,
                                                  google::GoogleAuth* auth) {
  if (c.drive_backend != "google") return nullptr;
  return std::make_unique<google::GoogleDrive>(
      http, *auth, google::DriveUrls{c.google_drive_url, c.google_upload_url});
}

std::unique_ptr<storage::S3Client> s3_client(const config::Config& c, web::HttpClient& http,
                                             boost::asio::thread_pool& blocking) {
  if (c.blob_url.empty()) return nullptr;
  storage::S3Options options;
  options.endpoint = c.s3_endpoint;
  options.bucket = c.s3_bucket;
  options.prefix = c.s3_prefix;
  options.credentials = {c.s3_access_key_id, c.s3_secret_access_key, c.s3_region};
  // Where, never with what credentials.
  spdlog::info("blob store: s3 bucket {} prefix \"{}\" at {} (region {})", c.s3_bucket, c.s3_prefix,
               c.s3_endpoint, c.s3_region);
  return std::make_unique<storage::S3Client>(http, std::move(options), &blocking);
}

std::unique_ptr<storage::BlobStore> make_blob_store(const config::Config& c, storage::S3Client* s3,
                                                    boost::asio::any_io_executor io,
                                                    boost::asio::thread_pool& blocking) {
  if (s3) return std::make_unique<storage::S3BlobStore>(*s3, std::move(io), blocking);
  return std::make_unique<storage::LocalBlobStore>(c.data_dir + "/blobs", blocking);
}

std::unique_ptr<actors::DriveBackend> drive_backend(const config::Config& c,
                                                    google::GoogleDrive* drive,
                                                    storage::BlobStore& store,
                                                    boost::asio::thread_pool& blocking) {
  if (!drive) return std::make_unique<actors::LocalDriveBackend>(store);
  return std::make_unique<actors::GoogleDriveBackend>(*drive, c.google_drive_root_folder, blocking);
}

web::OutboundOptions outbound_options(const config::Config& c) {
  web::OutboundOptions options;
  if (!c.outbound_ca_file.empty()) options.ca_file = c.outbound_ca_file;
  return options;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

http::PipelineOptions pipeline_options(const config::Config& config) {
  http::PipelineOptions options{config.cors_origins, config.access_log, config.public_url, {}};
  for (const auto& text : config.trusted_proxies) {
    auto cidr = Cidr::parse(text);
    if (!cidr)
      throw std::invalid_argument("CRMD_TRUSTED_PROXIES: expected CIDRs such as 10.0.0.0/8, got " +
                                  text);
    options.trusted_proxies.push_back(*cidr);
  }
  return options;
}

}  // namespace

App::App(config::Config config)
    : config_(std::move(config)),
      io_(static_cast<int>(config_.threads)),
      work_(io_.get_executor()),
      signals_(io_),
      blocking_(2),
      hashing_(2),
      connecting_(2),
      pool_(std::make_shared<pg::Pool>(io_, connecting_, pool_options(config_))),
      listener_(std::make_shared<pg::Listener>(io_.get_executor(), connecting_,
                                               pool_options(config_).connect)),
      actors_(io_.get_executor(), config_.actor_mailbox_limit),
      identity_(std::make_unique<actors::IdentityService>(actors_.identity, *pool_, hashing_,
                                                          identity_options(config_))),
      contacts_(actors_.contacts, *pool_),
      companies_(*pool_),
      deals_(actors_.deals, *pool_, deal_options(config_)),
      leads_(actors_.leads, *pool_, deals_),
      jobs_(actors_.jobs, *pool_, job_pool_options(config_, metrics_)),
      scheduler_(actors_.scheduler, *pool_, scheduled_tasks(config_), config_.scheduler_tick),
      http_client_(io_.get_executor(), outbound_options(config_), &outbound_metrics_),
      s3_client_(s3_client(config_, http_client_, blocking_)),
      blob_store_(make_blob_store(config_, s3_client_.get(), io_.get_executor(), blocking_)),
      webhook_dispatcher_(io_.get_executor(), *pool_, event_feed_, http_client_,
                          {.allow_private = config_.webhooks_allow_private,
                           .retry_base = config_.webhook_retry_base}),
      webhooks_(*pool_, webhook_dispatcher_),
      google_auth_(google_auth(config_, io_.get_executor(), http_client_)),
      google_drive_(google_drive(config_, http_client_, google_auth_.get())),
      drive_backend_(drive_backend(config_, google_drive_.get(), *blob_store_, blocking_)),
      drive_(actors_.drive, *pool_, *drive_backend_, blocking_, config_.data_dir + "/blobs/drive"),
      google_calendar_(google_calendar(config_, http_client_, google_auth_.get())),
      calendar_(actors_.calendar, *pool_, leads_, google_calendar_.get(),
                {config_.google_calendar_ids}),
      authenticator_(*identity_),
      idempotency_store_(*pool_),
      idempotency_(idempotency_store_),
      pipeline_(router_, metrics_, authenticator_, idempotency_, pipeline_options(config_)),
      job_files_{
          {config_.data_dir + "/blobs", config_.data_dir + "/blobs/exports", blob_store_.get()},
          config_.export_ttl,
          config_.job_retention} {
  if (config_.jwt_secret.size() < 32)
    throw std::invalid_argument("CRMD_JWT_SECRET: expected a secret of at least 32 bytes");
  http::ServerLimits limits{config_.max_header_bytes, config_.max_body_bytes,
                            config_.max_connections,  config_.header_timeout,
                            config_.body_timeout,     config_.idle_timeout};
  limits.max_upload_bytes = config_.max_upload_bytes;
  limits.max_inflight_body_bytes = config_.max_inflight_body_bytes;
  limits.upload_dir = job_files_.files.blob_dir;
  server_ = std::make_unique<http::Server>(io_, blocking_, pipeline_, limits, tls_context(config_));
  if (google_drive_)
    drive_sync_ = std::make_unique<actors::DriveSync>(
        actors_.drive, *pool_, drive_, *google_drive_, *google_auth_,
        actors::DriveSyncOptions{config_.public_url, config_.drive_channel_ttl,
                                 config_.drive_changes_debounce});
  if (google_calendar_)
    calendar_sync_ = std::make_unique<actors::CalendarSync>(
        actors_.calendar, *pool_, calendar_, *google_calendar_, *google_auth_,
        actors::CalendarSyncOptions{config_.public_url, config_.calendar_channel_ttl,
                                    config_.calendar_debounce, config_.calendar_sync_past,
                                    lease_owner()});
  if (!config_.pipedrive_api_token.empty()) {
    pipedrive::PipedriveOptions options;
    options.base_url = config_.pipedrive_base_url;
    options.api_token = config_.pipedrive_api_token;
    pipedrive_client_ = std::make_unique<pipedrive::PipedriveClient>(http_client_, options);
    pipedrive_sync_ = std::make_unique<actors::PipedriveSync>(
        *pool_, deals_, *pipedrive_client_, actors::PipedriveSyncOptions{lease_owner()});
    deals_.set_write_back(
        [sync = pipedrive_sync_.get()](const deals::Deal& deal, const deals::DealChanges& changes) {
          return sync->write_back(deal, changes);
        });
  }
  routes::OpsContext ops{*pool_, migrated_, metrics_, config_.metrics_token,
                         is_loopback(config_.listen_host)};
  const auto connection = [auth = google_auth_.get()] {
    return std::string(auth->needs_reconnect() ? "needs_reconnect" : "connected");
  };
  if (google_drive_) ops.drive_state = connection;
  if (google_calendar_) ops.calendar_state = connection;
  routes::add_ops_routes(router_, std::move(ops));
  routes::add_identity_routes(router_, *identity_);
  routes::add_contact_routes(router_, contacts_);
  routes::add_contact_v1_routes(router_, contacts_);
  routes::add_apollo_routes(router_, contacts_);
  routes::add_company_routes(router_, companies_, contacts_);
  // Uploads wait in the blob store for their job; exports wait there for
  // their download.
  const auto& files = job_files_.files;
  std::filesystem::create_directories(files.export_dir);
  routes::add_job_routes(router_, {jobs_.repository(), job_watchers_, blocking_, files});
  routes::add_changes_routes(router_, {event_feed_, event_watchers_});
  routes::add_webhook_routes(router_, {webhooks_, config_.webhooks_allow_private});
  std::filesystem::create_directories(drive_.drive_dir());
  routes::add_drive_routes(router_, {drive_, blocking_, drive_sync_.get(), *blob_store_});
  routes::add_google_webhook_routes(router_, drive_sync_.get(), calendar_sync_.get());
  routes::add_calendar_routes(router_, {calendar_, jobs_, calendar_sync_.get(),
                                        calendar_sync_ ? google_auth_.get() : nullptr});
  routes::add_lead_routes(router_, leads_);
  routes::add_deal_routes(router_, deals_);
  routes::add_pipeline_routes(router_, deals_);
  routes::add_sync_routes(router_, pipedrive_sync_.get(), jobs_);
  routes::add_audit_routes(router_, leads_);
  routes::add_import_routes(router_, {jobs_, blocking_, files.blob_dir, *blob_store_});
  routes::add_export_routes(router_, {jobs_, blocking_, jobs_.repository(), job_watchers_,
                                      *blob_store_, config_.jwt_secret, config_.export_ttl});
  // /openapi.json is built from every route at its first request.
  openapi::add_docs_routes(router_, {blocking_, config_.docs_assets});
  jobs_.add_handler("import_contacts",
                    actors::contact_import_handler(*pool_, blocking_, {blob_store_.get()}));
  jobs_.add_handler("export_contacts",
                    actors::contact_export_handler(*pool_, blocking_, {blob_store_.get()}));
  jobs_.add_handler(actors::kLeadPriorityJob,
                    actors::scheduled_handler(*pool_, actors::lead_priority_work(*pool_)));
  jobs_.add_handler(actors::kLeadEngagementJob,
                    actors::scheduled_handler(*pool_, actors::lead_engagement_work(*pool_)));
  jobs_.add_handler(actors::kLeadSlaJob,
                    actors::scheduled_handler(*pool_, actors::lead_sla_work(*pool_)));
  jobs_.add_handler(actors::kEventPruneJob,
                    actors::scheduled_handler(
                        *pool_, actors::event_prune_work(event_feed_, config_.event_retention)));
  jobs_.add_handler(actors::kCalendarRetentionJob,
                    actors::scheduled_handler(
                        *pool_, actors::calendar_retention_work(
                                    calendar_.repository(), config_.calendar_cancelled_retention)));
  if (calendar_sync_) {
    jobs_.add_handler(std::string(actors::kCalendarSyncJob),
                      actors::calendar_sync_handler(*calendar_sync_));
    jobs_.add_handler(
        actors::kCalendarPollJob,
        actors::scheduled_handler(*pool_, actors::calendar_poll_work(*calendar_sync_)));
    jobs_.add_handler(
        actors::kCalendarChannelsJob,
        actors::scheduled_handler(*pool_, actors::calendar_channels_work(*calendar_sync_)));
  }
  if (pipedrive_sync_)
    jobs_.add_handler(actors::kPipedriveSyncJob,
                      actors::pipedrive_sync_handler(*pool_, *pipedrive_sync_));
  if (drive_sync_) {
    jobs_.add_handler(kDriveChannelsJob,
                      actors::scheduled_handler(
                          *pool_, [this](actors::JobContext&) -> asio::awaitable<std::int64_t> {
                            co_await drive_sync_->renew_channels();
                            co_return 0;
                          }));
    jobs_.add_handler(kDriveUploadsJob,
                      actors::scheduled_handler(
                          *pool_, [this](actors::JobContext&) -> asio::awaitable<std::int64_t> {
                            const auto resumed = co_await drive_.resume_stale_uploads(kStaleUpload);
                            co_return static_cast<std::int64_t>(resumed);
                          }));
  }
  add_metrics_gauges();
}

App::~App() {
  stop();
  wait();
}

void App::start() {
  for (unsigned i = 0; i < config_.threads; ++i) threads_.emplace_back([this] { io_.run(); });
  auto started = asio::co_spawn(io_, startup(), asio::use_future);
  try {
    started.get();
  } catch (...) {
    stop();
    wait();
    throw;
  }
}

asio::awaitable<void> App::startup() {
  const auto migrations = storage::parse_migrations(storage::embedded_migration_files());
  const int applied =
      co_await storage::apply_migrations(pool_options(config_).connect, connecting_, migrations);
  spdlog::info("schema up to date ({} migrations, {} applied now)", migrations.size(), applied);
  migrated_ = true;
  co_await pool_->start();
  listener_->start();
  asio::co_spawn(io_, identity_->follow_changes(*listener_), asio::detached);
  asio::co_spawn(io_, leads_.follow_changes(*listener_), asio::detached);
  asio::co_spawn(io_, deals_.follow_changes(*listener_), asio::detached);
  jobs_.start(*listener_);
  asio::co_spawn(io_, job_watchers_.follow(*listener_), asio::detached);
  asio::co_spawn(io_, event_watchers_.follow(*listener_), asio::detached);
  webhook_dispatcher_.start(*listener_);
  asio::co_spawn(io_, contacts_.follow_company_changes(*listener_), asio::detached);
  asio::co_spawn(io_, drive_.follow_changes(*listener_), asio::detached);
  if (drive_sync_) asio::co_spawn(io_, drive_sync_->start(), asio::detached);
  asio::co_spawn(io_, calendar_.follow_changes(*listener_), asio::detached);
  if (calendar_sync_) asio::co_spawn(io_, calendar_sync_->start(), asio::detached);
  if (config_.scheduler_enabled) scheduler_.start();
  co_await bootstrap_admin();
  asio::co_spawn(io_, housekeeping(), asio::detached);
  port_ = server_->listen(config_.listen_host, config_.listen_port);
  const bool v6 = config_.listen_host.find(':') != std::string::npos;
  pipeline_.set_listen_url(std::string(config_.tls_enabled() ? "https://" : "http://") +
                           (v6 ? "[" + config_.listen_host + "]" : config_.listen_host) + ":" +
                           std::to_string(port_));
  spdlog::info("listening on {}:{} with {} threads{}", config_.listen_host, port_, config_.threads,
               config_.tls_enabled() ? " (TLS)" : "");
}

asio::awaitable<void> App::bootstrap_admin() {
  if (!config_.admin_email.empty() && !config_.admin_password.empty()) {
    const bool created =
        co_await identity_->bootstrap_admin(config_.admin_email, config_.admin_password);
    if (created) spdlog::info("created the first admin, {}", config_.admin_email);
    co_return;
  }
  const auto users = co_await identity_->user_count();
  if (users == 0)
    spdlog::warn(
        "no user exists yet: set CRMD_ADMIN_EMAIL and CRMD_ADMIN_PASSWORD to create the first "
        "admin at start");
}

// Periodic clean-up until shutdown, every minute in every process (each
// pass is idempotent): expired Idempotency-Key answers, expired exports'
// files, finished jobs past their retention.
asio::awaitable<void> App::housekeeping() {
  asio::steady_timer timer(io_);
  while (!stopping_) {
    timer.expires_after(std::chrono::minutes(1));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    try {
      const auto pruned = co_await idempotency_store_.prune();
      if (pruned > 0) spdlog::info("pruned {} expired idempotency keys", pruned);
      const auto tidied = co_await actors::tidy_jobs(jobs_.repository(), blocking_, job_files_);
      if (tidied.exports_expired + tidied.jobs_pruned + tidied.leftovers_removed +
              tidied.orphans_removed >
          0)
        spdlog::info(
            "expired {} exports, removed {} finished jobs, {} leftover and {} orphaned files",
            tidied.exports_expired, tidied.jobs_pruned, tidied.leftovers_removed,
            tidied.orphans_removed);
    } catch (const std::exception& e) {
      spdlog::warn("housekeeping failed: {}", e.what());
    }
  }
}

void App::stop() {
  if (stopping_.exchange(true)) return;
  asio::co_spawn(io_, shutdown(), asio::detached);
}

asio::awaitable<void> App::shutdown() {
  spdlog::info("shutting down: draining connections (up to {} ms)", config_.shutdown_grace.count());
  scheduler_.stop();
  co_await scheduler_.stopped();
  // Running jobs stop at their next batch and go back to the queue.
  auto stop_jobs = [this] { return jobs_.stop(); };
  co_await actors_.jobs.call(std::move(stop_jobs));
  job_watchers_.shut_down();  // parked status requests answer now
  event_watchers_.shut_down();
  webhook_dispatcher_.stop();
  if (drive_sync_) drive_sync_->stop();
  if (calendar_sync_) calendar_sync_->stop();
  http_client_.stop();  // deliveries in flight fail now (and are retried later)
  co_await webhook_dispatcher_.stopped();
  if (calendar_sync_) co_await calendar_sync_->stopped();
  co_await server_->shutdown(config_.shutdown_grace);
  listener_->close();
  pool_->close();
  signals_.cancel();
  work_.reset();
  io_.stop();
}

void App::handle_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](boost::system::error_code ec, int) {
    if (!ec) stop();
  });
}

void App::wait() {
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
  blocking_.join();
  hashing_.join();
  connecting_.join();
}

void App::add_metrics_gauges() {
  metrics_.add_scrape_gauge(
      {"crmd_db_pool_connections", "Database pool connections by state", [pool = pool_] {
         const auto s = pool->stats();
         return std::vector<Metrics::GaugeSample>{{{{"state", "open"}}, double(s.size)},
                                                  {{{"state", "in_use"}}, double(s.in_use)},
                                                  {{{"state", "leased"}}, double(s.leased)}};
       }});
  // A gauge, not a counter: a connection that closes takes its counts away.
  metrics_.add_scrape_gauge(
      {"crmd_db_pool_messages",
       "Statements sent on the open connections, and the syncs that ended them (reads share one)",
       [pool = pool_] {
         const auto s = pool->stats();
         return std::vector<Metrics::GaugeSample>{{{{"kind", "statement"}}, double(s.statements)},
                                                  {{{"kind", "sync"}}, double(s.syncs)}};
       }});
  metrics_.add_scrape_gauge(
      {"crmd_db_pool_waiting", "Callers waiting for a database connection", [pool = pool_] {
         return std::vector<Metrics::GaugeSample>{{{}, double(pool->stats().waiting)}};
       }});
  metrics_.add_scrape_gauge(
      {"crmd_actor_mailbox_depth", "Calls queued or running per actor", [this] {
         std::vector<Metrics::GaugeSample> samples;
         for (const auto* actor : actors_.all())
           samples.push_back({{{"actor", actor->name()}}, double(actor->mailbox_depth())});
         return samples;
       }});
}

}  // namespace crmd::server
