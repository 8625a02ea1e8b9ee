// Pipedrive over the outbound client: v2 for pipelines, stages,
// organizations, persons and deals (cursor pages), v1 for users and notes
// (offset pages), and a v2 PATCH of a deal for write-back. Only translation
// and pacing: the caller keeps cursors, watermarks and what it stored.
//
// Authentication: the API token goes ONLY in the x-api-token header, never
// in the URL (URLs get logged).
//
// Pacing (storage/pipedrive/rate_limit.hpp): every answer is judged; when
// the burst window is spent the next request waits on an Asio timer (no
// thread sleeps); a 429 is sent again after the window resets, at most
// max_rate_limit_retries times per call. Transport failures and 5xx are
// retried by the common retry policy (web::HttpClient::send_with_retries).
//
// How calls fail (crmd::Error; code, kind):
//  - "pipedrive_budget_exhausted" (rate_limited, retry_after_seconds set):
//    the daily token budget is spent. rate_limit().paused_until is its
//    reset; until then every call throws this at once, without a request;
//  - "pipedrive_rate_limited_forbidden" (unavailable): a 403 right after a
//    429, Pipedrive's escalation: stop the run, do not retry;
//  - "pipedrive_rate_limited" (rate_limited): still 429 after the retries,
//    or a wait longer than max_wait asked for;
//  - "pipedrive_unauthorized" (unavailable): 401, the token is invalid or
//    revoked (a caller shows it as needs_reconnect);
//  - "pipedrive_not_found" (not_found): 404 (patch_deal of a purged deal);
//  - "pipedrive_error" (unavailable): any other non-2xx answer (5xx after
//    the retries included), or an error envelope;
//  - "pipedrive_malformed" (unavailable): a body that is no envelope, or a
//    patched deal that cannot be read (items of a page that cannot be read
//    are left out and listed in Page::problems instead);
//  - the outbound client's own errors (storage/web/outbound_errors.hpp:
//    outbound_timeout, outbound_connect_failed, ...) once its retries are
//    spent.
//
// Calls may run concurrently (the rate state is guarded); a sync normally
// makes them one at a time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "domain/common/time.hpp"
#include "storage/pipedrive/rate_limit.hpp"
#include "storage/pipedrive/wire.hpp"
#include "storage/web/http_client.hpp"

namespace crmd::pipedrive {

struct PipedriveOptions {
  std::string base_url;  // e.g. https://acme.pipedrive.com (no trailing slash)
  std::string api_token;
  int page_limit = 500;  // limit= of every list (Pipedrive's maximum: 500)
  // 429s sent again (after the window) within one call before it fails.
  int max_rate_limit_retries = 5;
  // A burst wait (Retry-After, x-ratelimit-reset) longer than this fails the
  // call with pipedrive_rate_limited instead of holding it.
  std::chrono::seconds max_wait{120};
  PacingRules pacing;
  std::chrono::milliseconds timeout{60000};  // one request
};

// One list of v2 deals, persons or organizations. Filters must stay the same
// across the pages of one run (only cursor changes).
struct ListQuery {
  // update_time >= this; sent as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" (whole
  // seconds, rounded down: inclusive, so a fraction only widens it).
  std::optional<Timestamp> updated_since;
  std::optional<Timestamp> updated_until;  // update_time < this
  // Deals only: "open,won,lost" or "deleted"; none: every deal not deleted.
  std::optional<std::string> status;
  std::optional<std::string> cursor;  // next_cursor of the previous page
  std::string sort_by = "update_time";
  std::string sort_direction = "asc";
};

// One page of v1 notes, sorted "update_time ASC".
struct NotesQuery {
  std::optional<Timestamp> updated_since;  // RFC 3339, as ListQuery's
  std::int64_t start = 0;                  // next_start of the previous page
  std::optional<std::int64_t> deal_id;
};

// The retry policy of Pipedrive calls: the common one, except that 429 is
// left to the client's own pacing (never retried blindly) and 401 is final.
web::RetryPolicy pipedrive_retry_policy();

class PipedriveClient {
 public:
  // http must outlive the client.
  PipedriveClient(web::HttpClient& http, PipedriveOptions options,
                  web::RetryPolicy policy = pipedrive_retry_policy());
  PipedriveClient(const PipedriveClient&) = delete;
  PipedriveClient& operator=(const PipedriveClient&) = delete;

  // GET /v1/users: every user, inactive ones included, in one Page (v1
  // pages, when Pipedrive pages them, are followed; next_start is then
  // unset).
  boost::asio::awaitable<Page<User>> users();
  // GET /api/v2/pipelines, one cursor page.
  boost::asio::awaitable<Page<Pipeline>> pipelines(std::optional<std::string> cursor = {});
  // GET /api/v2/stages, one cursor page (of one pipeline when given).
  boost::asio::awaitable<Page<Stage>> stages(std::optional<std::string> cursor = {},
                                             std::optional<std::int64_t> pipeline_id = {});
  // GET /api/v2/organizations and /api/v2/persons (query.status is not sent).
  boost::asio::awaitable<Page<Organization>> organizations(ListQuery query);
  boost::asio::awaitable<Page<Person>> persons(ListQuery query);
  // GET /api/v2/deals: not archived (Pipedrive leaves archived deals out).
  boost::asio::awaitable<Page<Deal>> deals(ListQuery query);
  // GET /api/v2/deals/archived.
  boost::asio::awaitable<Page<Deal>> archived_deals(ListQuery query);
  // GET /v1/notes?start=&limit=&sort=update_time ASC[&updated_since=][&deal_id=].
  boost::asio::awaitable<Page<Note>> notes(NotesQuery query);
  // The ids of every deal Pipedrive still has, for a full reconciliation:
  // /api/v2/deals (archived: /api/v2/deals/archived) sorted by id, no
  // status filter (so deleted ones, purged after 30 days, are left out), one
  // cursor page. v2 has no field selector, so a page costs what a deal page
  // costs; only ids are read, so a deal with a malformed field still counts.
  boost::asio::awaitable<Page<std::int64_t>> deal_ids(std::optional<std::string> cursor = {},
                                                      bool archived = false);
  // PATCH /api/v2/deals/{id} with changes as its JSON body: the deal after.
  boost::asio::awaitable<Deal> patch_deal(std::int64_t id, boost::json::object changes);

  // A copy of the rate-limit state after the last answer (paused_until: when
  // the next request may go; last_verdict).
  RateLimitState rate_limit() const;

 private:
  // One exchange with pacing, the 429 retries and the status checks: a 2xx
  // answer, or throws.
  boost::asio::awaitable<web::HttpResponse> exchange(web::HttpRequest request);
  // How long to wait before the next request; throws while a budget is spent.
  std::chrono::milliseconds before_request();
  PaceVerdict after_answer(const web::HttpResponse& response);
  web::HttpRequest get(std::string path_and_query) const;
  std::string list_query(const ListQuery& query, bool with_status) const;

  web::HttpClient& http_;
  const PipedriveOptions options_;
  const web::RetryPolicy policy_;
  mutable std::mutex mutex_;
  RateLimitState state_;
  std::optional<std::chrono::steady_clock::time_point> resume_at_;  // burst pause
  std::optional<Timestamp> budget_until_;                           // spent budget
};

}  // namespace crmd::pipedrive
