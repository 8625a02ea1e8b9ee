#include "domain/common/error.hpp"
#include "domain/contacts/list_params.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/params.hpp"
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
using openapi::op;
using openapi::page_of;
using openapi::page_params;

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

// Declared as company_list_query() reads them.
std::vector<openapi::Parameter> company_list_params() {
  using openapi::repeated;
  using openapi::timestamp_param;
  return {{"q", "query", schema::string(), "words matched against the name and domain", false},
          repeated("name", schema::string()),
          repeated("domain", schema::string()),
          repeated("industry", schema::string()),
          repeated("city", schema::string()),
          repeated("state", schema::string()),
          repeated("country", schema::string()),
          repeated("employees", {{"type", "string"}, {"pattern", "^[0-9]+(-[0-9]+|\\+)$"}},
                   "a size range: 11-50, 10001+"),
          timestamp_param("created_after"),
          timestamp_param("created_before"),
          timestamp_param("updated_after"),
          timestamp_param("updated_before"),
          openapi::ordering_param(contacts::kCompanyOrderings),
          openapi::flag("include_deleted", "deleted companies too (admins only)"),
          openapi::flag("count", "add the total count (costs a query)")};
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
                   http::json_response(request, status::created, JsonText::of(created));
               response.set(beast_http::field::location, "/api/v2/companies/" + created.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("createCompany", "Create a company")
                         .tag("companies")
                         .json_body(contacts::company_input_schema(true))
                         .created(schema::schema_of<contacts::Company>())});

  router.add(verb::get, "/api/v2/companies", Access::sales,
             [&companies](Request& request) -> asio::awaitable<Response> {
               const auto query = company_list_query(request);
               const http::KeysetPage page(request, query.fingerprint());
               auto rows = co_await companies.list(query, page.fetch_limit(), page.position());
               std::optional<std::int64_t> count;
               if (request.query().boolean("count", false)) count = co_await companies.count(query);
               co_return page.respond(request, rows, count);
             },
             {.doc = op("listCompanies", "List companies")
                         .tag("companies")
                         .query(company_list_params())
                         .query(page_params())
                         .ok(page_of(schema::schema_of<contacts::Company>(), true))});

  router.add(
      verb::get, "/api/v2/companies/{id}", Access::sales,
      [&companies](Request& request) -> asio::awaitable<Response> {
        auto company = co_await companies.get(company_id(request), include_deleted(request));
        co_return http::record_response(request, status::ok, JsonText::of(company),
                                        company.updated_at);
      },
      {.doc = op("getCompany", "Get a company")
                  .tag("companies")
                  .query({openapi::flag("include_deleted", "a deleted company too (admins only)")})
                  .ok(schema::schema_of<contacts::Company>())
                  .with_header(200, "ETag")});

  // The company's contacts, with every filter of the contact list.
  router.add(verb::get, "/api/v2/companies/{id}/contacts", Access::sales,
             [&companies, &contacts](Request& request) -> asio::awaitable<Response> {
               const auto id = company_id(request);
               co_await companies.get(id, false);
               auto query = contact_list_query(request);
               query.company_ids = {id};
               co_return co_await list_contacts(request, contacts, std::move(query));
             },
             {.doc = op("listCompanyContacts",
                        "List a company's contacts, with the contact list's filters")
                         .tag("companies")
                         .query(openapi::contact_list_params())
                         .query(page_params())
                         .ok(page_of(schema::schema_of<contacts::Contact>(), true))});

  router.add(verb::patch, "/api/v2/companies/{id}", Access::sales,
             [&companies](Request& request) -> asio::awaitable<Response> {
               const auto id = company_id(request);
               const auto body = http::parse_json_body(request);
               auto changes = contacts::parse_company(body, false);
               auto company = co_await companies.update(id, std::move(changes), request.context());
               co_return http::record_response(request, status::ok, JsonText::of(company),
                                               company.updated_at);
             },
             {.doc = op("updateCompany", "Change a company")
                         .tag("companies")
                         .json_body(contacts::company_input_schema(false))
                         .ok(schema::schema_of<contacts::Company>())
                         .with_header(200, "ETag")});

  router.add(verb::delete_, "/api/v2/companies/{id}", Access::manager,
             [&companies](Request& request) -> asio::awaitable<Response> {
               co_await companies.set_deleted(company_id(request), true, request.context());
               co_return http::no_content(request);
             },
             {.doc = op("deleteCompany", "Delete a company (soft)").tag("companies").no_content()});

  router.add(verb::post, "/api/v2/companies/{id}/restore", Access::manager,
             [&companies](Request& request) -> asio::awaitable<Response> {
               auto company =
                   co_await companies.set_deleted(company_id(request), false, request.context());
               co_return http::record_response(request, status::ok, JsonText::of(company),
                                               company.updated_at);
             },
             {.doc = op("restoreCompany", "Restore a deleted company")
                         .tag("companies")
                         .ok(schema::schema_of<contacts::Company>())});
}

}  // namespace crmd::server::routes
