// The Pipedrive sync, /api/v2/sync: its state per entity, and runs started
// on demand as pipedrive_sync jobs that clients long-poll at /api/v2/jobs/{id}.
#include "actors/pipedrive_sync.hpp"
#include "server/http/json.hpp"
#include "server/openapi/operation.hpp"
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

namespace {

Error not_configured() {
  return Error(ErrorKind::unavailable, "pipedrive_not_configured",
               "Pipedrive is not configured (CRMD_PIPEDRIVE_API_TOKEN): deals are kept in crmd");
}

// What /trigger/{entity} runs: a name of the API, or one entity of the sync.
// Deals come with what they refer to that is cheap to read whole (a deal of
// a stage not mirrored yet would be skipped).
std::vector<std::string> entities_of(std::string_view name) {
  if (name == "deals")
    return {"users", "pipelines", "stages", "deals", "deals_archived", "deals_deleted"};
  if (name == "pipelines") return {"pipelines", "stages"};
  for (auto entity : actors::kSyncEntities)
    if (entity == name) return {std::string(entity)};
  throw Error(ErrorKind::not_found, "not_found",
              "no such entity: users, pipelines, stages, organizations, persons, deals, "
              "deals_archived, deals_deleted, notes or deals_reconcile");
}

asio::awaitable<Response> trigger(Request& request, actors::JobPool& jobs,
                                  std::vector<std::string> entities) {
  boost::json::array list;
  for (const auto& e : entities) list.emplace_back(e);
  boost::json::object payload;
  payload["entities"] = std::move(list);
  const auto creator = jobs::creator_of(*request.principal);
  storage::NewJob job{std::string(actors::kPipedriveSyncJob), payload, creator.user, creator.key};
  auto created =
      co_await jobs.enqueue(std::move(job), "pipedrive_sync_requested", payload, request.context());
  auto response = http::json_response(request, status::accepted, jobs::to_json(created));
  response.set(beast_http::field::location, "/api/v2/jobs/" + created.id.str());
  co_return response;
}

schema::Schema status_schema() {
  using namespace schema;
  return Object("PipedriveSyncStatus")
      .field("configured", boolean())
      .optional("running", boolean(), "a run holds the lease")
      .optional("lease_until", nullable(timestamp()))
      .optional("paused_until", nullable(timestamp()),
                "the rate limits paused every run until then (daily budget, 403 after 429s)")
      .optional("pause_reason", nullable(string()))
      .optional("rate_limit", any_object(), "what Pipedrive's rate-limit headers said last")
      .field(
          "entities",
          array(Object("SyncMetadata")
                    .field("entity_type", string())
                    .field("last_sync_time", nullable(timestamp()))
                    .field("last_sync_duration_ms", integer(0))
                    .field("records_synced", integer(0))
                    .field("status", one_of_strings({"never", "success", "failed", "in_progress"}))
                    .field("error_message", nullable(string()))
                    .field("mode", nullable(one_of_strings({"full", "incremental"})))
                    .field("watermark", nullable(timestamp()))
                    .field("resumable", boolean(), "a run stopped mid-way and resumes")
                    .field("last_reconciled_at", nullable(timestamp()))));
}

}  // namespace

void add_sync_routes(http::Router& router, actors::PipedriveSync* sync, actors::JobPool& jobs) {
  router.add(
      verb::get, "/api/v2/sync/status", Access::manager,
      [sync](Request& request) -> asio::awaitable<Response> {
        request.query().reject_unknown({});
        boost::json::object out;
        if (sync) {
          out = co_await sync->status();
        } else {
          out["configured"] = false;
          out["entities"] = boost::json::array();
        }
        co_return http::json_response(request, status::ok, std::move(out));
      },
      {.doc = op("getSyncStatus", "The Pipedrive sync's state per entity and its rate limits")
                  .tag("sync")
                  .ok(status_schema())});

  const auto doc = [](const char* id, const char* summary) {
    return op(id, summary)
        .tag("sync")
        .reply(202, "Queued: long-poll it at /api/v2/jobs/{id}", "application/json",
               schema::any_object())
        .errors({503});
  };
  router.add(verb::post, "/api/v2/sync/trigger", Access::manager,
             [sync, &jobs](Request& request) -> asio::awaitable<Response> {
               if (!sync) throw not_configured();
               std::vector<std::string> everything;
               co_return co_await trigger(request, jobs, std::move(everything));
             },
             {.doc = doc("triggerSync", "Sync everything from Pipedrive now")});
  router.add(verb::post, "/api/v2/sync/trigger/{entity}", Access::manager,
             [sync, &jobs](Request& request) -> asio::awaitable<Response> {
               if (!sync) throw not_configured();
               auto entities = entities_of(request.path_param("entity"));
               co_return co_await trigger(request, jobs, std::move(entities));
             },
             {.doc = doc("triggerEntitySync",
                         "Sync one entity from Pipedrive now (deals: with archived and deleted "
                         "ones, users, pipelines and stages; pipelines: with their stages)")
                         .path("entity", schema::string(),
                               "users, pipelines, stages, "
                               "organizations, persons, deals, notes, deals_reconcile, ...")});
}

}  // namespace crmd::server::routes
