// API keys do what their scopes grant: on v1 as write keys, on v2 as bearer
// tokens acting as their creator; audited under their name.
#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

config::Config scopes_config() {
  auto config = test::job_config();
  config.contacts_write_key = "scopes-write-key";
  return config;
}

class ApiKeyScopesTest : public test::JobServerTest {
 protected:
  ApiKeyScopesTest() : JobServerTest(scopes_config()) {}

  std::string new_key(const std::vector<std::string>& scopes) {
    boost::json::array list;
    for (const auto& s : scopes) list.emplace_back(s);
    auto created = send("POST", "/api/v2/api-keys",
                        boost::json::serialize(boost::json::object{
                            {"name", test::unique_name("key")}, {"scopes", std::move(list)}}));
    EXPECT_EQ(created.result_int(), 201) << created.body();
    return std::string(json_of(created).at("key").as_string());
  }

  test::HttpResponse with_key(const std::string& key, const std::string& method,
                              const std::string& target, const std::string& body = "",
                              const std::string& type = "application/json") {
    std::string headers = "X-Contacts-Write-Key: " + key + "\r\n";
    if (!body.empty()) headers += "Content-Type: " + type + "\r\n";
    return client.request(method, target, body, headers);
  }

  // An upload refused on its headers closes its connection: one of its own.
  test::HttpResponse import_with_key(const std::string& key, const std::string& csv) {
    test::RawClient own(server.port());
    return own.request("POST", "/api/v1/contacts/import/", csv,
                       "X-Contacts-Write-Key: " + key + "\r\nContent-Type: text/csv\r\n");
  }

  test::HttpResponse as_bearer(const std::string& key, const std::string& method,
                               const std::string& target, const std::string& body = "") {
    std::string headers = "Authorization: Bearer " + key + "\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    return client.request(method, target, body, headers);
  }

  std::string contact_path() {
    return "/api/v1/contacts/" + create_at("/api/v2/contacts", {{"first_name", "Scoped"}}) + "/";
  }
};

void expect_insufficient(const test::HttpResponse& response, std::string_view scope) {
  EXPECT_EQ(response.result_int(), 403) << response.body();
  if (response.result_int() != 403) return;
  const auto body = json_of(response);
  EXPECT_EQ(body.at("error_code"), "insufficient_scope");
  EXPECT_NE(std::string(body.at("detail").as_string()).find(scope), std::string::npos);
}

TEST_F(ApiKeyScopesTest, AReadOnlyKeyReadsV1ButWritesNothing) {
  const auto key = new_key({"contacts:read"});
  const auto path = contact_path();
  EXPECT_EQ(with_key(key, "GET", "/api/v1/contacts/").result_int(), 200);
  EXPECT_EQ(with_key(key, "GET", path).result_int(), 200);

  expect_insufficient(with_key(key, "POST", "/api/v1/contacts/", R"({"first_name":"No"})"),
                      "contacts:write");
  expect_insufficient(with_key(key, "PUT", path, R"({"first_name":"No"})"), "contacts:write");
  expect_insufficient(with_key(key, "PATCH", path, R"({"first_name":"No"})"), "contacts:write");
  expect_insufficient(with_key(key, "DELETE", path), "contacts:write");
  expect_insufficient(
      with_key(key, "POST", "/api/v1/contacts/batch/", R"({"items":[{"first_name":"No"}]})"),
      "contacts:write");
  expect_insufficient(import_with_key(key, "first_name\nNo\n"), "contacts:import");
  EXPECT_EQ(json_of(send("GET", path)).at("first_name"), "Scoped");  // nothing changed
}

TEST_F(ApiKeyScopesTest, WriteGrantsReadAndTheConfiguredKeyHasEveryContactsScope) {
  const auto writer = new_key({"contacts:write"});
  EXPECT_EQ(with_key(writer, "GET", "/api/v1/contacts/").result_int(), 200);
  EXPECT_EQ(with_key(writer, "POST", "/api/v1/contacts/", R"({"first_name":"Yes"})").result_int(),
            201);
  expect_insufficient(import_with_key(writer, "first_name\nNo\n"), "contacts:import");

  auto imported = import_with_key("scopes-write-key", "first_name\nYes\n");
  ASSERT_EQ(imported.result_int(), 202) << imported.body();
  const std::string location(imported[beast_http::field::location]);
  EXPECT_EQ(with_key("scopes-write-key", "GET", location).result_int(), 200);
}

TEST_F(ApiKeyScopesTest, UnknownScopesAreRefused) {
  auto created = send("POST", "/api/v2/api-keys",
                      R"({"name":"bad","scopes":["contacts:read","deals:launch"]})");
  EXPECT_EQ(created.result_int(), 422) << created.body();
}

TEST_F(ApiKeyScopesTest, OnV2AKeyActsAsItsCreatorWithinItsScopes) {
  const auto key = new_key({"leads:*", "contacts:read"});
  auto lead = as_bearer(key, "POST", "/api/v2/leads", R"({"title":"From a key"})");
  ASSERT_EQ(lead.result_int(), 201) << lead.body();
  EXPECT_EQ(as_bearer(key, "GET", "/api/v2/contacts").result_int(), 200);
  expect_insufficient(as_bearer(key, "POST", "/api/v2/contacts", R"({"first_name":"No"})"),
                      "contacts:write");
  expect_insufficient(as_bearer(key, "GET", "/api/v2/companies"), "companies:read");
  // Identity routes never take a key, whatever its scopes.
  auto users = as_bearer(key, "GET", "/api/v2/users");
  EXPECT_EQ(users.result_int(), 403);
  EXPECT_EQ(json_of(users).at("error_code"), "api_key_not_allowed");
  EXPECT_EQ(as_bearer("crmd_00000000_nothing", "GET", "/api/v2/contacts").result_int(), 401);
}

TEST_F(ApiKeyScopesTest, AnImportStartedWithAKeyAnswersToThatKey) {
  const auto key = new_key({"contacts:*", "jobs:read"});
  auto imported = import_with_key(key, "first_name\nKeyed\n");
  ASSERT_EQ(imported.result_int(), 202) << imported.body();
  const std::string location(imported[beast_http::field::location]);
  EXPECT_EQ(with_key(key, "GET", location).result_int(), 200);
  EXPECT_EQ(with_key(new_key({"contacts:*"}), "GET", location).result_int(), 404);
}

TEST_F(ApiKeyScopesTest, WritesWithAKeyAreAuditedUnderItsName) {
  const auto key = new_key({"contacts:write"});
  auto created = with_key(key, "POST", "/api/v1/contacts/", R"({"first_name":"Named"})");
  ASSERT_EQ(created.result_int(), 201);
  auto by_configured =
      with_key("scopes-write-key", "POST", "/api/v1/contacts/", R"({"first_name":"Named"})");
  ASSERT_EQ(by_configured.result_int(), 201);
  auto label = [](const test::HttpResponse& response) {
    return test::db_query("SELECT actor_label FROM audit_logs WHERE entity_id = $1",
                          pg::Params(std::string(json_of(response).at("id").as_string())))
        .one()
        .get<std::optional<std::string>>(0);
  };
  EXPECT_EQ(label(created), "write_key:" + key.substr(5, 8));
  EXPECT_EQ(label(by_configured), "write_key:configured");
}

}  // namespace
}  // namespace crmd::http
