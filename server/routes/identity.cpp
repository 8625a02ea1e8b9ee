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
using openapi::op;
using openapi::page_of;
using openapi::page_params;

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

schema::Schema session_schema() {
  using namespace schema;
  return Object("Session")
      .field("access_token", string(), "a JWT for Authorization: Bearer (30 minutes)")
      .field("refresh_token", string(), "for POST /api/v2/auth/refresh (7 days, rotated)")
      .field("token_type", one_of_strings({"bearer"}))
      .field("expires_in", integer(0), "seconds the access token is valid")
      .field("user", schema_of<identity::User>());
}

schema::Schema refresh_token_schema() {
  return schema::Object("RefreshToken").field("refresh_token", schema::string(8192));
}

}  // namespace

void add_identity_routes(http::Router& router, actors::IdentityService& identity) {
  router.add(verb::post, "/api/v2/auth/login", Access::public_,
             [&identity](Request& request) -> asio::awaitable<Response> {
               auto credentials = identity::parse_credentials(http::parse_json_body(request));
               auto session = co_await identity.login(std::move(credentials), request.context());
               co_return http::json_response(request, status::ok, session_json(session));
             },
             {.doc = op("login", "Sign in with e-mail and password")
                         .tag("auth")
                         .json_body(schema::Object("Credentials")
                                        .field("email", schema::string(254))
                                        .field("password", schema::string(1024)))
                         .ok(session_schema())
                         .errors({401, 429})});

  router.add(verb::post, "/api/v2/auth/refresh", Access::public_,
             [&identity](Request& request) -> asio::awaitable<Response> {
               auto session =
                   co_await identity.refresh(refresh_token_of(request), request.context());
               co_return http::json_response(request, status::ok, session_json(session));
             },
             {.doc = op("refreshSession", "Trade a refresh token for a new session")
                         .tag("auth")
                         .json_body(refresh_token_schema())
                         .ok(session_schema())
                         .errors({401})});

  router.add(verb::post, "/api/v2/auth/logout", Access::public_,
             [&identity](Request& request) -> asio::awaitable<Response> {
               co_await identity.logout(refresh_token_of(request), request.context());
               co_return http::no_content(request);
             },
             {.doc = op("logout", "Revoke a refresh token and its family")
                         .tag("auth")
                         .json_body(refresh_token_schema())
                         .no_content()
                         .errors({401})});

  router.add(
      verb::get, "/api/v2/auth/me", Access::sales,
      [](Request& request) -> asio::awaitable<Response> {
        const auto& p = *request.principal;
        co_return http::json_response(request, status::ok,
                                      boost::json::object{{"id", p.id.str()},
                                                          {"email", p.email},
                                                          {"name", p.name},
                                                          {"role", identity::to_string(p.role)},
                                                          {"kind", identity::actor_type(p)}});
      },
      {.doc = op("getMe", "Who the caller is")
                  .tag("auth")
                  .ok(schema::Object("Me")
                          .field("id", schema::uuid())
                          .field("email", schema::string())
                          .field("name", schema::string())
                          .field("role", schema::one_of_strings({"admin", "manager", "sales"}))
                          .field("kind", schema::string(), "user, or the kind of key"))});

  router.add(verb::get, "/api/v2/users", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const http::KeysetPage page(request, "users");
               auto users = co_await identity.list_users(page.fetch_limit(), page.position());
               co_return page.respond(request, users);
             },
             {.doc = op("listUsers", "List users")
                         .tag("users")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<identity::User>()))});

  router.add(verb::post, "/api/v2/users", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               auto user = identity::parse_new_user(http::parse_json_body(request));
               auto created = co_await identity.create_user(std::move(user), request.context());
               auto response =
                   http::json_response(request, status::created, identity::to_json(created));
               response.set(beast_http::field::location, "/api/v2/users/" + created.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("createUser", "Create a user")
                         .tag("users")
                         .json_body(identity::new_user_schema())
                         .created(schema::schema_of<identity::User>())});

  router.add(
      verb::get, "/api/v2/users/{id}", Access::admin,
      [&identity](Request& request) -> asio::awaitable<Response> {
        auto user = co_await identity.user(request.path_uuid("id", "user"));
        co_return http::json_response(request, status::ok, identity::to_json(user));
      },
      {.doc = op("getUser", "Get a user").tag("users").ok(schema::schema_of<identity::User>())});

  router.add(verb::patch, "/api/v2/users/{id}", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "user");
               auto patch = identity::parse_user_patch(http::parse_json_body(request));
               auto user = co_await identity.update_user(id, std::move(patch), request.context());
               co_return http::json_response(request, status::ok, identity::to_json(user));
             },
             {.doc = op("updateUser", "Change a user's name, role or activity")
                         .tag("users")
                         .json_body(identity::user_patch_schema())
                         .ok(schema::schema_of<identity::User>())});

  // Users are deactivated, never deleted: other rows refer to them.
  router.add(verb::delete_, "/api/v2/users/{id}", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "user");
               identity::UserPatch patch;
               patch.is_active = false;
               auto user = co_await identity.update_user(id, patch, request.context());
               co_return http::json_response(request, status::ok, identity::to_json(user));
             },
             {.doc = op("deactivateUser", "Deactivate a user (users are never deleted)")
                         .tag("users")
                         .ok(schema::schema_of<identity::User>())});

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
             },
             {.doc = op("createApiKey", "Create an API key (its secret is shown once)")
                         .tag("api keys")
                         .json_body(schema::Object("NewApiKeyRequest")
                                        .field("name", schema::string(100))
                                        .optional("scopes", schema::array(schema::string(64), 10),
                                                  "e.g. contacts:write, leads:*, *"))
                         .created(storage::api_key_schema(true))});

  router.add(verb::get, "/api/v2/api-keys", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const auto keys = co_await identity.list_api_keys();
               co_return http::page_of_all(
                   request, "api-keys", keys, [](const storage::ApiKey& key) { return key.id; },
                   [](const storage::ApiKey& key) { return storage::to_json(key); });
             },
             {.doc = op("listApiKeys", "List API keys")
                         .tag("api keys")
                         .query(page_params())
                         .ok(page_of(storage::api_key_schema()))});

  router.add(verb::delete_, "/api/v2/api-keys/{id}", Access::admin,
             [&identity](Request& request) -> asio::awaitable<Response> {
               co_await identity.revoke_api_key(request.path_uuid("id", "API key"),
                                                request.context());
               co_return http::no_content(request);
             },
             {.doc = op("revokeApiKey", "Revoke an API key").tag("api keys").no_content()});
}

}  // namespace crmd::server::routes
