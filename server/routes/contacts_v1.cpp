// /api/v1/contacts/: the integrations' API. Same JSON as v2; reads take the
// write key or a bearer token, writes the write key.
#include "domain/contacts/batch.hpp"
#include "server/http/json.hpp"
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

namespace {

Uuid contact_id(const Request& request) {
  return request.path_uuid("id", "contact");
}

}  // namespace

void add_contact_v1_routes(http::Router& router, actors::ContactService& contacts) {
  router.add(verb::get, "/api/v1/contacts/", Access::write_key_or_bearer,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await list_contacts(request, contacts, contact_list_query(request));
             },
             {.doc = op("listContactsV1", "List contacts (v1)")
                         .tag("contacts v1")
                         .query(openapi::contact_list_params())
                         .query(openapi::page_params())
                         .ok(openapi::page_of(schema::schema_of<contacts::Contact>(), true))});

  router.add(verb::get, "/api/v1/contacts/{id}/", Access::write_key_or_bearer,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               auto contact = co_await contacts.get(contact_id(request), false);
               co_return http::record_response(request, status::ok, JsonText::of(contact),
                                               contact.updated_at);
             },
             {.doc = op("getContactV1", "Get a contact (v1)")
                         .tag("contacts v1")
                         .ok(schema::schema_of<contacts::Contact>())
                         .with_header(200, "ETag")});

  router.add(verb::post, "/api/v1/contacts/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await create_contact(request, contacts, "/api/v1/contacts/", "/");
             },
             {.idempotent_create = true,
              .doc = op("createContactV1", "Create a contact (v1)")
                         .tag("contacts v1")
                         .json_body(contacts::contact_input_schema())
                         .created(schema::schema_of<contacts::Contact>())});

  // PUT replaces: what the body leaves out is cleared.
  router.add(verb::put, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await update_contact(request, contacts, true);
             },
             {.doc = op("replaceContactV1", "Replace a contact (v1): absent fields are cleared")
                         .tag("contacts v1")
                         .json_body(contacts::contact_input_schema())
                         .ok(schema::schema_of<contacts::Contact>())
                         .with_header(200, "ETag")});

  router.add(verb::patch, "/api/v1/contacts/{id}/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await update_contact(request, contacts, false);
             },
             {.doc = op("updateContactV1", "Change a contact (v1)")
                         .tag("contacts v1")
                         .json_body(contacts::contact_input_schema())
                         .ok(schema::schema_of<contacts::Contact>())
                         .with_header(200, "ETag")});

  router.add(
      verb::delete_, "/api/v1/contacts/{id}/", Access::write_key,
      [&contacts](Request& request) -> asio::awaitable<Response> {
        co_return co_await delete_contact(request, contacts);
      },
      {.doc =
           op("deleteContactV1", "Delete a contact (v1, soft)").tag("contacts v1").no_content()});

  router.add(verb::post, "/api/v1/contacts/batch/", Access::write_key,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto items = contacts::parse_contact_batch(body, is_admin(request));
               auto results = co_await contacts.upsert_batch(std::move(items), request.context());
               co_return http::json_response(request, status::ok, contacts::to_json(results));
             },
             {.idempotent_create = true,
              .doc = op("upsertContactBatchV1", "Create or update up to a batch of contacts (v1)")
                         .tag("contacts v1")
                         .json_body(contacts::contact_batch_schema())
                         .ok(schema::schema_of<std::vector<contacts::BatchResult>>())});
}

}  // namespace crmd::server::routes
