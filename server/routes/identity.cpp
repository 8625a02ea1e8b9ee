#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "domain/common/fields.hpp"
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

boost::json::object session_json(const actors::IssuedSession& session) {
  return {{"access_token", session.access_token},
          {"refresh_token", session.refresh_token},
          {"token_type", "bearer"},
          {"expires_in", session.expires_in},
          {"user", identity::to_json(session.user)}};
}

std::string refresh_token_of(const Request& request) {
  const auto body = http::parse_json_body(request);  // the reader points into it
  FieldReader reader(body, {"refresh_token"});
  auto token = reader.string("refresh_token", true, 8192);
  reader.finish();
  return *token;
}

}  // namespace

void add_identity_routes(http::Router& router, actors::IdentityService& identity) {
  router.add(verb::post, "/api/v2/auth/login", Access::public_,
             [&identity](Request& request) -> asio::awaitable<Response> {
               auto credentials = identity::parse_credentials(http::parse_json_body(request));
               auto session = co_await identity.login(std::move(credentials), request.context());
               co_return http::json_response(request, status::ok, session_json(session));
             });

  router.add(verb::post, "/api/v2/auth/refresh", Access::public_,
             [&identity](Request& request) -> asio::awaitable<Response> {
               auto session =
                   co_await identity.refresh(refresh_token_of(request), request.context());
               co_return http::json_response(request, status::ok, session_json(session));
             });

  router.add(verb::post, "/api/v2/auth/logout", Access::public_,
             [&identity](Request& request) -> asio::awaitable<Response> {
               co_await identity.logout(refresh_token_of(request), request.context());
               co_return http::no_content(request);
             });

  router.add(verb::get, "/api/v2/auth/me", Access::sales,
             [](Request& request) -> asio::awaitable<Response> {
               const auto& p = *request.principal;
               co_return http::json_response(
                   request, status::ok,
                   boost::json::object{{"id", p.id.str()},
                                       {"email", p.email},
                                       {"name", p.name},
                                       {"role", identity::to_string(p.role)},
                                       {"kind", identity::actor_type(p)}});
             });

  router.add(verb::get, "/api/v2/users", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const http::KeysetPage page(request, "users");
               auto users = co_await identity.list_users(page.fetch_limit(), page.position());
               co_return page.respond(request, users);
             });

  router.add(verb::post, "/api/v2/users", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               auto user = identity::parse_new_user(http::parse_json_body(request));
               auto created = co_await identity.create_user(std::move(user), request.context());
               auto response =
                   http::json_response(request, status::created, identity::to_json(created));
               response.set(beast_http::field::location, "/api/v2/users/" + created.id.str());
               co_return response;
             },
             {.idempotent_create = true});

  router.add(verb::get, "/api/v2/users/{id}", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               auto user = co_await identity.user(request.path_uuid("id", "user"));
               co_return http::json_response(request, status::ok, identity::to_json(user));
             });

  router.add(verb::patch, "/api/v2/users/{id}", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "user");
               auto patch = identity::parse_user_patch(http::parse_json_body(request));
               auto user = co_await identity.update_user(id, std::move(patch), request.context());
               co_return http::json_response(request, status::ok, identity::to_json(user));
             });

  // Users are deactivated, never deleted: other rows refer to them.
  router.add(verb::delete_, "/api/v2/users/{id}", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "user");
               identity::UserPatch patch;
               patch.is_active = false;
               auto user = co_await identity.update_user(id, patch, request.context());
               co_return http::json_response(request, status::ok, identity::to_json(user));
             });

  router.add(verb::post, "/api/v2/api-keys", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               FieldReader reader(body, {"name", "scopes"});
               auto name = reader.string("name", true, 100);
               auto scopes = reader.strings("scopes", false, 10, 64);
               reader.finish();
               auto created = co_await identity.create_api_key(
                   *name, scopes.value_or(std::vector<std::string>{}), request.context());
               auto answer = storage::to_json(created.key);
               answer["key"] = created.secret;
               auto response = http::json_response(request, status::created, answer);
               response.set(beast_http::field::location,
                            "/api/v2/api-keys/" + created.key.id.str());
               co_return response;
             });

  router.add(verb::get, "/api/v2/api-keys", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const auto keys = co_await identity.list_api_keys();
               co_return http::page_of_all(
                   request, "api-keys", keys, [](const storage::ApiKey& key) { return key.id; },
                   [](const storage::ApiKey& key) { return storage::to_json(key); });
             });

  router.add(verb::delete_, "/api/v2/api-keys/{id}", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               co_await identity.revoke_api_key(request.path_uuid("id", "API key"),
                                                request.context());
               co_return http::no_content(request);
             });
}

}  // namespace crmd::server::routes
