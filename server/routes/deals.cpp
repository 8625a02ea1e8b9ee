// Deals, /api/v2/deals: made and changed here (mirrored ones through
// Pipedrive), their detail and search, and the notes of deals, leads,
// contacts and companies.
#include "actors/deals.hpp"

#include "domain/common/date.hpp"
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
    "q",        "status",     "owner_id",   "pipeline_id",
    "stage_id", "company_id", "contact_id", "include_archived"};

storage::DealQuery deal_query(const Request& request, bool needs_q) {
  const auto query = request.query();
  query.reject_unknown(http::kPageParameters, kListParameters);
  storage::DealQuery q;
  q.q = query.get("q");
  if (q.q && (q.q->empty() || q.q->size() > 200))
    throw invalid_query_parameter("q", "1 to 200 characters");
  if (needs_q && !q.q) throw invalid_query_parameter("q", "the text to search for");
  q.statuses = query.all("status");
  for (const auto& s : q.statuses)
    if (std::find(deals::kStatuses.begin(), deals::kStatuses.end(), s) == deals::kStatuses.end())
      throw invalid_query_parameter("status", "open, won or lost");
  q.owner_id = query.uuid("owner_id");
  q.pipeline_id = query.uuid("pipeline_id");
  q.stage_id = query.uuid("stage_id");
  q.company_id = query.uuid("company_id");
  q.contact_id = query.uuid("contact_id");
  q.include_archived = query.boolean("include_archived", false);
  return q;
}

Response deal_response(const Request& request, status code, const deals::Deal& deal) {
  return http::record_response(request, code, deals::to_json(deal), deal.updated_at);
}

schema::Schema detail_schema() {
  using namespace schema;
  return Object("DealDetail")
      .field("deal", schema_of<deals::Deal>())
      .field("stage_name", nullable(string()))
      .field("pipeline_name", nullable(string()))
      .field("owner_name", nullable(string()))
      .field("stage_history", array(schema_of<deals::StageVisit>()))
      .field("recent_notes", array(schema_of<deals::Note>()), "the 10 newest")
      .field("links", Object()
                          .field("company", nullable(any_object()))
                          .field("contact", nullable(any_object()))
                          .field("lead", nullable(any_object())))
      .field("health", deals::deal_health_schema());
}

void add_note_routes(http::Router& router, actors::DealService& deals, const char* type,
                     const char* plural) {
  const std::string path = std::string("/api/v2/") + plural + "/{id}/notes";
  const std::string tag = plural;
  router.add(verb::post, path, Access::sales,
             [&deals, type](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", type);
               auto content = deals::parse_new_note(http::parse_json_body(request));
               auto note = co_await deals.add_note(type, id, std::move(content), request.context());
               co_return http::json_response(request, status::created, deals::to_json(note));
             },
             {.idempotent_create = true,
              .doc = op(std::string("create") + char(std::toupper(type[0])) + (type + 1) + "Note",
                        std::string("Add a note to a ") + type)
                         .tag(tag)
                         .json_body(deals::new_note_schema())
                         .created(schema::schema_of<deals::Note>())});
  router.add(verb::get, path, Access::sales,
             [&deals, type](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const auto id = request.path_uuid("id", type);
               const http::KeysetPage page(request, std::string("notes|") + type);
               auto rows = co_await deals.notes(type, id, page.fetch_limit(), page.position(),
                                                request.context());
               co_return page.respond(request, rows);
             },
             {.doc = op(std::string("list") + char(std::toupper(type[0])) + (type + 1) + "Notes",
                        std::string("A ") + type + "'s notes, newest first")
                         .tag(tag)
                         .query(page_params())
                         .ok(page_of(schema::schema_of<deals::Note>()))});
}

}  // namespace

void add_deal_routes(http::Router& router, actors::DealService& deals) {
  router.add(
      verb::post, "/api/v2/deals", Access::sales,
      [&deals](Request& request) -> asio::awaitable<Response> {
        auto changes = deals::parse_new_deal(http::parse_json_body(request));
        auto made = co_await deals.create(std::move(changes), request.context());
        auto response = deal_response(request, status::created, made);
        response.set(beast_http::field::location, "/api/v2/deals/" + made.id.str());
        co_return response;
      },
      {.idempotent_create = true,
       .doc = op("createDeal", "Create a deal (in the default pipeline's first stage unless told)")
                  .tag("deals")
                  .json_body(deals::new_deal_schema())
                  .created(schema::schema_of<deals::Deal>())
                  .with_header(201, "ETag")
                  .errors({403})});

  const auto list = [&deals](bool needs_q) {
    return [&deals, needs_q](Request& request) -> asio::awaitable<Response> {
      auto query = deal_query(request, needs_q);
      const http::KeysetPage page(request,
                                  http::query_fingerprint(request, "deals", kListParameters));
      auto rows = co_await deals.list(std::move(query), page.fetch_limit(), page.position(),
                                      request.context());
      co_return page.respond(request, rows);
    };
  };
  const auto list_doc = [](const char* id, const char* summary) {
    return op(id, summary)
        .tag("deals")
        .query("q", schema::string(200), "a fragment of the title, company or contact name")
        .query("status", schema::one_of_strings({"open", "won", "lost"}), "repeatable")
        .query("owner_id", schema::uuid())
        .query("pipeline_id", schema::uuid())
        .query("stage_id", schema::uuid())
        .query("company_id", schema::uuid())
        .query("contact_id", schema::uuid())
        .query("include_archived", schema::boolean())
        .query(page_params())
        .ok(page_of(schema::schema_of<deals::Deal>()));
  };
  router.add(verb::get, "/api/v2/deals", Access::sales, list(false),
             {.doc = list_doc("listDeals", "Deals, newest first")});
  router.add(verb::get, "/api/v2/deals/search", Access::sales, list(true),
             {.doc = list_doc("searchDeals", "Deals whose title, company or contact name has q")});

  router.add(verb::get, "/api/v2/deals/{id}", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown({});
               auto deal = co_await deals.get(request.path_uuid("id", "deal"), request.context());
               co_return deal_response(request, status::ok, deal);
             },
             {.doc = op("getDeal", "A deal").tag("deals").ok(schema::schema_of<deals::Deal>())});

  router.add(verb::get, "/api/v2/deals/{id}/detail", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown({});
               auto detail =
                   co_await deals.detail(request.path_uuid("id", "deal"), request.context());
               co_return http::json_response(request, status::ok, std::move(detail));
             },
             {.doc = op("getDealDetail",
                        "A deal with its stage history (time per stage), recent notes, linked "
                        "records and health")
                         .tag("deals")
                         .ok(detail_schema())});

  router.add(verb::patch, "/api/v2/deals/{id}", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "deal");
               auto changes = deals::parse_deal_changes(http::parse_json_body(request));
               auto deal = co_await deals.update(id, std::move(changes), request.context());
               co_return deal_response(request, status::ok, deal);
             },
             {.doc = op("updateDeal",
                        "Change a deal; a new stage is recorded in its history, won and lost set "
                        "their times (409 managed_by_pipedrive for a mirrored deal without "
                        "write-back)")
                         .tag("deals")
                         .header("If-Match", schema::string())
                         .json_body(deals::deal_changes_schema())
                         .ok(schema::schema_of<deals::Deal>())
                         .errors({403, 409, 412})});

  router.add(verb::delete_, "/api/v2/deals/{id}", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               co_await deals.remove(request.path_uuid("id", "deal"), request.context());
               co_return http::no_content(request);
             },
             {.doc = op("deleteDeal", "Delete a deal (kept, soft-deleted)")
                         .tag("deals")
                         .header("If-Match", schema::string())
                         .no_content()
                         .errors({409, 412})});

  add_note_routes(router, deals, "deal", "deals");
  add_note_routes(router, deals, "lead", "leads");
  add_note_routes(router, deals, "contact", "contacts");
  add_note_routes(router, deals, "company", "companies");
}

}  // namespace crmd::server::routes
