#include "server/openapi/docs.hpp"

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "domain/common/error.hpp"
#include "server/openapi/document.hpp"
#include "storage/blocking.hpp"

namespace crmd::openapi {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::field;
using beast_http::status;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;

const char* const kDocsContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

namespace {

// The page's own script: the CSP allows no inline script. Debian's Swagger
// UI (3.x) renders OpenAPI 3.0 only, so it is handed a 3.0 view of the 3.1
// document: {"type": [t, "null"]} becomes {"type": t, "nullable": true}.
constexpr const char* kInitScript = R"js("use strict";
function crmdToOas30(node) {
  if (Array.isArray(node)) { node.forEach(crmdToOas30); return; }
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node.type)) {
    const types = node.type.filter(function (t) { return t !== "null"; });
    if (types.length < node.type.length) node.nullable = true;
    node.type = types[0];
  }
  if (Array.isArray(node.anyOf)) {
    const rest = node.anyOf.filter(function (s) { return !(s && s.type === "null"); });
    if (rest.length < node.anyOf.length) {
      delete node.anyOf;
      node.allOf = rest;
      node.nullable = true;
    }
  }
  Object.keys(node).forEach(function (k) { crmdToOas30(node[k]); });
}
fetch("/openapi.json").then(function (r) { return r.json(); }).then(function (doc) {
  crmdToOas30(doc);
  doc.openapi = "3.0.3";
  window.ui = SwaggerUIBundle({
    spec: doc,
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
)js";

constexpr const char* kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>crmd API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/crmd-docs.js"></script>
</body>
</html>
)html";

std::string missing_page(const std::string& dir) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>crmd API"
         "</title></head>\n<body>\n<h1>crmd API</h1>\n<p>The interactive documentation needs "
         "Swagger UI's files, which are not installed in <code>" +
         dir +
         "</code>. Install them with</p>\n<pre>apt-get install python3-flasgger</pre>\n<p>(or "
         "point crmd at another copy). The document itself is at <a href=\"/openapi.json\">"
         "/openapi.json</a>.</p>\n</body>\n</html>\n";
}

std::string content_type_of(std::string_view name) {
  static const std::map<std::string_view, const char*> kTypes{
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".png", "image/png"},
      {".map", "application/json"},
      {".html", "text/html; charset=utf-8"}};
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  const auto it = kTypes.find(name.substr(dot));
  return it == kTypes.end() ? std::string() : std::string(it->second);
}

// A file name straight in the assets directory: no separators, no dot files.
bool plain_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

struct State {
  DocsOptions options;
  const http::Router& router;
  std::once_flag built;
  std::string document;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const std::string>> files;  // read once each

  asio::awaitable<std::shared_ptr<const std::string>> file(const std::string& name) {
    {
      std::lock_guard lock(mutex);
      if (auto it = files.find(name); it != files.end()) co_return it->second;
    }
    auto read = [path = options.assets_dir + "/" + name] { return read_file(path); };
    auto text = co_await run_blocking(options.blocking, std::move(read));
    if (!text) co_return nullptr;
    auto shared = std::make_shared<const std::string>(std::move(*text));
    std::lock_guard lock(mutex);
    files.emplace(name, shared);
    co_return shared;
  }
};

Response text_response(const Request& request, status code, const std::string& type,
                       std::string body) {
  Response response(code, request.message.version());
  response.set(field::content_type, type);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

void secure_page(Response& response) {
  response.set("Content-Security-Policy", kDocsContentSecurityPolicy);
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
}

}  // namespace

void add_docs_routes(http::Router& router, DocsOptions options) {
  auto state = std::make_shared<State>(std::move(options), router);

  router.add(
      verb::get, "/openapi.json", Access::public_,
      [state](Request& request) -> asio::awaitable<Response> {
        std::call_once(state->built,
                       [&] { state->document = boost::json::serialize(document(state->router)); });
        auto response = text_response(request, status::ok, "application/json", state->document);
        response.set(field::cache_control, "no-cache");
        co_return response;
      },
      {.doc = op("getOpenApiDocument", "This document (OpenAPI 3.1)")
                  .tag("documentation")
                  .ok(schema::any_object(), "The OpenAPI 3.1 document")});

  router.add(verb::get, "/docs", Access::public_,
             [state](Request& request) -> asio::awaitable<Response> {
               const auto bundle = co_await state->file("swagger-ui-bundle.js");
               auto response =
                   bundle ? text_response(request, status::ok, "text/html; charset=utf-8", kPage)
                          : text_response(request, status::ok, "text/html; charset=utf-8",
                                          missing_page(state->options.assets_dir));
               secure_page(response);
               response.set(field::cache_control, "no-cache");
               co_return response;
             },
             {.doc = op("getDocs", "The interactive API documentation (Swagger UI)")
                         .tag("documentation")
                         .reply(200,
                                "The page; without Swagger UI's files installed, a page that "
                                "says how to install them",
                                "text/html")});

  router.add(verb::get, "/docs/{file}", Access::public_,
             [state](Request& request) -> asio::awaitable<Response> {
               const auto& name = request.path_param("file");
               const auto type = content_type_of(name);
               const auto not_found = Error(ErrorKind::not_found, "not_found", "no such file");
               if (!plain_name(name) || type.empty()) throw not_found;
               std::shared_ptr<const std::string> body;
               if (name == "crmd-docs.js")
                 body = std::make_shared<const std::string>(kInitScript);
               else
                 body = co_await state->file(name);
               if (!body) throw not_found;
               auto response = text_response(request, status::ok, type, *body);
               secure_page(response);
               response.set(field::cache_control, "public, max-age=3600");
               co_return response;
             },
             {.doc = op("getDocsFile", "A file of the documentation page")
                         .tag("documentation")
                         .path("file", schema::string(100), "e.g. swagger-ui-bundle.js")
                         .reply(200, "The file", "application/octet-stream")});
}

}  // namespace crmd::openapi
