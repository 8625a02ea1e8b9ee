#include <boost/json/object.hpp>

#include "domain/common/crypto.hpp"
#include "domain/common/error.hpp"
#include "server/http/json.hpp"
#include "server/openapi/operation.hpp"
#include "server/routes/routes.hpp"

namespace crmd::server::routes {
namespace beast_http = boost::beast::http;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;

namespace {

// /metrics is guarded by CRMD_METRICS_TOKEN; without one it is served on a
// loopback listener only, where just this machine can reach it.
void authorize_scrape(const Request& request, const OpsContext& context) {
  if (context.metrics_token.empty()) {
    if (context.loopback_listener) return;
    throw Error(ErrorKind::forbidden, "metrics_token_required",
                "set CRMD_METRICS_TOKEN to serve /metrics on a non-loopback listener");
  }
  const auto header = request.message[beast_http::field::authorization];
  constexpr std::string_view kScheme = "Bearer ";
  const bool ok =
      header.starts_with(kScheme) && constant_time_equal(sha256_hex(header.substr(kScheme.size())),
                                                         sha256_hex(context.metrics_token));
  if (!ok)
    throw Error(ErrorKind::unauthorized, "not_authenticated",
                "/metrics needs the bearer token of CRMD_METRICS_TOKEN");
}

}  // namespace

void add_ops_routes(http::Router& router, OpsContext context) {
  router.add(
      beast_http::verb::get, "/health", Access::public_,
      [](Request& request) -> boost::asio::awaitable<Response> {
        co_return http::json_response(request, beast_http::status::ok,
                                      boost::json::object{{"status", "ok"}});
      },
      {.doc = op("health", "Liveness")
                  .tag("operations")
                  .ok(schema::Object("Health").field("status", schema::one_of_strings({"ok"})))});

  router.add(
      beast_http::verb::get, "/ready", Access::public_,
      [context](Request& request) -> boost::asio::awaitable<Response> {
        if (!context.migrated.load())
          throw Error(ErrorKind::unavailable, "not_ready", "migrations are not applied yet");
        co_await context.pool.read("SELECT 1");
        boost::json::object body{{"status", "ready"}};
        // An outside service's state, for whoever watches readiness; it
        // does not make crmd unready.
        if (context.drive_state) body["drive"] = context.drive_state();
        if (context.calendar_state) body["calendar"] = context.calendar_state();
        co_return http::json_response(request, beast_http::status::ok, std::move(body));
      },
      {.doc =
           op("ready", "Readiness: the database answers and migrations are applied")
               .tag("operations")
               .ok(schema::Object("Ready")
                       .field("status", schema::one_of_strings({"ready"}))
                       .optional("drive", schema::one_of_strings({"connected", "needs_reconnect"}),
                                 "the Google Drive connection, when the Google backend is on")
                       .optional("calendar",
                                 schema::one_of_strings({"connected", "needs_reconnect"}),
                                 "the Google Calendar connection, when the Google backend is on"))});

  router.add(beast_http::verb::get, "/metrics", Access::public_,
             [context](Request& request) -> boost::asio::awaitable<Response> {
               authorize_scrape(request, context);
               const auto depth = co_await context.pool.read(
                   "SELECT kind, status, count(*)::float8 FROM jobs"
                   " WHERE status IN ('pending', 'running') GROUP BY kind, status");
               std::vector<Metrics::GaugeSample> samples;
               for (auto row : depth)
                 samples.push_back(
                     {{{"kind", row.get<std::string>(0)}, {"status", row.get<std::string>(1)}},
                      row.get<double>(2)});
               context.metrics.set_job_queue(std::move(samples));
               Response response(beast_http::status::ok, request.message.version());
               response.set(beast_http::field::content_type, "text/plain; version=0.0.4");
               response.body() = context.metrics.serialize();
               response.prepare_payload();
               co_return response;
             },
             {.doc = op("metrics", "Prometheus metrics")
                         .tag("operations")
                         .describe("Open on a loopback listener without CRMD_METRICS_TOKEN; "
                                   "otherwise it takes that "
                                   "token as a bearer token.")
                         .header("Authorization", schema::string(), "Bearer <CRMD_METRICS_TOKEN>")
                         .reply(200, "The metrics", "text/plain")
                         .errors({401, 403})});
}

}  // namespace crmd::server::routes
