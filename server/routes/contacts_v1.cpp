// /api/v1/contacts/: the integrations' API. Same JSON as v2; reads take the
// write key or a bearer token, writes the write key.
#include "domain/contacts/batch.hpp"
#include "server/http/json.hpp"
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

Uuid contact_id(const Request& request) {
  return request.path_uuid("id", "contact");
}

}  // namespace

void add_contact_v1_routes(http::Router& router, actors::ContactService& contacts) {
  router.add(verb::get, "/api/v1/contacts/", Access::write_key_or_bearer,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await list_contacts(request, contacts, contact_list_query(request));
             });

  router.add(verb::get, "/api/v1/contacts/{id}/", Access::write_key_or_bearer,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               auto contact = co_await contacts.get(contact_id(request), false);
               co_return http::record_response(request, status::ok, contacts::to_json(contact),
                                               contact.updated_at);
             });

  router.add(verb::post, "/api/v1/contacts/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await create_contact(request, contacts, "/api/v1/contacts/", "/");
             },
             {.idempotent_create = true});

  // PUT replaces: what the body leaves out is cleared.
  router.add(verb::put, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await update_contact(request, contacts, true);
             });

  router.add(verb::patch, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await update_contact(request, contacts, false);
             });

  router.add(verb::delete_, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await delete_contact(request, contacts);
             });

  router.add(verb::post, "/api/v1/contacts/batch/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto items = contacts::parse_contact_batch(body, is_admin(request));
               auto results = co_await contacts.upsert_batch(std::move(items), request.context());
               co_return http::json_response(request, status::ok, contacts::to_json(results));
             },
             {.idempotent_create = true});
}

}  // namespace crmd::server::routes
