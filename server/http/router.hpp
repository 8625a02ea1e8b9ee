// Method + path template routing: "/api/v2/contacts/{id}". Literal
// segments match exactly (after percent-decoding), {name} segments match any
// one non-empty segment, and a trailing slash is optional on both sides so
// v1's Django-style "/contacts/" and "/contacts" reach the same route.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/request.hpp"
#include "server/openapi/operation.hpp"

namespace crmd::http {

// Who may call a route; every route declares one.
enum class Access {
  public_,              // anyone
  sales,                // a bearer token of any role (sales is the least)
  manager,              // a bearer token of manager or admin
  admin,                // a bearer token of an admin
  write_key,            // v1 writes: X-Contacts-Write-Key
  write_key_or_bearer,  // v1 reads: the write key or any bearer token
  bearer_or_signed,     // any bearer token, or none: then the handler checks a signed ?token=
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// How to declare a route for the OpenAPI document (GET /openapi.json, /docs,
// `crmd openapi`): give RouteOptions::doc where the route is added.
//
//   using namespace crmd::openapi;
//   router.add(verb::get, "/api/v2/contacts/{id}", Access::sales, handler,
//              {.doc = op("getContact", "Get a contact")
//                          .tag("contacts")
//                          .query("include_deleted", schema::boolean(), "admins only")
//                          .ok(schema::schema_of<contacts::Contact>())});
//
// - op(id, summary): a unique camelCase operation id and a one-line summary;
//   tag() groups operations on /docs.
// - Parameters: query(name, schema, description) (page_params() for limit
//   and cursor), header(), path() for a {name} that is not a UUID; every
//   other {name} of the template is documented as a UUID on its own.
// - Body: json_body(schema) (required unless told), body_of(type, schema).
// - Answers: ok / created / accepted (JSON, with their schema), no_content(),
//   reply(status, description, content type, schema) for the others,
//   errors({404, 409}) for error statuses the handler answers in the error
//   shape. The generator adds what the route implies: 401/403 and the
//   security scheme from the Access level and scope, 404 for {params},
//   409 for writes, 412 and If-Match for writes to {params}, 400/413/415/422
//   for a body, 422 for query parameters, the Idempotency-Key header for
//   idempotent creates, and 400/500/503 everywhere.
// - Schemas: a domain type's comes from json_schema() next to its to_json()
//   (schema::schema_of<T>()); schema::Object("Title") builds one, and a
//   schema with a title becomes a component (one declaration per title).
// - tests/http/openapi_test.cpp fails on a route without doc, and every HTTP
//   test checks each answer against its operation (tests/support).

struct RouteOptions {
  // A creating POST: an Idempotency-Key header makes retries get the first answer.
  bool idempotent_create = false;
  // The body streams to a file (Request::upload), up to the upload limit
  // instead of the body limit; the caller is checked before it is read.
  bool upload = false;
  // What an API key must hold to call the route (see domain/identity/scopes.hpp);
  // empty: the path's default_scope(). A route with no scope refuses keys.
  std::string scope;
  // The route's OpenAPI operation (see above); none: listed as undocumented.
  std::optional<openapi::Operation> doc;
};

struct Route {
  beast_http::verb method;
  std::string path_template;
  Access access;
  Handler handler;
  RouteOptions options;

  struct Segment {
    std::string text;  // literal text, or the parameter's name
    bool is_param;
  };
  std::vector<Segment> segments;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: see allowed
  std::vector<std::pair<std::string_view, std::string>> params;
  // Methods the path supports; non-empty with a null route means 405.
  std::vector<beast_http::verb> allowed;
};

class Router {
 public:
  // Throws std::invalid_argument for a malformed template or a duplicate.
  void add(beast_http::verb method, std::string path_template, Access access, Handler handler,
           RouteOptions options = {});

  // path is the encoded path of the request target (no query).
  RouteMatch match(beast_http::verb method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  static constexpr std::size_t kMaxSegments = 16;  // of a route's template

  std::vector<Route> routes_;
  // Indices into routes_ by their number of segments: a path is only
  // compared with the routes of its length.
  std::vector<std::vector<std::size_t>> by_length_;
};

}  // namespace crmd::http
