#include <future>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class CompaniesTest : public test::ApiTest {
 protected:
  std::string create_company(const boost::json::object& body) {
    return create_at("/api/v2/companies", body);
  }
  std::vector<std::string> names_of(const test::HttpResponse& response, const char* field) {
    EXPECT_EQ(response.result_int(), 200) << response.body();
    std::vector<std::string> names;
    const auto body = json_of(response);
    for (const auto& item : body.at("results").as_array())
      names.emplace_back(item.at(field).as_string());
    return names;
  }
  std::int64_t audit_rows(const std::string& action, const std::string& entity_id) {
    return test::db_query("SELECT count(*) FROM audit_logs WHERE action = $1 AND entity_id = $2",
                          pg::Params(action, entity_id))
        .one()
        .get<std::int64_t>(0);
  }
};

TEST_F(CompaniesTest, CreateReadUpdateWithMetadata) {
  // A domain of this run's own: two live companies cannot share one.
  std::string host = test::unique_name("acme");
  std::replace(host.begin(), host.end(), '_', '-');
  const auto id = create_company({{"name", "Acme, Inc."},
                                  {"domain", "https://www." + host + ".COM/about"},
                                  {"industry", "Aerospace"},
                                  {"employees_min", 11},
                                  {"employees_max", 50},
                                  {"technologies", {"postgresql"}},
                                  {"attributes", {{"founded", 1950}}}});
  auto read = json_of(send("GET", "/api/v2/companies/" + id));
  EXPECT_EQ(read.at("normalized_name"), "acme");
  EXPECT_EQ(read.at("domain").as_string(), host + ".com");
  EXPECT_EQ(read.at("technologies").as_array().size(), 1u);
  EXPECT_EQ(read.at("attributes").at("founded"), 1950);

  auto patched =
      send("PATCH", "/api/v2/companies/" + id, R"({"revenue":1000000,"technologies":null})");
  ASSERT_EQ(patched.result_int(), 200) << patched.body();
  EXPECT_EQ(json_of(patched).at("revenue"), 1000000);
  EXPECT_TRUE(json_of(patched).at("technologies").as_array().empty());
  EXPECT_EQ(json_of(patched).at("industry"), "Aerospace");  // untouched
  EXPECT_EQ(audit_rows("company_updated", id), 1);
}

// A rename locks the company, then (by trigger) its contacts' copy of the
// name; a contact insert naming the company holds only its new row, which
// the rename cannot see, and waits on the company for its foreign key. No
// cycle: every write answers, and every contact ends linked.
TEST_F(CompaniesTest, RenamesAndContactInsertsNamingTheCompanyRunTogether) {
  std::string host = test::unique_name("race");
  std::replace(host.begin(), host.end(), '_', '-');
  const auto company = create_company({{"name", "Race Co"}, {"domain", host + ".com"}});
  const auto writer = [&](bool renames) {
    test::RawClient raw(server.port());
    const std::string headers =
        "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n";
    std::vector<unsigned> statuses;
    for (int i = 0; i < 15; ++i) {
      const auto body = renames ? boost::json::serialize(
                                      boost::json::object{{"name", "Race Co " + std::to_string(i)}})
                                : boost::json::serialize(boost::json::object{
                                      {"first_name", "Racer"}, {"company_domain", host + ".com"}});
      statuses.push_back(raw.request(renames ? "PATCH" : "POST",
                                     renames ? "/api/v2/companies/" + company : "/api/v2/contacts",
                                     body, headers)
                             .result_int());
    }
    return statuses;
  };
  auto renaming = std::async(std::launch::async, writer, true);
  auto inserting = std::async(std::launch::async, writer, false);
  auto inserting_too = std::async(std::launch::async, writer, false);
  for (auto status : renaming.get()) EXPECT_EQ(status, 200u);
  for (auto* inserts : {&inserting, &inserting_too})
    for (auto status : inserts->get()) EXPECT_EQ(status, 201u);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM contacts WHERE company_id = $1",
                           pg::Params(Uuid::parse(company)))
                .one()
                .get<std::int64_t>(0),
            30);
}

TEST_F(CompaniesTest, InvalidFieldsAre422NamingEachOne) {
  auto response =
      send("POST", "/api/v2/companies",
           R"({"id":"x","domain":"not a domain","employees_min":50,"employees_max":10})");
  ASSERT_EQ(response.result_int(), 422);
  std::vector<std::string> fields;
  const auto body = json_of(response);
  for (const auto& e : body.at("errors").as_array()) fields.emplace_back(e.at("field").as_string());
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "name", "domain", "employees_max"}));
  EXPECT_EQ(send("PATCH", "/api/v2/companies/" + Uuid::random_v4().str(), "{}").result_int(), 404);
}

TEST_F(CompaniesTest, DeletingACompanyKeepsItsContactsButUnlinksThemWithAudit) {
  const auto company = create_company({{"name", test::unique_name("Gone")}});
  const auto contact =
      create_at("/api/v2/contacts", {{"first_name", "Kept"}, {"company_id", company}});
  EXPECT_EQ(send("DELETE", "/api/v2/companies/" + company).result_int(), 204);
  EXPECT_EQ(send("GET", "/api/v2/companies/" + company).result_int(), 404);
  EXPECT_EQ(send("GET", "/api/v2/companies/" + company + "/contacts").result_int(), 404);

  auto kept = send("GET", "/api/v2/contacts/" + contact);
  ASSERT_EQ(kept.result_int(), 200);
  EXPECT_TRUE(json_of(kept).at("company_id").is_null());
  EXPECT_EQ(audit_rows("contact_unlinked", contact), 1);
  EXPECT_EQ(audit_rows("company_deleted", company), 1);

  EXPECT_EQ(send("POST", "/api/v2/companies/" + company + "/restore").result_int(), 200);
  EXPECT_EQ(send("GET", "/api/v2/companies/" + company).result_int(), 200);
  EXPECT_EQ(send("POST", "/api/v2/companies/" + company + "/restore").result_int(), 404);
}

TEST_F(CompaniesTest, ListFiltersOrderingAndTheCompanysContacts) {
  const auto tag = test::unique_name("zq");
  const auto small = create_company({{"name", tag + " Small"},
                                     {"employees_min", 1},
                                     {"employees_max", 10},
                                     {"country", "France"}});
  const auto big = create_company({{"name", tag + " Big"}, {"employees_min", 10001}});
  EXPECT_EQ(names_of(send("GET", "/api/v2/companies?ordering=name&q=" + tag), "name"),
            (std::vector<std::string>{tag + " Big", tag + " Small"}));
  EXPECT_EQ(names_of(send("GET", "/api/v2/companies?ordering=-created_at&q=" + tag), "id"),
            (std::vector<std::string>{big, small}));
  EXPECT_EQ(names_of(send("GET", "/api/v2/companies?employees=5001-10000&q=" + tag), "id"),
            std::vector<std::string>{});
  EXPECT_EQ(names_of(send("GET", "/api/v2/companies?employees=5001%2B&q=" + tag), "id"),
            std::vector<std::string>{big});
  EXPECT_EQ(names_of(send("GET", "/api/v2/companies?country=FRANCE&q=" + tag), "id"),
            std::vector<std::string>{small});
  EXPECT_EQ(send("GET", "/api/v2/companies?employees=many").result_int(), 422);

  create_at("/api/v2/contacts", {{"first_name", "In"}, {"company_id", small}});
  create_at("/api/v2/contacts", {{"first_name", "Out"}, {"company_id", big}});
  EXPECT_EQ(names_of(send("GET", "/api/v2/companies/" + small + "/contacts"), "first_name"),
            std::vector<std::string>{"In"});
  // Contacts' full-text search covers their company's name, and follows a rename.
  EXPECT_EQ(names_of(send("GET", "/api/v2/contacts?q=" + tag + "&ordering=name"), "first_name"),
            (std::vector<std::string>{"In", "Out"}));
  send("PATCH", "/api/v2/companies/" + big, R"({"name":"Renamed"})");
  EXPECT_EQ(names_of(send("GET", "/api/v2/contacts?q=" + tag), "first_name"),
            std::vector<std::string>{"In"});
  EXPECT_EQ(names_of(send("GET", "/api/v2/contacts?employees=1-10&q=" + tag), "first_name"),
            std::vector<std::string>{"In"});
}

}  // namespace
}  // namespace crmd::http

namespace crmd::http {
namespace {

TEST_F(CompaniesTest, TwoLiveCompaniesCannotShareADomain) {
  std::string host = test::unique_name("dom");
  std::replace(host.begin(), host.end(), '_', '-');
  const auto domain = host + ".example";
  const auto first = create_at("/api/v2/companies", {{"name", "First"}, {"domain", domain}});
  auto twin =
      send("POST", "/api/v2/companies", R"({"name":"Twin","domain":"WWW.)" + domain + R"("})");
  EXPECT_EQ(twin.result_int(), 409) << twin.body();
  EXPECT_EQ(json_of(twin).at("error_code"), "domain_taken");
  EXPECT_NE(std::string(json_of(twin).at("detail").as_string()).find(first), std::string::npos);

  const auto second = create_at("/api/v2/companies", {{"name", "Second"}});
  EXPECT_EQ(send("PATCH", "/api/v2/companies/" + second, R"({"domain":")" + domain + R"("})")
                .result_int(),
            409);
  // Once the first is deleted the domain is free; restoring it then clashes.
  EXPECT_EQ(send("DELETE", "/api/v2/companies/" + first).result_int(), 204);
  EXPECT_EQ(send("PATCH", "/api/v2/companies/" + second, R"({"domain":")" + domain + R"("})")
                .result_int(),
            200);
  EXPECT_EQ(send("POST", "/api/v2/companies/" + first + "/restore").result_int(), 409);
}

}  // namespace
}  // namespace crmd::http
