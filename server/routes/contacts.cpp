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

Uuid contact_id(const Request& request) {
  return request.path_uuid("id", "contact");
}

Uuid method_id(const Request& request) {
  return request.path_uuid("method_id", "contact method");
}

}  // namespace

contacts::ContactListQuery contact_list_query(const Request& request) {
  request.query().reject_unknown(contacts::kListParameters, http::kPageParameters);
  auto q = contacts::contact_list_query(request.query());
  q.include_deleted = include_deleted(request);
  return q;
}

asio::awaitable<Response> list_contacts(Request& request, actors::ContactService& contacts,
                                        contacts::ContactListQuery query) {
  const http::KeysetPage page(request, query.fingerprint());
  auto rows = co_await contacts.list(query, page.fetch_limit(), page.position());
  std::optional<std::int64_t> count;
  if (request.query().boolean("count", false)) count = co_await contacts.count(query);
  co_return page.respond(request, rows, count);
}

asio::awaitable<Response> create_contact(Request& request, actors::ContactService& contacts,
                                         std::string_view location_prefix,
                                         std::string_view location_suffix) {
  const auto body = http::parse_json_body(request);
  auto changes = contacts::parse_contact(body, true, is_admin(request));
  auto created = co_await contacts.create(std::move(changes), request.context());
  auto response = http::json_response(request, status::created, JsonText::of(created));
  response.set(beast_http::field::location,
               std::string(location_prefix) + created.id.str() + std::string(location_suffix));
  co_return response;
}

asio::awaitable<Response> update_contact(Request& request, actors::ContactService& contacts,
                                         bool replace) {
  const auto id = contact_id(request);
  const auto body = http::parse_json_body(request);
  auto changes = contacts::parse_contact(body, replace, is_admin(request));
  if (replace) contacts::clear_absent(changes);
  auto contact = co_await contacts.update(id, std::move(changes), request.context());
  co_return http::record_response(request, status::ok, JsonText::of(contact), contact.updated_at);
}

asio::awaitable<Response> delete_contact(Request& request, actors::ContactService& contacts) {
  co_await contacts.set_deleted(contact_id(request), true, request.context());
  co_return http::no_content(request);
}

void add_contact_routes(http::Router& router, actors::ContactService& contacts) {
  router.add(verb::post, "/api/v2/contacts", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await create_contact(request, contacts, "/api/v2/contacts/", "");
             },
             {.idempotent_create = true,
              .doc = op("createContact", "Create a contact")
                         .tag("contacts")
                         .json_body(contacts::contact_input_schema())
                         .created(schema::schema_of<contacts::Contact>())});

  router.add(verb::get, "/api/v2/contacts", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await list_contacts(request, contacts, contact_list_query(request));
             },
             {.doc = op("listContacts", "List contacts")
                         .tag("contacts")
                         .query(openapi::contact_list_params())
                         .query(page_params())
                         .ok(page_of(schema::schema_of<contacts::Contact>(), true))});

  router.add(
      verb::get, "/api/v2/contacts/{id}", Access::sales,
      [&contacts](Request& request) -> asio::awaitable<Response> {
        auto contact = co_await contacts.get(contact_id(request), include_deleted(request));
        co_return http::record_response(request, status::ok, JsonText::of(contact),
                                        contact.updated_at);
      },
      {.doc = op("getContact", "Get a contact")
                  .tag("contacts")
                  .query({openapi::flag("include_deleted", "a deleted contact too (admins only)")})
                  .ok(schema::schema_of<contacts::Contact>())
                  .with_header(200, "ETag")});

  router.add(verb::patch, "/api/v2/contacts/{id}", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await update_contact(request, contacts, false);
             },
             {.doc = op("updateContact", "Change a contact")
                         .tag("contacts")
                         .json_body(contacts::contact_input_schema())
                         .ok(schema::schema_of<contacts::Contact>())
                         .with_header(200, "ETag")});

  router.add(verb::delete_, "/api/v2/contacts/{id}", Access::manager,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               co_return co_await delete_contact(request, contacts);
             },
             {.doc = op("deleteContact", "Delete a contact (soft)").tag("contacts").no_content()});

  router.add(verb::post, "/api/v2/contacts/{id}/restore", Access::manager,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               auto contact =
                   co_await contacts.set_deleted(contact_id(request), false, request.context());
               co_return http::record_response(request, status::ok, JsonText::of(contact),
                                               contact.updated_at);
             },
             {.doc = op("restoreContact", "Restore a deleted contact")
                         .tag("contacts")
                         .ok(schema::schema_of<contacts::Contact>())});

  router.add(verb::get, "/api/v2/contacts/{id}/methods", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               auto methods = co_await contacts.methods(contact_id(request));
               request.query().reject_unknown(http::kPageParameters);
               co_return http::page_of_all(
                   request, "contact-methods:" + contact_id(request).str(), methods,
                   [](const contacts::ContactMethod& m) { return m.id; },
                   [](const contacts::ContactMethod& m) { return contacts::to_json(m); });
             },
             {.doc = op("listContactMethods", "List a contact's e-mails, phones and links")
                         .tag("contacts")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<contacts::ContactMethod>()))});

  router.add(
      verb::post, "/api/v2/contacts/{id}/methods", Access::sales,
      [&contacts](Request& request) -> asio::awaitable<Response> {
        const auto id = contact_id(request);
        const auto body = http::parse_json_body(request);
        auto changes = contacts::parse_contact_method(body, std::nullopt);
        auto method = co_await contacts.add_method(id, std::move(changes), request.context());
        auto response = http::json_response(request, status::created, contacts::to_json(method));
        response.set(beast_http::field::location,
                     "/api/v2/contacts/" + id.str() + "/methods/" + method.id.str());
        co_return response;
      },
      {.idempotent_create = true,
       .doc = op("createContactMethod", "Add an e-mail, phone or link to a contact")
                  .tag("contacts")
                  .json_body(contacts::contact_method_input_schema(true))
                  .created(schema::schema_of<contacts::ContactMethod>())});

  router.add(verb::patch, "/api/v2/contacts/{id}/methods/{method_id}", Access::sales,
             [&contacts](Request& request) -> asio::awaitable<Response> {
               const auto id = contact_id(request);
               const auto method = method_id(request);
               auto body = http::parse_json_body(request);
               auto updated =
                   co_await contacts.update_method(id, method, std::move(body), request.context());
               co_return http::json_response(request, status::ok, contacts::to_json(updated));
             },
             {.doc = op("updateContactMethod", "Change a contact method")
                         .tag("contacts")
                         .json_body(contacts::contact_method_input_schema(false))
                         .ok(schema::schema_of<contacts::ContactMethod>())});

  router.add(
      verb::delete_, "/api/v2/contacts/{id}/methods/{method_id}", Access::sales,
      [&contacts](Request& request) -> asio::awaitable<Response> {
        const auto id = contact_id(request);
        const auto method = method_id(request);
        co_await contacts.remove_method(id, method, request.context());
        co_return http::no_content(request);
      },
      {.doc = op("deleteContactMethod", "Remove a contact method").tag("contacts").no_content()});
}

}  // namespace crmd::server::routes
