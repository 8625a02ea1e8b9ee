#include "domain/common/error.hpp"
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

namespace {

Uuid contact_id(const Request& request) {
  return request.path_uuid("id", "contact");
}

bool is_admin(const Request& request) {
  return request.principal && request.principal->role == identity::Role::admin;
}

std::vector<Uuid> uuids(const http::QueryParams& query, std::string_view name) {
  std::vector<Uuid> ids;
  for (const auto& text : query.all(name)) {
    auto id = Uuid::parse(text);
    if (!id)
      throw Error(ErrorKind::validation, "invalid_query_parameter",
                  "query parameter " + std::string(name) + ": expected UUIDs",
                  {{std::string(name), "expected UUIDs"}});
    ids.push_back(*id);
  }
  return ids;
}

contacts::ContactListQuery list_query(const Request& request) {
  const auto query = request.query();
  contacts::ContactListQuery q;
  q.q = query.get("q");
  q.titles = query.all("title");
  q.seniorities = query.all("seniority");
  q.cities = query.all("city");
  q.states = query.all("state");
  q.countries = query.all("country");
  q.email_statuses = query.all("email_status");
  q.companies = query.all("company");
  q.industries = query.all("industry");
  q.company_ids = uuids(query, "company_id");
  q.owners = uuids(query, "owner");
  q.created_after = query.timestamp("created_after");
  q.created_before = query.timestamp("created_before");
  q.updated_after = query.timestamp("updated_after");
  q.updated_before = query.timestamp("updated_before");
  q.include_deleted = query.boolean("include_deleted", false);
  if (q.include_deleted && !is_admin(request))
    throw Error(ErrorKind::forbidden, "forbidden", "include_deleted is for admins");
  if (auto ordering = query.get("ordering")) {
    auto parsed = contacts::parse_ordering(*ordering);
    if (!parsed)
      throw Error(ErrorKind::validation, "invalid_query_parameter",
                  "ordering: expected created_at, updated_at or name, '-' for descending",
                  {{"ordering", "expected created_at, updated_at or name, '-' for descending"}});
    std::tie(q.order, q.descending) = *parsed;
  }
  return q;
}

// A cursor is [fingerprint of the query, "n" or "p", sort key, id]: one made
// for another query, or tampered with, is refused rather than followed.
std::optional<storage::PagePosition> position_of(const http::PageRequest& page,
                                                 const std::string& fingerprint) {
  if (!page.after) return std::nullopt;
  const auto& parts = *page.after;
  auto id = parts.size() == 4 ? Uuid::parse(parts[3]) : std::nullopt;
  if (!id || parts[0] != fingerprint || (parts[1] != "n" && parts[1] != "p"))
    throw Error(ErrorKind::bad_request, "invalid_cursor",
                "the cursor does not belong to this query");
  return storage::PagePosition{parts[2], *id, parts[1] == "p"};
}

}  // namespace

void add_contact_routes(http::Router& router, actors::ContactService& contacts) {
  router.add(verb::post, "/api/v2/contacts", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto changes = contacts::parse_contact(body, true, is_admin(request));
               auto created = co_await contacts.create(std::move(changes), request.context());
               auto response =
                   http::json_response(request, status::created, contacts::to_json(created));
               response.set(beast_http::field::location, "/api/v2/contacts/" + created.id.str());
               co_return response;
             },
             {.idempotent_create = true});

  router.add(
      verb::get, "/api/v2/contacts", Access::sales,
      [&contacts](Request& request) -> asio::awaitable<Response> {
        const auto query = list_query(request);
        const auto page = http::page_request(request);
        const auto fingerprint = query.fingerprint();
        const auto from = position_of(page, fingerprint);
        auto rows = co_await contacts.list(query, page.limit + 1, from);
        const bool backward = from && from->backward;
        const bool more = rows.size() > page.limit;
        // The extra row lies beyond the page, on the side read towards.
        if (more) {
          if (backward)
            rows.erase(rows.begin());
          else
            rows.pop_back();
        }
        // Forward: more rows mean a next page, a cursor means a previous
        // one. Backward: the other way round.
        std::optional<std::vector<std::string>> next, previous;
        if (!rows.empty()) {
          const auto key = [&](const storage::ListedContact& row, const char* way) {
            return std::vector<std::string>{fingerprint, way, row.sort_key, row.contact.id.str()};
          };
          if (backward ? true : more) next = key(rows.back(), "n");
          if (backward ? more : from.has_value()) previous = key(rows.front(), "p");
        }
        boost::json::array results;
        for (const auto& row : rows) results.push_back(contacts::to_json(row.contact));
        std::optional<std::int64_t> count;
        if (request.query().boolean("count", false)) count = co_await contacts.count(query);
        co_return http::page_response(request, std::move(results), next, previous, count);
      });

  router.add(verb::get, "/api/v2/contacts/{id}", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const bool include_deleted = request.query().boolean("include_deleted", false);
               if (include_deleted && !is_admin(request))
                 throw Error(ErrorKind::forbidden, "forbidden", "include_deleted is for admins");
               auto contact = co_await contacts.get(contact_id(request), include_deleted);
               co_return http::json_response(request, status::ok, contacts::to_json(contact));
             });

  router.add(verb::patch, "/api/v2/contacts/{id}", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const auto id = contact_id(request);
               const auto body = http::parse_json_body(request);
               auto changes = contacts::parse_contact(body, false, is_admin(request));
               auto contact = co_await contacts.update(id, std::move(changes), request.context());
               co_return http::json_response(request, status::ok, contacts::to_json(contact));
             });

  router.add(verb::delete_, "/api/v2/contacts/{id}", Access::manager,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_await contacts.set_deleted(contact_id(request), true, request.context());
               co_return http::no_content(request);
             });

  router.add(verb::post, "/api/v2/contacts/{id}/restore", Access::manager,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               auto contact =
                   co_await contacts.set_deleted(contact_id(request), false, request.context());
               co_return http::json_response(request, status::ok, contacts::to_json(contact));
             });
}

}  // namespace crmd::server::routes
