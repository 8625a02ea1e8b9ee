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
  q.departments = query.all("department");
  for (const auto& text : query.all("employees")) {
    auto range = contacts::parse_employee_range(text);
    if (!range)
      throw Error(ErrorKind::validation, "invalid_query_parameter",
                  "employees: expected ranges such as 11-50 or 10001+",
                  {{"employees", "expected ranges such as 11-50 or 10001+"}});
    q.employees.push_back(*range);
  }
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
        const http::KeysetPage page(request, query.fingerprint());
        auto rows = co_await contacts.list(query, page.fetch_limit(), page.position());
        std::optional<std::int64_t> count;
        if (request.query().boolean("count", false)) count = co_await contacts.count(query);
        co_return page.respond(request, rows, contacts::to_json, count);
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
