// /api/v2/drive/templates (admins): the folder trees new drive roots get.
#include "actors/drive.hpp"
#include "server/http/json.hpp"
#include "server/openapi/operation.hpp"
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

Uuid template_id(const Request& request) {
  return request.path_uuid("id", "drive template");
}

}  // namespace

void add_drive_template_routes(http::Router& router, actors::DriveService& drive) {
  router.add(
      verb::get, "/api/v2/drive/templates", Access::admin,
      [&drive](Request& request) -> asio::awaitable<Response> {
        const auto templates = co_await drive.templates();
        boost::json::array results;
        for (const auto& t : templates) results.push_back(drive::to_json(t));
        boost::json::object body;
        body["results"] = std::move(results);
        co_return http::json_response(request, status::ok, std::move(body));
      },
      {.doc = op("listDriveTemplates", "Every drive template, by entity type and name")
                  .tag("drive")
                  .ok(schema::Object("DriveTemplateList")
                          .field("results", schema::array(schema::schema_of<drive::Template>())))});

  router.add(verb::post, "/api/v2/drive/templates", Access::admin,
             [&drive](Request& request) -> asio::awaitable<Response> {
               auto changes = drive::parse_template(http::parse_json_body(request), true);
               auto created = co_await drive.create_template(std::move(changes), request.context());
               auto response = http::record_response(request, status::created,
                                                     drive::to_json(created), created.updated_at);
               response.set(beast_http::field::location,
                            "/api/v2/drive/templates/" + created.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("createDriveTemplate",
                        "Create a template (active by default: it replaces its type's active one)")
                         .tag("drive")
                         .json_body(drive::template_input_schema(true))
                         .created(schema::schema_of<drive::Template>())
                         .errors({409})});

  router.add(verb::get, "/api/v2/drive/templates/{id}", Access::admin,
             [&drive](Request& request) -> asio::awaitable<Response> {
               auto found = co_await drive.template_(template_id(request));
               co_return http::record_response(request, status::ok, drive::to_json(found),
                                               found.updated_at);
             },
             {.doc = op("getDriveTemplate", "A drive template")
                         .tag("drive")
                         .ok(schema::schema_of<drive::Template>())});

  router.add(verb::patch, "/api/v2/drive/templates/{id}", Access::admin,
             [&drive](Request& request) -> asio::awaitable<Response> {
               const auto id = template_id(request);
               auto changes = drive::parse_template(http::parse_json_body(request), false);
               auto updated =
                   co_await drive.update_template(id, std::move(changes), request.context());
               co_return http::record_response(request, status::ok, drive::to_json(updated),
                                               updated.updated_at);
             },
             {.doc = op("updateDriveTemplate", "Change a template (the nodes are replaced whole)")
                         .tag("drive")
                         .header("If-Match", schema::string())
                         .json_body(drive::template_input_schema(false))
                         .ok(schema::schema_of<drive::Template>())
                         .errors({409, 412})});

  router.add(
      verb::delete_, "/api/v2/drive/templates/{id}", Access::admin,
      [&drive](Request& request) -> asio::awaitable<Response> {
        co_await drive.delete_template(template_id(request), request.context());
        co_return http::no_content(request);
      },
      {.doc = op("deleteDriveTemplate", "Delete a template (roots made from it stay as they are)")
                  .tag("drive")
                  .no_content()});
}

}  // namespace crmd::server::routes
