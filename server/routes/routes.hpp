// Route registration, one function per domain. Handlers stay thin: parse,
// call the domain's actor, answer.
#pragma once

#include <atomic>
#include <functional>

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
#include "actors/watchers.hpp"
#include "actors/webhooks.hpp"
#include "server/http/router.hpp"
#include "server/metrics.hpp"
#include "storage/events/feed.hpp"
#include "storage/jobs/repository.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::server::routes {

struct OpsContext {
  pg::Pool& pool;
  const std::atomic<bool>& migrated;
  Metrics& metrics;
  std::string metrics_token;  // empty: /metrics is open where the listener is loopback
  bool loopback_listener = true;
  // The Google Drive connection's state (connected, needs_reconnect); empty
  // on the local backend.
  std::function<std::string()> drive_state;
  std::function<std::string()> calendar_state;  // likewise for Google Calendar
};

// GET /health, /ready and /metrics.
void add_ops_routes(http::Router& router, OpsContext context);

// /api/v2/contacts.
void add_contact_routes(http::Router& router, actors::ContactService& contacts);

// /api/v1/contacts/ (write key; reads also with a bearer token).
void add_contact_v1_routes(http::Router& router, actors::ContactService& contacts);

// POST /api/v2/apollo/contacts.
void add_apollo_routes(http::Router& router, actors::ContactService& contacts);

// /api/v2/jobs (status with long polling, list, errors, cancel, delete) and
// /api/v1/contacts/import/{id}/.
struct JobRoutesContext {
  storage::JobRepository& jobs;
  actors::Watchers& watchers;
  boost::asio::thread_pool& blocking;
  actors::JobFiles files;  // a deleted job's files go with it
};
void add_job_routes(http::Router& router, JobRoutesContext context);

// A visible job (its creator's, or any for an admin) of kind (any when
// empty); 404 otherwise.
boost::asio::awaitable<jobs::Job> visible_job(storage::JobRepository& jobs,
                                              const http::Request& request, const Uuid& id,
                                              std::string_view kind = {});

// A job's status: with ?wait=S&version=N held until its version passes N
// (or S seconds); ETag is the version, If-None-Match with it answers 304.
// decorate adds to the answer what a kind's own route shows.
using JobDecorator =
    std::function<void(const http::Request&, const jobs::Job&, boost::json::object&)>;
boost::asio::awaitable<http::Response> job_status(http::Request& request,
                                                  storage::JobRepository& jobs,
                                                  actors::Watchers& watchers, const Uuid& id,
                                                  std::string_view kind = {},
                                                  JobDecorator decorate = {});

// GET /api/v2/changes: the change feed, long-polled.
struct ChangesContext {
  storage::EventFeed& feed;
  actors::Watchers& watchers;
};
void add_changes_routes(http::Router& router, ChangesContext context);

// /api/v2/webhooks: subscriptions, deliveries, replay, ping.
struct WebhookContext {
  actors::WebhookService& webhooks;
  bool allow_private;  // CRMD_WEBHOOKS_ALLOW_PRIVATE: http and private targets allowed
};
void add_webhook_routes(http::Router& router, WebhookContext context);

// /api/v2/drive: records' folder trees, folders, files, search, templates.
struct DriveContext {
  actors::DriveService& drive;
  boost::asio::thread_pool& blocking;
  actors::DriveSync* sync;    // the Google backend's; null on the local one
  storage::BlobStore& store;  // the local backend's contents, "drive/<blob>"
};
void add_drive_routes(http::Router& router, DriveContext context);
// POST /webhooks/google/drive and /webhooks/google/calendar: Google's push
// notifications (a null sync: that service is not connected).
void add_google_webhook_routes(http::Router& router, actors::DriveSync* drive,
                               actors::CalendarSync* calendar);

// /api/v2/calendar: events, and the Google sync's state and jobs.
struct CalendarContext {
  actors::CalendarService& calendar;
  actors::JobPool& jobs;
  actors::CalendarSync* sync;  // null on the local backend
  google::GoogleAuth* auth;    // likewise
};
void add_calendar_routes(http::Router& router, CalendarContext context);
// /api/v2/drive/templates (admins).
void add_drive_template_routes(http::Router& router, actors::DriveService& drive);
void add_deal_routes(http::Router& router, actors::DealService& deals);
void add_pipeline_routes(http::Router& router, actors::DealService& deals);
// sync: null when Pipedrive is not configured.
void add_sync_routes(http::Router& router, actors::PipedriveSync* sync, actors::JobPool& jobs);

struct ImportContext {
  actors::JobPool& queue;
  boost::asio::thread_pool& blocking;
  std::string blob_dir;       // the local directory an upload is written to first
  storage::BlobStore& store;  // where it is kept for its job, under payload.file
};

// POST /api/v2/imports/contacts and /api/v1/contacts/import/.
void add_import_routes(http::Router& router, ImportContext imports);

struct ExportContext {
  actors::JobPool& queue;
  boost::asio::thread_pool& blocking;
  storage::JobRepository& jobs;
  actors::Watchers& watchers;
  storage::BlobStore& store;  // exports are "exports/<job id>.csv" there
  std::string link_secret;    // signs download links
  std::chrono::seconds ttl;   // how long a finished export can be downloaded
};

// POST /api/v2/exports/contacts, GET /api/v2/exports/{id} and its download.
void add_export_routes(http::Router& router, ExportContext exports);

// /api/v2/companies, with /api/v2/companies/{id}/contacts.
void add_company_routes(http::Router& router, actors::CompanyService& companies,
                        actors::ContactService& contacts);

// The contact list's filters from the query string, and the page of the
// list they select: shared by the v1 and v2 contact and company routes.
contacts::ContactListQuery contact_list_query(const http::Request& request);
boost::asio::awaitable<http::Response> list_contacts(http::Request& request,
                                                     actors::ContactService& contacts,
                                                     contacts::ContactListQuery query);

// The contact writes v1 and v2 share: create (201 with Location prefix +
// id + suffix), PATCH (or PUT when replace) and soft delete of {id}.
boost::asio::awaitable<http::Response> create_contact(http::Request& request,
                                                      actors::ContactService& contacts,
                                                      std::string_view location_prefix,
                                                      std::string_view location_suffix);
boost::asio::awaitable<http::Response> update_contact(http::Request& request,
                                                      actors::ContactService& contacts,
                                                      bool replace);
boost::asio::awaitable<http::Response> delete_contact(http::Request& request,
                                                      actors::ContactService& contacts);

// /api/v2/leads (tags, contacts, activity, qualification, sales view, SLA
// breaches), /api/v2/tags, /api/v2/lead-statuses, /api/v2/lead-origins.
void add_lead_routes(http::Router& router, actors::LeadService& leads);

// GET /api/v2/audit (managers and admins).
void add_audit_routes(http::Router& router, actors::LeadService& leads);

// /api/v2/auth/*, /api/v2/users, /api/v2/api-keys.
void add_identity_routes(http::Router& router, actors::IdentityService& identity);

}  // namespace crmd::server::routes
