#include "domain/common/error.hpp"
#include "domain/contacts/list_params.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/routes/list_params.hpp"
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

Uuid company_id(const Request& request) {
  return request.path_uuid("id", "company");
}

constexpr std::array<std::string_view, 15> kCompanyListParameters{"q",
                                                                  "name",
                                                                  "domain",
                                                                  "industry",
                                                                  "city",
                                                                  "state",
                                                                  "country",
                                                                  "employees",
                                                                  "created_after",
                                                                  "created_before",
                                                                  "updated_after",
                                                                  "updated_before",
                                                                  "ordering",
                                                                  "include_deleted",
                                                                  "count"};

contacts::CompanyListQuery company_list_query(const Request& request) {
  const auto query = request.query();
  query.reject_unknown(kCompanyListParameters, http::kPageParameters);
  contacts::CompanyListQuery q;
  q.q = query.get("q");
  q.names = query.all("name");
  q.domains = query.all("domain");
  q.industries = query.all("industry");
  q.cities = query.all("city");
  q.states = query.all("state");
  q.countries = query.all("country");
  q.employees = contacts::employee_ranges(query);
  q.created_after = query.timestamp("created_after");
  q.created_before = query.timestamp("created_before");
  q.updated_after = query.timestamp("updated_after");
  q.updated_before = query.timestamp("updated_before");
  q.include_deleted = include_deleted(request);
  q.order = read_ordering(query, contacts::kCompanyOrderings);
  return q;
}

}  // namespace

void add_company_routes(http::Router& router, actors::CompanyService& companies,
                        actors::ContactService& contacts) {
  router.add(verb::post, "/api/v2/companies", Access::sales,
             [&companies](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto changes = contacts::parse_company(body, true);
               auto created = co_await companies.create(std::move(changes), request.context());
               auto response =
                   http::json_response(request, status::created, contacts::to_json(created));
               response.set(beast_http::field::location, "/api/v2/companies/" + created.id.str());
               co_return response;
             },
             {.idempotent_create = true});

  router.add(verb::get, "/api/v2/companies", Access::sales,
             [&companies](Request& request) -> asio::awaitable<Response> {
               const auto query = company_list_query(request);
               const http::KeysetPage page(request, query.fingerprint());
               auto rows = co_await companies.list(query, page.fetch_limit(), page.position());
               std::optional<std::int64_t> count;
               if (request.query().boolean("count", false)) count = co_await companies.count(query);
               co_return page.respond(request, rows, count);
             });

  router.add(verb::get, "/api/v2/companies/{id}", Access::sales,
             [&companies](Request& request) -> asio::awaitable<Response> {
               auto company = co_await companies.get(company_id(request), include_deleted(request));
               co_return http::record_response(request, status::ok, contacts::to_json(company),
                                               company.updated_at);
             });

  // The company's contacts, with every filter of the contact list.
  router.add(verb::get, "/api/v2/companies/{id}/contacts", Access::sales,
             [&companies, &contacts](Request& request) -> asio::awaitable<Response> {
               const auto id = company_id(request);
               co_await companies.get(id, false);
               auto query = contact_list_query(request);
               query.company_ids = {id};
               co_return co_await list_contacts(request, contacts, std::move(query));
             });

  router.add(verb::patch, "/api/v2/companies/{id}", Access::sales,
             [&companies](Request& request) -> asio::awaitable<Response> {
               const auto id = company_id(request);
               const auto body = http::parse_json_body(request);
               auto changes = contacts::parse_company(body, false);
               auto company = co_await companies.update(id, std::move(changes), request.context());
               co_return http::record_response(request, status::ok, contacts::to_json(company),
                                               company.updated_at);
             });

  router.add(verb::delete_, "/api/v2/companies/{id}", Access::manager,
             [&companies](Request& request) -> asio::awaitable<Response> {
               co_await companies.set_deleted(company_id(request), true, request.context());
               co_return http::no_content(request);
             });

  router.add(verb::post, "/api/v2/companies/{id}/restore", Access::manager,
             [&companies](Request& request) -> asio::awaitable<Response> {
               auto company =
                   co_await companies.set_deleted(company_id(request), false, request.context());
               co_return http::record_response(request, status::ok, contacts::to_json(company),
                                               company.updated_at);
             });
}

}  // namespace crmd::server::routes
