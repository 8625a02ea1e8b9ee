#include "server/openapi/document.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/array.hpp>
#include <set>
#include <stdexcept>

namespace crmd::openapi {
namespace beast_http = boost::beast::http;
using http::Access;

namespace {

const char* access_name(Access access) {
  switch (access) {
    case Access::public_:
      return "public";
    case Access::sales:
      return "sales";
    case Access::manager:
      return "manager";
    case Access::admin:
      return "admin";
    case Access::write_key:
      return "write_key";
    case Access::write_key_or_bearer:
      return "write_key_or_bearer";
    case Access::bearer_or_signed:
      return "bearer_or_signed";
  }
  return "public";
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string default_description(int status) {
  const auto reason = beast_http::obsolete_reason(static_cast<beast_http::status>(status));
  return reason.empty() ? std::to_string(status) : std::string(reason);
}

bool has_parameter(const Operation& o, std::string_view name, std::string_view in) {
  for (const auto& p : o.parameters)
    if (p.name == name && p.in == in) return true;
  return false;
}

void add_error(Operation& o, int status, const char* description = "") {
  if (o.responses.count(status)) return;
  o.reply(status, description, "application/json", error_schema());
}

// A generated id for a route nobody declared: getApiV2Changes.
std::string generated_id(const http::Route& route) {
  std::string id = lower(beast_http::to_string(route.method));
  for (const auto& segment : route.segments) {
    std::string part = segment.is_param ? "By_" + segment.text : segment.text;
    bool upper = true;
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c))) {
        upper = true;
        continue;
      }
      id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return id;
}

// Schemas with a title become components; the same title twice must be the
// same schema (one declaration per type).
void hoist(boost::json::value& value, boost::json::object& components) {
  if (auto* array = value.if_array()) {
    for (auto& item : *array) hoist(item, components);
    return;
  }
  auto* object = value.if_object();
  if (!object) return;
  for (auto& [key, member] : *object) hoist(member, components);
  const auto* title = object->if_contains("title");
  if (!title || !title->is_string()) return;
  const std::string name(title->as_string());
  if (auto* existing = components.if_contains(name)) {
    if (*existing != *object)
      throw std::logic_error("two different schemas are titled " + name +
                             ": declare a type's schema once");
  } else {
    components[name] = *object;
  }
  value = boost::json::object{{"$ref", "#/components/schemas/" + name}};
}

boost::json::array security_of(const http::Route& route) {
  const auto scope = route.options.scope;
  const auto scopes = scope.empty() ? boost::json::array() : boost::json::array{scope};
  const boost::json::object jwt{{"bearerJwt", boost::json::array()}};
  const boost::json::object key{{"apiKey", scopes}};
  const boost::json::object write_key{{"writeKey", scopes}};
  switch (route.access) {
    case Access::public_:
      return {};
    case Access::sales:
    case Access::manager:
    case Access::admin:
      if (scope.empty()) return {jwt};
      return {jwt, key};
    case Access::write_key:
      return {write_key};
    case Access::write_key_or_bearer:
      return {write_key, jwt};
    case Access::bearer_or_signed:
      return {jwt, key, boost::json::object()};
  }
  return {};
}

boost::json::object parameter_json(const Parameter& p) {
  boost::json::object out{{"name", p.name}, {"in", p.in}, {"schema", p.schema}};
  if (!p.description.empty()) out["description"] = p.description;
  if (p.required || p.in == "path") out["required"] = true;
  if (p.in == "query" && p.schema.contains("type") && p.schema.at("type") == "array") {
    out["style"] = "form";
    out["explode"] = true;
  }
  return out;
}

boost::json::object operation_json(const http::Route& route, const EffectiveOperation& e) {
  const auto& o = e.operation;
  boost::json::object out{{"operationId", o.id}, {"summary", o.summary}};
  if (!o.description.empty()) out["description"] = o.description;
  boost::json::array tags;
  for (const auto& t : o.tags) tags.emplace_back(t);
  if (!tags.empty()) out["tags"] = std::move(tags);
  boost::json::array parameters;
  for (const auto& p : o.parameters) parameters.push_back(parameter_json(p));
  if (!parameters.empty()) out["parameters"] = std::move(parameters);
  if (o.body) {
    boost::json::object content{{o.body->content_type, {{"schema", o.body->schema}}}};
    boost::json::object body{{"content", std::move(content)}, {"required", o.body->required}};
    if (!o.body->description.empty()) body["description"] = o.body->description;
    out["requestBody"] = std::move(body);
  }
  boost::json::object responses;
  for (const auto& [status, reply] : o.responses) {
    boost::json::object r{{"description", reply.description.empty() ? default_description(status)
                                                                    : reply.description}};
    if (!reply.content_type.empty()) {
      boost::json::object media;
      if (reply.schema) media["schema"] = *reply.schema;
      r["content"] = boost::json::object{{reply.content_type, std::move(media)}};
    }
    if (!reply.headers.empty()) {
      boost::json::object headers;
      for (const auto& h : reply.headers) headers[h] = {{"schema", {{"type", "string"}}}};
      r["headers"] = std::move(headers);
    }
    responses[std::to_string(status)] = std::move(r);
  }
  out["responses"] = std::move(responses);
  out["security"] = security_of(route);
  out["x-crmd-access"] = e.access;
  if (!route.options.scope.empty()) out["x-crmd-scope"] = route.options.scope;
  if (!e.documented) out["x-crmd-undocumented"] = true;
  return out;
}

}  // namespace

std::string route_name(const http::Route& route) {
  return std::string(beast_http::to_string(route.method)) + " " + route.path_template;
}

EffectiveOperation effective_operation(const http::Route& route) {
  EffectiveOperation e;
  e.access = access_name(route.access);
  e.documented = route.options.doc.has_value();
  if (e.documented) {
    e.operation = *route.options.doc;
  } else {
    e.operation = op(generated_id(route), "Not documented yet").tag("undocumented");
    e.operation.describe("This route carries no OpenAPI declaration yet (RouteOptions::doc).");
  }
  auto& o = e.operation;
  // Path parameters not declared are UUIDs, and 404 when unknown.
  std::vector<Parameter> path;
  for (const auto& segment : route.segments) {
    if (!segment.is_param) continue;
    if (!has_parameter(o, segment.text, "path"))
      path.push_back({segment.text, "path", schema::uuid(), "", true});
  }
  o.parameters.insert(o.parameters.begin(), path.begin(), path.end());
  const bool has_path_params =
      std::any_of(route.segments.begin(), route.segments.end(), [](auto& s) { return s.is_param; });
  const bool has_query = std::any_of(o.parameters.begin(), o.parameters.end(),
                                     [](const Parameter& p) { return p.in == "query"; });
  const bool read = route.method == beast_http::verb::get || route.method == beast_http::verb::head;
  if (has_path_params) add_error(o, 404, "No such record");
  if (!read && has_path_params) {
    if (!has_parameter(o, "If-Match", "header"))
      o.header("If-Match", schema::string(),
               "the record's ETag: the write answers 412 if the record changed since");
    add_error(o, 412, "The record changed since the If-Match ETag");
  }
  // Any write can meet the data's rules: a unique value taken, a reference,
  // the record's state (the database's violations answer 409 too).
  if (!read) add_error(o, 409, "Conflicts with the data or the record's state");
  if (route.options.idempotent_create) {
    if (!has_parameter(o, "Idempotency-Key", "header"))
      o.header("Idempotency-Key", schema::string(255),
               "a retry with the same key gets the first answer (kept 24 h)");
    add_error(o, 422);
  }
  if (route.access != Access::public_) {
    add_error(o, 401, "No or invalid credentials");
    add_error(o, 403, "The caller may not do this");
  }
  if (o.body) {
    add_error(o, 413, "The body is too large");
    add_error(o, 415, "Unsupported content type");
    add_error(o, 422, "Invalid fields (errors names them)");
  }
  if (route.options.upload) add_error(o, 413, "The body is too large");
  if (has_query) add_error(o, 422, "Invalid or unknown query parameters");
  add_error(o, 400, "Malformed request");
  add_error(o, 500, "Internal error (a bug: logged with the request id)");
  add_error(o, 503, "Busy or unavailable; retry (Retry-After)");
  return e;
}

boost::json::object document(const http::Router& router) {
  boost::json::object paths;
  std::set<std::string> ids;
  std::set<std::string> tags;
  for (const auto& route : router.routes()) {
    const auto e = effective_operation(route);
    if (!ids.insert(e.operation.id).second)
      throw std::logic_error("operation id " + e.operation.id + " is used twice (" +
                             route_name(route) + ")");
    for (const auto& t : e.operation.tags) tags.insert(t);
    auto& item = paths[route.path_template];
    if (!item.is_object()) item = boost::json::object();
    item.as_object()[lower(beast_http::to_string(route.method))] = operation_json(route, e);
  }
  boost::json::object components;
  boost::json::value tree = std::move(paths);
  hoist(tree, components);
  components["Error"] =
      components.contains("Error") ? components["Error"] : boost::json::value(error_schema());
  boost::json::array tag_list;
  for (const auto& t : tags) tag_list.push_back(boost::json::object{{"name", t}});
  const boost::json::object security_schemes{
      {"bearerJwt",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"bearerFormat", "JWT"},
        {"description", "An access token from POST /api/v2/auth/login (30 minutes)."}}},
      {"apiKey",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"bearerFormat", "crmd_<prefix>_<secret>"},
        {"description",
         "An API key (POST /api/v2/api-keys) as a bearer token; it must hold the operation's "
         "scope (x-crmd-scope). It acts as the user who created it."}}},
      {"writeKey",
       {{"type", "apiKey"},
        {"in", "header"},
        {"name", "X-Contacts-Write-Key"},
        {"description", "v1: an API key (or CRMD_CONTACTS_WRITE_KEY) holding the scope."}}}};
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "crmd"},
        {"version", "2"},
        {"description",
         "The CRM API. Errors share one shape (components/schemas/Error); lists page with "
         "limit and an opaque cursor; x-crmd-access names who may call an operation."}}},
      {"tags", std::move(tag_list)},
      {"paths", std::move(tree)},
      {"components", {{"schemas", std::move(components)}, {"securitySchemes", security_schemes}}}};
}

}  // namespace crmd::openapi
