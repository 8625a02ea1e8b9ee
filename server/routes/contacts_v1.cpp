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
               co_return http::json_response(request, status::ok, contacts::to_json(contact));
             });

  router.add(
      verb::post, "/api/v1/contacts/", Access::write_key,
      [&contacts](Request& request) -> asio::awaitable<Response> {
        const auto body = http::parse_json_body(request);
        auto changes = contacts::parse_contact(body, true, is_admin(request));
        auto created = co_await contacts.create(std::move(changes), request.context());
        auto response = http::json_response(request, status::created, contacts::to_json(created));
        response.set(beast_http::field::location, "/api/v1/contacts/" + created.id.str() + "/");
        co_return response;
      },
      {.idempotent_create = true});

  // PUT replaces: what the body leaves out is cleared.
  router.add(verb::put, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const auto id = contact_id(request);
               const auto body = http::parse_json_body(request);
               auto changes = contacts::parse_contact(body, true, is_admin(request));
               contacts::clear_absent(changes);
               auto contact = co_await contacts.update(id, std::move(changes), request.context());
               co_return http::json_response(request, status::ok, contacts::to_json(contact));
             });

  router.add(verb::patch, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const auto id = contact_id(request);
               const auto body = http::parse_json_body(request);
               auto changes = contacts::parse_contact(body, false, is_admin(request));
               auto contact = co_await contacts.update(id, std::move(changes), request.context());
               co_return http::json_response(request, status::ok, contacts::to_json(contact));
             });

  router.add(verb::delete_, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_await contacts.set_deleted(contact_id(request), true, request.context());
               co_return http::no_content(request);
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
