// The whole server in one object: I/O threads, the blocking pool, the
// database pool and LISTEN connection, the actors, the router and the HTTP
// listener. main() runs one; HTTP tests run one on an ephemeral port.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "actors/calendar.hpp"
#include "actors/calendar_sync.hpp"
#include "actors/companies.hpp"
#include "actors/contacts.hpp"
#include "actors/deals.hpp"
#include "actors/drive.hpp"
#include "actors/drive_sync.hpp"
#include "actors/identity.hpp"
#include "actors/jobs/job_files.hpp"
#include "actors/jobs/job_pool.hpp"
#include "actors/leads.hpp"
#include "actors/pipedrive_sync.hpp"
#include "actors/registry.hpp"
#include "actors/scheduler.hpp"
#include "actors/watchers.hpp"
#include "actors/webhooks.hpp"
#include "config/config.hpp"
#include "server/auth.hpp"
#include "server/http/pipeline.hpp"
#include "server/http/router.hpp"
#include "server/http/server.hpp"
#include "server/metrics.hpp"
#include "storage/blob/blob_store.hpp"
#include "storage/blob/s3_client.hpp"
#include "storage/events/feed.hpp"
#include "storage/pg/listener.hpp"
#include "storage/pg/pool.hpp"
#include "storage/web/http_client.hpp"
#include "storage/web/outbound_metrics.hpp"

namespace crmd::server {

class App {
 public:
  explicit App(config::Config config);
  ~App();

  // Routes may be added until start().
  http::Router& router() { return router_; }

  // Applies migrations, opens the pool, starts the I/O threads and binds.
  // Throws when any of it fails.
  void start();
  unsigned short port() const { return port_; }
  // Begins graceful shutdown; safe from any thread, more than once.
  void stop();
  // Blocks until stop() has finished and the threads have ended.
  void wait();
  // SIGINT and SIGTERM call stop(); call before start().
  void handle_signals();

  boost::asio::io_context& io() { return io_; }
  pg::Pool& db() { return *pool_; }
  boost::asio::thread_pool& blocking() { return blocking_; }
  pg::Listener& listener() { return *listener_; }
  actors::Registry& actors() { return actors_; }
  actors::IdentityService& identity() { return *identity_; }
  actors::JobPool& jobs() { return jobs_; }
  actors::Watchers& job_watchers() { return job_watchers_; }
  actors::Watchers& event_watchers() { return event_watchers_; }
  const actors::JobFileSettings& job_files() const { return job_files_; }
  actors::LeadService& leads() { return leads_; }
  actors::DealService& deals() { return deals_; }
  actors::DriveService& drive() { return drive_; }
  actors::DriveSync* drive_sync() { return drive_sync_.get(); }
  storage::BlobStore& blob_store() { return *blob_store_; }
  actors::CalendarService& calendar() { return calendar_; }
  actors::CalendarSync* calendar_sync() { return calendar_sync_.get(); }
  actors::PipedriveSync* pipedrive_sync() { return pipedrive_sync_.get(); }
  actors::Scheduler& scheduler() { return scheduler_; }
  const config::Config& config() const { return config_; }
  const Metrics& metrics() const { return metrics_; }
  const http::Server& http_server() const { return *server_; }
  bool ready() const { return migrated_.load(); }

 private:
  boost::asio::awaitable<void> startup();
  boost::asio::awaitable<void> bootstrap_admin();
  boost::asio::awaitable<void> housekeeping();
  boost::asio::awaitable<void> shutdown();
  void add_metrics_gauges();

  config::Config config_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::signal_set signals_;
  // Blocking work, one small pool per purpose so that one kind cannot stall
  // another: disk I/O, password hashing, and libpq's connects.
  boost::asio::thread_pool blocking_;
  boost::asio::thread_pool hashing_;
  boost::asio::thread_pool connecting_;
  std::shared_ptr<pg::Pool> pool_;
  std::shared_ptr<pg::Listener> listener_;
  actors::Registry actors_;
  std::unique_ptr<actors::IdentityService> identity_;
  actors::ContactService contacts_;
  actors::CompanyService companies_;
  actors::DealService deals_;
  actors::LeadService leads_;
  actors::JobPool jobs_;
  actors::Watchers job_watchers_{"crmd_jobs", 20};      // parked status requests per caller at most
  actors::Watchers event_watchers_{"crmd_events", 20};  // parked feed reads per caller at most
  storage::EventFeed event_feed_{*pool_};
  actors::Scheduler scheduler_;
  // After io_ and the pool: its scrape gauges hold the pool, whose last
  // owner posts to io_ as it goes. (The job pool above reports to it only
  // once running.)
  Metrics metrics_;
  // After metrics_ (it reports to it), before anything that sends through it.
  web::OutboundMetrics outbound_metrics_{metrics_.registry()};
  web::HttpClient http_client_;
  // The blob store (CRMD_BLOB_URL): the local directory, or an S3 bucket
  // through its client (then s3_client_ is set).
  std::unique_ptr<storage::S3Client> s3_client_;
  std::unique_ptr<storage::BlobStore> blob_store_;
  actors::WebhookDispatcher webhook_dispatcher_;
  actors::WebhookService webhooks_;
  // The Google backends' pieces (CRMD_DRIVE_BACKEND=google,
  // CRMD_CALENDAR_BACKEND=google), else null; one credential for both.
  std::unique_ptr<google::GoogleAuth> google_auth_;
  std::unique_ptr<google::GoogleDrive> google_drive_;
  std::unique_ptr<actors::DriveBackend> drive_backend_;
  actors::DriveService drive_;
  std::unique_ptr<actors::DriveSync> drive_sync_;
  std::unique_ptr<google::GoogleCalendar> google_calendar_;
  actors::CalendarService calendar_;
  std::unique_ptr<actors::CalendarSync> calendar_sync_;
  std::unique_ptr<pipedrive::PipedriveClient> pipedrive_client_;
  std::unique_ptr<actors::PipedriveSync> pipedrive_sync_;
  Authenticator authenticator_;
  storage::IdempotencyStore idempotency_store_;
  http::Idempotency idempotency_;
  http::Router router_;
  http::Pipeline pipeline_;
  actors::JobFileSettings job_files_;
  std::unique_ptr<http::Server> server_;
  std::vector<std::thread> threads_;
  std::atomic<bool> migrated_{false};
  std::atomic<bool> stopping_{false};
  unsigned short port_ = 0;
};

}  // namespace crmd::server
