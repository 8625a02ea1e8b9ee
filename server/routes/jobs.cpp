// Background jobs: status with long polling, lists, row errors, cancel and
// delete. A caller sees its own jobs (admins all); another's answers 404.
#include <boost/asio/this_coro.hpp>

#include "domain/common/error.hpp"
#include "domain/jobs/job.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/routes/routes.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::status;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;
using openapi::page_of;
using openapi::page_params;

namespace {

constexpr std::int64_t kMaxWaitSeconds = 60;

Error no_such_job() {
  return Error(ErrorKind::not_found, "not_found", "no such job");
}

}  // namespace

asio::awaitable<jobs::Job> visible_job(storage::JobRepository& jobs, const Request& request,
                                       const Uuid& id, std::string_view kind) {
  auto job = co_await jobs.find(id);
  if (!job || !request.principal || !jobs::may_see(*job, *request.principal) ||
      (!kind.empty() && job->kind != kind))
    throw no_such_job();
  co_return *job;
}

namespace {

// GET a job; with ?wait=S&version=N, held until its version passes N (or S
// seconds). ETag is the version; If-None-Match with it answers 304.
}  // namespace

asio::awaitable<Response> job_status(Request& request, storage::JobRepository& jobs,
                                     actors::Watchers& watchers, const Uuid& id,
                                     std::string_view kind, JobDecorator decorate) {
  const auto query = request.query();
  const auto wait = query.integer("wait", 0, 0, kMaxWaitSeconds);
  const auto after = query.integer("version", 0, std::numeric_limits<std::int64_t>::max());
  auto job = co_await visible_job(jobs, request, id, kind);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
  const auto executor = co_await asio::this_coro::executor;
  // A wake without a newer version (the LISTEN connection came back, and
  // notifications may have been missed) parks again for the time left.
  while (after && job.version <= *after) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    actors::LeaveOnExit parked{
        watchers,
        watchers.park(id, *after, identity::caller_key(*request.principal), executor, left)};
    if (!parked.ticket) break;
    job = co_await visible_job(jobs, request, id, kind);  // a change before parking shows here
    if (job.version > *after) break;
    co_await watchers.wait(parked.ticket);
    job = co_await visible_job(jobs, request, id, kind);
  }
  const auto etag = "\"" + std::to_string(job.version) + "\"";
  const bool unchanged = request.message[beast_http::field::if_none_match] == etag;
  auto json = jobs::to_json(job);
  if (decorate) decorate(request, job, json);
  auto response = http::json_response(request, status::ok, json);
  if (unchanged) {
    response = http::no_content(request);
    response.result(status::not_modified);
  }
  response.set(beast_http::field::etag, etag);
  response.set(beast_http::field::cache_control, "no-store");
  co_return response;
}

namespace {

// ?wait=&version=: the long poll of a job's status.
openapi::Operation job_status_operation(std::string id, std::string summary, std::string tag) {
  return op(std::move(id), std::move(summary))
      .tag(std::move(tag))
      .query("wait", schema::integer(0, kMaxWaitSeconds),
             "seconds to hold the answer until the version passes ?version=")
      .query("version", schema::integer(0), "the version last seen")
      .header("If-None-Match", schema::string(), "the version's ETag: 304 when unchanged")
      .ok(schema::schema_of<jobs::Job>())
      .with_header(200, "ETag")
      .reply(304, "Not modified since If-None-Match")
      .errors({429});  // too many parked waits of this caller
}

}  // namespace

void add_job_routes(http::Router& router, JobRoutesContext context) {
  auto shared = std::make_shared<JobRoutesContext>(std::move(context));
  auto& jobs = shared->jobs;
  auto& watchers = shared->watchers;
  router.add(verb::get, "/api/v2/jobs/{id}", Access::sales,
             [&jobs, &watchers](Request& request) -> asio::awaitable<Response> {
               co_return co_await job_status(request, jobs, watchers,
                                             request.path_uuid("id", "job"));
             },
             {.doc = job_status_operation("getJob", "A job's status (long-polled)", "jobs")});

  router.add(
      verb::get, "/api/v1/contacts/import/{id}/", Access::write_key_or_bearer,
      [&jobs, &watchers](Request& request) -> asio::awaitable<Response> {
        co_return co_await job_status(request, jobs, watchers, request.path_uuid("id", "job"));
      },
      {.scope = "contacts:import",
       .doc = job_status_operation("getContactImportV1", "An import's status (v1, long-polled)",
                                   "contacts v1")});

  router.add(
      verb::get, "/api/v2/jobs", Access::sales,
      [&jobs](Request& request) -> asio::awaitable<Response> {
        const auto query = request.query();
        static constexpr std::array<std::string_view, 2> kJobListParameters{"kind", "status"};
        query.reject_unknown(kJobListParameters, http::kPageParameters);
        const auto kind = query.get("kind");
        const auto state = query.get("status");
        std::optional<jobs::Creator> creator;
        if (request.principal->role != identity::Role::admin)
          creator = jobs::creator_of(*request.principal);
        const auto fingerprint =
            contacts::Fingerprint().add("kind", kind).add("status", state).digest();
        const http::KeysetPage page(request, fingerprint);
        auto rows = co_await jobs.list(creator, kind, state, page.fetch_limit(), page.position());
        co_return page.respond(request, rows);
      },
      {.doc = op("listJobs", "List jobs (one's own; admins all)")
                  .tag("jobs")
                  .query("kind", schema::string(), "e.g. import_contacts")
                  .query("status", schema::one_of_strings(
                                       {"pending", "running", "completed", "failed", "cancelled"}))
                  .query(page_params())
                  .ok(page_of(schema::schema_of<jobs::Job>()))});

  router.add(verb::get, "/api/v2/jobs/{id}/errors", Access::sales,
             [&jobs](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "job");
               co_await visible_job(jobs, request, id);
               const http::KeysetPage page(request, "job-errors:" + id.str());
               auto errors = co_await jobs.errors(id, page.position(), page.fetch_limit());
               co_return page.respond(request, errors);
             },
             {.doc = op("listJobErrors", "A job's row errors")
                         .tag("jobs")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<storage::JobError>()))});

  router.add(verb::post, "/api/v2/jobs/{id}/cancel", Access::sales,
             [&jobs](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "job");
               co_await visible_job(jobs, request, id);
               auto job = co_await jobs.request_cancel(id, request.context());
               co_return http::json_response(request, status::ok, jobs::to_json(job));
             },
             {.doc = op("cancelJob", "Ask a job to stop at its next batch")
                         .tag("jobs")
                         .ok(schema::schema_of<jobs::Job>())});

  router.add(verb::delete_, "/api/v2/jobs/{id}", Access::sales,
             [shared](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "job");
               co_await visible_job(shared->jobs, request, id);
               auto removed = co_await shared->jobs.remove(id, request.context());
               if (!removed)
                 throw Error(ErrorKind::conflict, "job_running",
                             "only a finished job can be deleted; cancel it first");
               std::vector<storage::RemovedJob> files{std::move(*removed)};
               co_await actors::remove_job_files(shared->blocking, shared->files, std::move(files));
               co_return http::no_content(request);
             },
             {.doc = op("deleteJob", "Delete a finished job and its files")
                         .tag("jobs")
                         .no_content()
                         .errors({409})});
}

}  // namespace crmd::server::routes
