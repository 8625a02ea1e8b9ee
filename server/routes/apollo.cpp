// POST /api/v2/apollo/contacts: an Apollo people-search URL run as a
// contact search. The first page is answered here; `next` and `previous`
// continue on GET /api/v2/contacts with the same filters.
#include "domain/common/fields.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/operation.hpp"
#include "server/routes/routes.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
using boost::beast::http::status;
using boost::beast::http::verb;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;

namespace {

constexpr std::size_t kMaxUrlBytes = 16 * 1024;
// Apollo pages are numbered; beyond this depth, follow the `next` links.
constexpr std::size_t kMaxOffset = 10'000;

std::string read_url(const Request& request) {
  const auto body = http::parse_json_body(request);
  FieldReader reader(body, {"url"});
  auto url = reader.string("url", true, kMaxUrlBytes);
  reader.finish();
  return *url;
}

asio::awaitable<Response> search(Request& request, actors::ContactService& contacts,
                                 std::string url, contacts::ApolloSearch search) {
  const auto query = contacts::list_query_of(search.filters);
  const auto limit =
      static_cast<std::size_t>(search.filters.limit.value_or(http::kDefaultPageSize));
  // Pages before this one, compared by division first: a client's page
  // number times the page size could wrap.
  const auto pages_before = static_cast<std::uint64_t>(search.filters.page.value_or(1) - 1);
  if (pages_before > kMaxOffset / limit)
    throw Error(ErrorKind::validation, "invalid_apollo_url",
                "page is too deep: start at page 1 and follow the next links",
                {{"url", "page is too deep"}});
  const auto offset = static_cast<std::size_t>(pages_before) * limit;
  auto rows = co_await contacts.list(query, limit + 1, std::nullopt, offset);
  const bool more = rows.size() > limit;
  if (more) rows.pop_back();

  const auto fingerprint = query.fingerprint();
  const auto link = [&](const Listed<contacts::Contact>& row, const char* way) {
    return boost::json::value(http::absolute_url(
        request,
        "/api/v2/contacts?" + query.query_string() + "&limit=" + std::to_string(limit) +
            "&cursor=" + http::keyset_cursor(fingerprint, way, row.sort_key, row.item.id)));
  };
  boost::json::array results;
  for (const auto& row : rows) results.push_back(contacts::to_json(row.item));
  boost::json::object body{
      {"results", std::move(results)},
      {"next", more ? link(rows.back(), "n") : nullptr},
      {"previous", offset > 0 && !rows.empty() ? link(rows.front(), "p") : nullptr},
      {"apollo_url", url},
      {"mapping_summary", contacts::mapping_summary(search)},
      {"unmapped_parameters", contacts::unmapped_parameters(search)}};
  co_return http::json_response(request, status::ok, body);
}

}  // namespace

void add_apollo_routes(http::Router& router, actors::ContactService& contacts) {
  router.add(
      verb::post, "/api/v2/apollo/contacts", Access::sales,
      [&contacts](Request& request) -> asio::awaitable<Response> {
        auto url = read_url(request);
        auto analysis = co_await contacts.analyze_apollo(url);
        co_return co_await search(request, contacts, std::move(url), std::move(analysis));
      },
      {.scope = "contacts:read",
       .doc = op("searchContactsByApolloUrl", "Run an Apollo people-search URL as a contact search")
                  .tag("contacts")
                  .describe("The first page; next and previous continue on GET /api/v2/contacts.")
                  .json_body(
                      schema::Object("ApolloSearch")
                          .field("url", schema::string(static_cast<std::int64_t>(kMaxUrlBytes))))
                  .ok(schema::Object("ApolloSearchResult")
                          .field("results", schema::array(schema::schema_of<contacts::Contact>()))
                          .field("next", schema::nullable(schema::uri()))
                          .field("previous", schema::nullable(schema::uri()))
                          .field("apollo_url", schema::string())
                          .field("mapping_summary", schema::any_object())
                          .field("unmapped_parameters", schema::array(schema::any())))});
}

}  // namespace crmd::server::routes
