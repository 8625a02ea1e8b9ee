#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

config::Config v1_config() {
  auto config = test::api_config();
  config.contacts_write_key = "v1-write-key";
  return config;
}

class ContactsV1Test : public test::ApiTest {
 protected:
  ContactsV1Test() : ApiTest(v1_config()) {}

  test::HttpResponse with_key(const std::string& method, const std::string& target,
                              const std::string& body = "",
                              const std::string& key = "v1-write-key") {
    std::string headers = "X-Contacts-Write-Key: " + key + "\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    return client.request(method, target, body, headers);
  }
};

TEST_F(ContactsV1Test, KeyPathsCreateReadReplacePatchDelete) {
  const auto email = test::unique_name("v1") + "@example.com";
  EXPECT_EQ(with_key("POST", "/api/v1/contacts/", R"({"first_name":"No"})", "wrong").result_int(),
            403);
  EXPECT_EQ(client
                .request("POST", "/api/v1/contacts/", R"({"first_name":"No"})",
                         "Content-Type: application/json\r\n")
                .result_int(),
            401);
  // A bearer token reads v1 but does not write it.
  EXPECT_EQ(send("POST", "/api/v1/contacts/", R"({"first_name":"No"})").result_int(), 401);

  auto created = with_key("POST", "/api/v1/contacts/",
                          R"({"first_name":"Val","email":")" + email + R"(","city":"Oslo"})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const std::string id(json_of(created).at("id").as_string());
  const auto path = "/api/v1/contacts/" + id + "/";
  EXPECT_EQ(with_key("GET", path).result_int(), 200);
  // Same JSON as v2.
  EXPECT_EQ(json_of(send("GET", path)), json_of(send("GET", "/api/v2/contacts/" + id)));
  auto listed = json_of(with_key("GET", "/api/v1/contacts/?city=Oslo&q=Val"));
  EXPECT_FALSE(listed.at("results").as_array().empty());

  auto replaced = with_key("PUT", path, R"({"first_name":"Val","title":"CTO"})");
  ASSERT_EQ(replaced.result_int(), 200) << replaced.body();
  EXPECT_TRUE(json_of(replaced).at("city").is_null());  // left out: cleared
  EXPECT_TRUE(json_of(replaced).at("email").is_null());
  EXPECT_EQ(json_of(replaced).at("seniority"), "c_suite");

  auto patched = with_key("PATCH", path, R"({"city":"Bergen"})");
  EXPECT_EQ(json_of(patched).at("title"), "CTO");  // kept
  EXPECT_EQ(with_key("PATCH", path, R"({"owner_user_id":null})").result_int(), 422);
  EXPECT_EQ(with_key("DELETE", path).result_int(), 204);
  EXPECT_EQ(with_key("GET", path).result_int(), 404);
}

TEST_F(ContactsV1Test, BatchUpsertsByEmailAndReportsEachItem) {
  const auto known = test::unique_name("known") + "@example.com";
  const auto fresh = test::unique_name("fresh") + "@example.com";
  ASSERT_EQ(
      with_key("POST", "/api/v1/contacts/", R"({"first_name":"Old","email":")" + known + R"("})")
          .result_int(),
      201);
  const auto body = R"({"contacts":[
      {"first_name":"New","email":")" +
                    fresh + R"("},
      {"first_name":"Updated","email":")" +
                    known + R"("},
      {"email":"not-an-email"},
      {"first_name":"Twin","email":")" +
                    fresh + R"("},
      {"first_name":"Lost","company_id":")" +
                    Uuid::random_v4().str() + R"("},
      {"first_name":"NoEmail"}]})";
  auto response = with_key("POST", "/api/v1/contacts/batch/", body);
  ASSERT_EQ(response.result_int(), 200) << response.body();
  const auto result = json_of(response);
  std::vector<std::string> statuses;
  for (const auto& item : result.at("results").as_array())
    statuses.emplace_back(item.at("status").as_string());
  EXPECT_EQ(statuses,
            (std::vector<std::string>{"created", "updated", "error", "error", "error", "created"}));
  EXPECT_EQ(result.at("created"), 2);
  EXPECT_EQ(result.at("updated"), 1);
  EXPECT_EQ(result.at("failed"), 3);
  EXPECT_EQ(result.at("results").at(4).at("errors").at(0).at("field"), "company_id");

  const auto names = test::db_query(
      "SELECT string_agg(first_name, ',' ORDER BY first_name) FROM contacts"
      " WHERE email IN ($1, $2) AND deleted_at IS NULL",
      pg::Params(known, fresh));
  EXPECT_EQ(names.one().get<std::string>(0), "New,Updated");

  // Running the same batch again creates nothing new by e-mail.
  auto again = json_of(with_key("POST", "/api/v1/contacts/batch/", body));
  EXPECT_EQ(again.at("results").at(0).at("status"), "updated");

  EXPECT_EQ(with_key("POST", "/api/v1/contacts/batch/", R"({"contacts":[]})").result_int(), 422);
  std::string too_many = R"({"contacts":[)";
  for (int i = 0; i <= 1000; ++i) too_many += std::string(i ? "," : "") + R"({"first_name":"x"})";
  EXPECT_EQ(with_key("POST", "/api/v1/contacts/batch/", too_many + "]}").result_int(), 422);
}

}  // namespace
}  // namespace crmd::http

namespace crmd::http {
namespace {

TEST_F(ContactsV1Test, WritesNameTheirCompanyByNameOrDomain) {
  std::string host = test::unique_name("named");
  std::replace(host.begin(), host.end(), '_', '-');
  const auto name = "Named " + host + " GmbH";
  auto first = with_key("POST", "/api/v1/contacts/",
                        R"({"first_name":"A","company":")" + name +
                            R"(","company_domain":"https://)" + host + R"(.example/x"})");
  ASSERT_EQ(first.result_int(), 201) << first.body();
  const auto company = json_of(first).at("company_id");
  ASSERT_TRUE(company.is_string());
  EXPECT_EQ(test::db_query("SELECT count(*) FROM audit_logs WHERE entity_id = $1 AND action ="
                           " 'company_created'",
                           pg::Params(std::string(company.as_string())))
                .one()
                .get<std::int64_t>(0),
            1);
  // Found again by domain (v2), by normalized name (the v1 batch).
  auto by_domain = send("POST", "/api/v2/contacts",
                        R"({"first_name":"B","company_domain":")" + host + R"(.example"})");
  ASSERT_EQ(by_domain.result_int(), 201) << by_domain.body();
  EXPECT_EQ(json_of(by_domain).at("company_id"), company);
  auto batch =
      with_key("POST", "/api/v1/contacts/batch/",
               R"({"contacts":[{"first_name":"C","company":"named )" + host + R"( gmbh"}]})");
  ASSERT_EQ(batch.result_int(), 200) << batch.body();
  const std::string created(json_of(batch).at("results").at(0).at("id").as_string());
  EXPECT_EQ(json_of(send("GET", "/api/v2/contacts/" + created)).at("company_id"), company);
  // company_id wins over a name.
  const auto other = create_at("/api/v2/companies", {{"name", test::unique_name("Other")}});
  auto explicit_id =
      send("POST", "/api/v2/contacts",
           R"({"first_name":"D","company_id":")" + other + R"(","company":")" + name + R"("})");
  ASSERT_EQ(explicit_id.result_int(), 201);
  EXPECT_EQ(json_of(explicit_id).at("company_id").as_string(), other);
  EXPECT_EQ(send("POST", "/api/v2/contacts", R"({"first_name":"E","company_domain":"not a host"})")
                .result_int(),
            422);
}

// A sales user changes its own contacts and unowned ones, nobody else's.
TEST_F(ContactsV1Test, SalesUsersChangeOwnAndUnownedContactsOnly) {
  auto sales_token = [&] {
    const auto email = test::unique_name("seller") + "@crmd.test";
    create_at("/api/v2/users", {{"email", email},
                                {"password", "password-for-" + email},
                                {"role", "sales"},
                                {"name", "Seller"}});
    auto login = send("POST", "/api/v2/auth/login",
                      R"({"email":")" + email + R"(","password":"password-for-)" + email + R"("})");
    return std::string(json_of(login).at("access_token").as_string());
  };
  const auto ann = sales_token(), bob = sales_token();
  auto as = [&](const std::string& who, const std::string& method, const std::string& target,
                const std::string& body = "") {
    return client.request(method, target, body,
                          "Authorization: Bearer " + who + "\r\n" +
                              (body.empty() ? "" : "Content-Type: application/json\r\n"));
  };
  auto created = as(ann, "POST", "/api/v2/contacts", R"({"first_name":"Anns"})");
  ASSERT_EQ(created.result_int(), 201);
  const std::string anns(json_of(created).at("id").as_string());
  auto unowned = with_key("POST", "/api/v1/contacts/", R"({"first_name":"Nobodys"})");
  ASSERT_EQ(unowned.result_int(), 201);
  const std::string nobodys(json_of(unowned).at("id").as_string());

  EXPECT_EQ(as(ann, "PATCH", "/api/v2/contacts/" + anns, R"({"city":"Oslo"})").result_int(), 200);
  auto refused = as(bob, "PATCH", "/api/v2/contacts/" + anns, R"({"city":"Rome"})");
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_EQ(json_of(refused).at("error_code"), "not_owner");
  EXPECT_EQ(as(bob, "POST", "/api/v2/contacts/" + anns + "/methods",
               R"({"type":"phone","value":"+4712345678"})")
                .result_int(),
            403);
  EXPECT_EQ(as(bob, "PATCH", "/api/v2/contacts/" + nobodys, R"({"city":"Rome"})").result_int(),
            200);
  EXPECT_EQ(json_of(send("GET", "/api/v2/contacts/" + anns)).at("city"), "Oslo");
}

}  // namespace
}  // namespace crmd::http
