// The OpenAPI document (GET /openapi.json, `crmd openapi`) and /docs: the
// document validates against the OpenAPI 3.1 meta-schema, covers exactly
// the router's routes, and the answers of the main operations match their
// schemas (every HTTP test checks its answers too: support/contract.hpp);
// /docs serves Swagger UI under a strict CSP, and a headless Chromium
// renders the operations.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "http/api_fixture.hpp"
#include "server/openapi/docs.hpp"
#include "server/openapi/document.hpp"
#include "support/contract.hpp"
#include "support/json_schema_check.hpp"

namespace crmd::test {
namespace {

namespace fs = std::filesystem;

const fs::path kTestsDir = fs::path(__FILE__).parent_path().parent_path();

struct Output {
  int status = -1;
  std::string text;
};

Output run(const std::string& command) {
  Output out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[65536];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  out.status = ::pclose(pipe);
  return out;
}

bool chromium_installed() {
  return fs::exists("/usr/bin/chromium");
}

bool assets_installed() {
  return fs::exists(fs::path(openapi::kDebianDocsAssets) / "swagger-ui-bundle.js");
}

class OpenApiTest : public ApiTest {
 protected:
  boost::json::object document() {
    auto response = send("GET", "/openapi.json");
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response[boost::beast::http::field::content_type], "application/json");
    return json_of(response);
  }
};

TEST_F(OpenApiTest, DocumentValidatesAgainstTheOpenApi31Schema) {
  const auto doc = document();
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  const auto file = fs::temp_directory_path() / (unique_name("openapi") + ".json");
  std::ofstream(file) << boost::json::serialize(doc);
  const auto out =
      run("python3 " + (kTestsDir / "openapi/validate.py").string() + " " + file.string() + " " +
          (kTestsDir / "openapi/oas-3.1-schema-2022-10-07.json").string() + " 2>&1");
  fs::remove(file);
  EXPECT_EQ(out.status, 0) << "the document does not validate (python3-jsonschema is in "
                              "scripts/deps.sh):\n"
                           << out.text;
}

TEST_F(OpenApiTest, EveryRouteIsDocumentedAndEveryOperationIsRouted) {
  const auto doc = document();
  std::set<std::string> in_document, routed, undocumented;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, operation] : item.as_object()) {
      auto name = std::string(method) + " " + std::string(path);
      for (auto& c : name) {
        if (c == ' ') break;
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      in_document.insert(name);
    }
  for (const auto& route : server.app().router().routes()) {
    const auto name = openapi::route_name(route);
    routed.insert(name);
    if (!route.options.doc) undocumented.insert(name);
  }
  EXPECT_EQ(in_document, routed) << "the document's operations and the router's routes differ";
  std::string list;
  for (const auto& name : undocumented) list += "\n  " + name;
  EXPECT_TRUE(undocumented.empty())
      << "routes without an OpenAPI declaration (RouteOptions::doc, see router.hpp):" << list;
}

TEST_F(OpenApiTest, DocumentNamesAccessAndErrorsOfEachOperation) {
  const auto doc = document();
  const auto& paths = doc.at("paths").as_object();
  const auto& list = paths.at("/api/v2/contacts").at("get").as_object();
  EXPECT_EQ(list.at("operationId"), "listContacts");
  EXPECT_EQ(list.at("x-crmd-access"), "sales");
  EXPECT_EQ(list.at("x-crmd-scope"), "contacts:read");
  for (const char* status : {"200", "400", "401", "403", "422", "503"})
    EXPECT_TRUE(list.at("responses").as_object().contains(status)) << status;
  const auto& login = paths.at("/api/v2/auth/login").at("post").as_object();
  EXPECT_TRUE(login.at("security").as_array().empty());
  EXPECT_FALSE(login.at("responses").as_object().contains("403"));
  const auto& batch = paths.at("/api/v1/contacts/batch/").at("post").as_object();
  EXPECT_EQ(batch.at("security").at(0).as_object().begin()->key(), "writeKey");
  const auto& schemas = doc.at("components").at("schemas").as_object();
  for (const char* name : {"Contact", "Company", "Lead", "Job", "User", "Error"})
    EXPECT_TRUE(schemas.contains(name)) << name;
}

TEST_F(OpenApiTest, CrmdOpenapiPrintsTheServedDocument) {
  const auto out = run(std::string(CRMD_BINARY) + " openapi");
  ASSERT_EQ(out.status, 0) << out.text.substr(0, 2000);
  boost::system::error_code ec;
  const auto printed = boost::json::parse(out.text, ec);
  ASSERT_FALSE(ec) << out.text.substr(0, 2000);
  EXPECT_TRUE(printed == boost::json::value(document()))
      << "`crmd openapi` and GET /openapi.json differ";
}

// The main operations, each answer checked against its schema by the
// contract check (a failure there fails this test).
TEST_F(OpenApiTest, MainOperationsAnswerAsDeclared) {
  const auto before = contract_checks();
  const auto company = create_at("/api/v2/companies", {{"name", unique_name("Acme")}});
  const auto contact =
      create_at("/api/v2/contacts", {{"first_name", "Ada"},
                                     {"email", unique_name("ada") + "@example.com"},
                                     {"company_id", company}});
  const auto lead = create_at("/api/v2/leads", {{"title", unique_name("Lead")}});
  ASSERT_FALSE(contact.empty());
  ASSERT_FALSE(lead.empty());
  for (const auto& target : std::vector<std::string>{"/api/v2/contacts?limit=2&count=true",
                                                     "/api/v2/contacts/" + contact,
                                                     "/api/v2/companies?limit=2",
                                                     "/api/v2/companies/" + company,
                                                     "/api/v2/companies/" + company + "/contacts",
                                                     "/api/v2/leads?limit=2",
                                                     "/api/v2/leads/" + lead,
                                                     "/api/v2/leads/sales-view?limit=2",
                                                     "/api/v2/users",
                                                     "/api/v2/auth/me",
                                                     "/api/v2/jobs",
                                                     "/api/v2/tags",
                                                     "/api/v2/lead-statuses",
                                                     "/api/v2/lead-origins",
                                                     "/api/v2/api-keys",
                                                     "/api/v1/contacts/",
                                                     "/api/v2/contacts/" + contact + "/methods",
                                                     "/api/v2/leads/" + lead + "/contacts",
                                                     "/api/v2/leads/" + lead + "/activities",
                                                     "/health",
                                                     "/ready"}) {
    const auto response = send("GET", target);
    EXPECT_EQ(response.result_int(), 200) << target << ": " << response.body();
  }
  EXPECT_EQ(send("PATCH", "/api/v2/contacts/" + contact, R"({"city":"London"})").result_int(), 200);
  EXPECT_EQ(
      send("POST", "/api/v2/leads/" + lead + "/contacts", R"({"contact_id":")" + contact + R"("})")
          .result_int(),
      201);
  EXPECT_EQ(
      send("POST", "/api/v2/leads/" + lead + "/activities", R"({"kind":"call"})").result_int(),
      201);
  // Errors answer in the error shape, with declared statuses.
  EXPECT_EQ(send("GET", "/api/v2/contacts/" + Uuid::random_v4().str()).result_int(), 404);
  EXPECT_EQ(send("POST", "/api/v2/contacts", R"({"email":"not an address"})").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/contacts?nope=1").result_int(), 422);
  EXPECT_EQ(client.request("GET", "/api/v2/contacts").result_int(), 401);
  EXPECT_GE(contract_checks() - before, 30u);
}

TEST(JsonSchemaCheck, FindsWhatDoesNotMatch) {
  const auto schema = boost::json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["id", "n"],
    "properties": {"id": {"type": "string", "format": "uuid"},
                   "n": {"type": ["integer", "null"], "minimum": 1},
                   "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                   "at": {"$ref": "#/components/schemas/At"}}})")
                          .as_object();
  const auto root =
      boost::json::parse(
          R"({"components": {"schemas": {"At": {"type": "string", "format": "date-time"}}}})")
          .as_object();
  const auto ok = boost::json::parse(
      R"({"id": "7f7e1b1e-3b4c-4f0e-9b7a-1a2b3c4d5e6f", "n": null, "tags": ["a"],
          "at": "2024-01-02T03:04:05Z"})");
  EXPECT_TRUE(schema_errors(ok, schema, &root).empty());
  const auto bad = boost::json::parse(
      R"({"id": "x", "n": 0, "tags": ["abcd", 1], "at": "yesterday", "extra": true})");
  const auto errors = schema_errors(bad, schema, &root);
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  EXPECT_EQ(errors.size(), 6u) << all;
  EXPECT_EQ(schema_errors(boost::json::parse(R"({"id": "7f7e1b1e-3b4c-4f0e-9b7a-1a2b3c4d5e6f"})"),
                          schema, &root)
                .size(),
            1u);  // n is missing
}

TEST(OpenApiSchemas, ATitleNamesOneSchema) {
  http::Router router;
  const auto handler = [](http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return http::Response{};
  };
  router.add(
      boost::beast::http::verb::get, "/a", http::Access::public_, handler,
      {.doc = openapi::op("a", "A").ok(schema::Object("Thing").field("x", schema::string()))});
  router.add(
      boost::beast::http::verb::get, "/b", http::Access::public_, handler,
      {.doc = openapi::op("b", "B").ok(schema::Object("Thing").field("y", schema::string()))});
  EXPECT_THROW(openapi::document(router), std::logic_error);
}

// /docs without Swagger UI's files says how to install them.
TEST(OpenApiDocs, WithoutAssetsSaysHowToInstallThem) {
  boost::asio::io_context io;
  boost::asio::thread_pool blocking(1);
  http::Router router;
  openapi::add_docs_routes(router, {blocking, "/nonexistent/swagger-ui"});
  const auto match = router.match(boost::beast::http::verb::get, "/docs");
  ASSERT_TRUE(match.route);
  http::Request request;
  request.message.method(boost::beast::http::verb::get);
  request.message.target("/docs");
  auto done = boost::asio::co_spawn(io, match.route->handler(request), boost::asio::use_future);
  io.run();
  const auto response = done.get();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_NE(response.body().find("apt-get install python3-flasgger"), std::string::npos);
  EXPECT_NE(response["Content-Security-Policy"].find("script-src 'self'"), std::string::npos);
  blocking.join();
}

TEST_F(OpenApiTest, DocsServesSwaggerUiUnderAStrictCsp) {
  if (!assets_installed())
    GTEST_SKIP() << "Swagger UI's files are not installed: apt-get install python3-flasgger";
  const auto page = send("GET", "/docs");
  ASSERT_EQ(page.result_int(), 200);
  EXPECT_EQ(page[boost::beast::http::field::content_type], "text/html; charset=utf-8");
  const std::string csp(page["Content-Security-Policy"]);
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_NE(page.body().find("/docs/swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(page.body().find("<script>"), std::string::npos) << "no inline script under the CSP";
  const auto bundle = send("GET", "/docs/swagger-ui-bundle.js");
  EXPECT_EQ(bundle.result_int(), 200);
  EXPECT_EQ(bundle[boost::beast::http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_GT(bundle.body().size(), 100000u);
  const auto css = send("GET", "/docs/swagger-ui.css");
  EXPECT_EQ(css[boost::beast::http::field::content_type], "text/css; charset=utf-8");
  EXPECT_EQ(send("GET", "/docs/crmd-docs.js").result_int(), 200);
  for (const char* target : {"/docs/..%2F..%2F..%2Fetc%2Fpasswd", "/docs/.hidden.js",
                             "/docs/nothing.js", "/docs/README"})
    EXPECT_EQ(send("GET", target).result_int(), 404) << target;
}

TEST_F(OpenApiTest, HeadlessChromiumRendersTheOperations) {
  if (!chromium_installed())
    GTEST_SKIP() << "chromium is not installed (apt-get install chromium): /docs is not rendered";
  if (!assets_installed())
    GTEST_SKIP() << "Swagger UI's files are not installed: apt-get install python3-flasgger";
  const auto profile = fs::temp_directory_path() / unique_name("chromium");
  const auto out =
      run("timeout 100 chromium --headless --no-sandbox --disable-gpu "
          "--disable-dev-shm-usage --no-first-run --user-data-dir=" +
          profile.string() + " --virtual-time-budget=20000 --dump-dom http://127.0.0.1:" +
          std::to_string(server.port()) + "/docs 2>/dev/null");
  std::error_code ignored;
  fs::remove_all(profile, ignored);
  ASSERT_EQ(out.status, 0) << out.text.substr(0, 2000);
  EXPECT_NE(out.text.find("opblock"), std::string::npos) << "no operation rendered:\n"
                                                         << out.text.substr(0, 3000);
  for (const char* text : {"listContacts", "createLead", "/api/v2/contacts/{id}", "getJob"})
    EXPECT_NE(out.text.find(text), std::string::npos) << text;
}

}  // namespace
}  // namespace crmd::test
