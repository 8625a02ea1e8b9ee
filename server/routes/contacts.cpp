#include "domain/common/error.hpp"
#include "server/http/json.hpp"
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
