// The calendar, /api/v2/calendar: events (read from the database only),
// and the state of the Google sync with a way to start one.
#include "actors/calendar.hpp"

#include "actors/calendar_sync.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
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
using openapi::page_of;
using openapi::page_params;

namespace {

constexpr std::array<std::string_view, 8> kListParameters{
    "start", "end", "calendar_id", "status", "attendee", "lead_id", "contact_id", "deal_id"};

std::optional<Timestamp> time_parameter(const QueryParams& query, std::string_view name) {
  const auto text = query.get(name);
  if (!text) return std::nullopt;
  auto t = calendar::parse_event_time(*text);
  if (!t) throw invalid_query_parameter(name, "RFC 3339 with an offset, or a date (YYYY-MM-DD)");
  return t->at;
}

storage::EventQuery event_query(const Request& request) {
  const auto query = request.query();
  query.reject_unknown(http::kPageParameters, kListParameters);
  storage::EventQuery q;
  q.start = time_parameter(query, "start");
  q.end = time_parameter(query, "end");
  if (q.start && q.end && *q.end < *q.start)
    throw invalid_query_parameter("end", "a time after start");
  q.calendar_ids = query.all("calendar_id");
  q.statuses = query.all("status");
  for (const auto& s : q.statuses)
    if (std::find(calendar::kStatuses.begin(), calendar::kStatuses.end(), s) ==
        calendar::kStatuses.end())
      throw invalid_query_parameter("status", "confirmed, tentative or cancelled");
  if (auto attendee = query.get("attendee")) {
    if (attendee->size() > 254) throw invalid_query_parameter("attendee", "an e-mail address");
    std::transform(attendee->begin(), attendee->end(), attendee->begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    q.attendee = std::move(attendee);
  }
  q.lead_id = query.uuid("lead_id");
  q.contact_id = query.uuid("contact_id");
  q.deal_id = query.uuid("deal_id");
  return q;
}

Response event_response(const Request& request, status code, const calendar::Event& event) {
  return http::record_response(request, code, calendar::to_json(event), event.updated_at);
}

schema::Schema sync_status_schema() {
  using namespace schema;
  return Object("CalendarSyncStatus")
      .field("backend", one_of_strings({"local", "google"}))
      .field(
          "calendars",
          array(Object("CalendarSyncState")
                    .field("calendar_id", string())
                    .field("stage",
                           one_of_strings({"pending", "full_sync", "incremental_sync", "idle"}))
                    .field("status", one_of_strings({"active", "failed_needs_reconnect", "failed"}))
                    .field("stage_started_at", nullable(timestamp()))
                    .field("throttle_failure_count", integer(0))
                    .field("throttled_until", nullable(timestamp()))
                    .field("last_success_at", nullable(timestamp()))
                    .field("last_error", nullable(string()))
                    .field("events_synced", integer(0))
                    .field("incremental", boolean(), "a sync token is held")
                    .field("channel", nullable(any_object()))
                    .field("previous_channel", nullable(any_object()))));
}

struct SyncRequest {
  std::vector<std::string> calendar_ids;
  bool reconnect = false;
};

SyncRequest parse_sync_request(const Request& request, const std::vector<std::string>& followed) {
  SyncRequest out;
  if (request.message.body().empty()) {
    out.calendar_ids = followed;
    return out;
  }
  const auto body = http::parse_json_body(request);
  FieldReader r(body, {"calendar_id", "reconnect"});
  auto calendar = r.string("calendar_id", false, 255);
  out.reconnect = r.boolean("reconnect").value_or(false);
  if (calendar && std::find(followed.begin(), followed.end(), *calendar) == followed.end())
    r.fail("calendar_id", "not a calendar crmd follows (CRMD_GOOGLE_CALENDAR_IDS)");
  r.finish();
  out.calendar_ids = calendar ? std::vector<std::string>{*calendar} : followed;
  return out;
}

}  // namespace

void add_calendar_routes(http::Router& router, CalendarContext context) {
  auto& calendar = context.calendar;
  router.add(verb::post, "/api/v2/calendar/events", Access::sales,
             [&calendar](Request& request) -> asio::awaitable<Response> {
               auto event = calendar::parse_new_event(http::parse_json_body(request));
               auto made = co_await calendar.create(std::move(event), request.context());
               auto response = event_response(request, status::created, made);
               response.set(beast_http::field::location,
                            "/api/v2/calendar/events/" + made.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("createCalendarEvent",
                        "Create an event (in Google first when Google Calendar is connected)")
                         .tag("calendar")
                         .json_body(calendar::new_event_schema())
                         .created(schema::schema_of<calendar::Event>())
                         .with_header(201, "ETag")});

  router.add(
      verb::get, "/api/v2/calendar/events", Access::sales,
      [&calendar](Request& request) -> asio::awaitable<Response> {
        auto query = event_query(request);
        const http::KeysetPage page(request,
                                    http::query_fingerprint(request, "calendar", kListParameters));
        auto rows = co_await calendar.list(std::move(query), page.fetch_limit(), page.position(),
                                           request.context());
        co_return page.respond(request, rows);
      },
      {.doc = op("listCalendarEvents",
                 "Events overlapping [start, end), by start; cancelled ones only when asked")
                  .tag("calendar")
                  .query("start", schema::string(), "RFC 3339 or a date")
                  .query("end", schema::string(), "RFC 3339 or a date (exclusive)")
                  .query("calendar_id", schema::string(), "repeatable")
                  .query("status", schema::one_of_strings({"confirmed", "tentative", "cancelled"}),
                         "repeatable; default: all but cancelled")
                  .query("attendee", schema::string(), "an attendee's e-mail")
                  .query("lead_id", schema::uuid())
                  .query("contact_id", schema::uuid())
                  .query("deal_id", schema::uuid())
                  .query(page_params())
                  .ok(page_of(schema::schema_of<calendar::Event>()))});

  router.add(verb::get, "/api/v2/calendar/events/{id}", Access::sales,
             [&calendar](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown({});
               auto event =
                   co_await calendar.get(request.path_uuid("id", "event"), request.context());
               co_return event_response(request, status::ok, event);
             },
             {.doc = op("getCalendarEvent", "An event")
                         .tag("calendar")
                         .ok(schema::schema_of<calendar::Event>())});

  router.add(verb::patch, "/api/v2/calendar/events/{id}", Access::sales,
             [&calendar](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "event");
               auto changes = calendar::parse_event_changes(http::parse_json_body(request));
               auto event = co_await calendar.update(id, std::move(changes), request.context());
               co_return event_response(request, status::ok, event);
             },
             {.doc = op("updateCalendarEvent", "Change an event (in Google first when it is there)")
                         .tag("calendar")
                         .header("If-Match", schema::string())
                         .json_body(calendar::event_changes_schema())
                         .ok(schema::schema_of<calendar::Event>())
                         .errors({403, 409, 412})});

  router.add(verb::delete_, "/api/v2/calendar/events/{id}", Access::sales,
             [&calendar](Request& request) -> asio::awaitable<Response> {
               auto event =
                   co_await calendar.cancel(request.path_uuid("id", "event"), request.context());
               co_return event_response(request, status::ok, event);
             },
             {.doc = op("cancelCalendarEvent",
                        "Cancel an event (deleted in Google; kept here as cancelled)")
                         .tag("calendar")
                         .header("If-Match", schema::string())
                         .ok(schema::schema_of<calendar::Event>())
                         .errors({403, 409, 412})});

  router.add(verb::get, "/api/v2/calendar/sync", Access::manager,
             [context](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown({});
               boost::json::object answer;
               answer["backend"] = context.sync ? "google" : "local";
               boost::json::array states;
               if (context.sync) states = co_await context.sync->status();
               answer["calendars"] = std::move(states);
               co_return http::json_response(request, status::ok, std::move(answer));
             },
             {.doc = op("getCalendarSync", "Each followed calendar's sync state and push channel")
                         .tag("calendar")
                         .ok(sync_status_schema())});

  router.add(
      verb::post, "/api/v2/calendar/sync", Access::manager,
      [context](Request& request) -> asio::awaitable<Response> {
        if (!context.sync)
          throw Error(ErrorKind::conflict, "calendar_not_connected",
                      "Google Calendar is not connected (CRMD_CALENDAR_BACKEND=local)");
        auto sync = parse_sync_request(request, context.sync->calendars());
        if (sync.reconnect) {
          if (!at_least(request.principal->role, identity::Role::admin))
            throw Error(ErrorKind::forbidden, "forbidden", "only admins reconnect Google");
          context.auth->reset();
        }
        boost::json::array calendars;
        for (const auto& id : sync.calendar_ids) calendars.emplace_back(id);
        const auto creator = jobs::creator_of(*request.principal);
        boost::json::object payload;
        payload["calendar_ids"] = calendars;
        storage::NewJob job{std::string(actors::kCalendarSyncJob), payload, creator.user,
                            creator.key};
        auto created = co_await context.jobs.enqueue(std::move(job), "calendar_sync_requested",
                                                     payload, request.context());
        auto response = http::json_response(request, status::accepted, jobs::to_json(created));
        response.set(beast_http::field::location, "/api/v2/jobs/" + created.id.str());
        co_return response;
      },
      {.doc = op("startCalendarSync",
                 "Start a sync job for one calendar or all (long-poll it at /api/v2/jobs/{id})")
                  .tag("calendar")
                  .json_body(schema::Object("CalendarSyncRequest")
                                 .optional("calendar_id", schema::string(255), "default: all")
                                 .optional("reconnect", schema::boolean(),
                                           "admins: retry credentials Google refused"),
                             false)
                  .reply(202, "Queued", "application/json", schema::any_object())
                  .errors({403, 409})});
}

}  // namespace crmd::server::routes
