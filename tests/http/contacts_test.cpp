#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <map>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class ContactsTest : public test::ApiTest {
 protected:
  std::string create(const boost::json::object& body) {
    return create_at("/api/v2/contacts", body);
  }
};

TEST_F(ContactsTest, CreateReadUpdateDeleteRestore) {
  const auto email = test::unique_name("ann") + "@example.com";
  const auto id = create({{"first_name", "Ann"},
                          {"last_name", "Lee"},
                          {"email", email},
                          {"title", "VP Sales"},
                          {"departments", {"sales"}}});
  auto read = json_of(send("GET", "/api/v2/contacts/" + id));
  EXPECT_EQ(read.at("full_name"), "Ann Lee");
  EXPECT_EQ(read.at("normalized_title"), "vice president sales");
  EXPECT_EQ(read.at("seniority"), "vp");
  EXPECT_TRUE(read.at("owner_user_id").is_string());  // the creator

  auto patched = send("PATCH", "/api/v2/contacts/" + id, R"({"city":"Lyon","phone":null})");
  ASSERT_EQ(patched.result_int(), 200) << patched.body();
  EXPECT_EQ(json_of(patched).at("city"), "Lyon");

  EXPECT_EQ(send("DELETE", "/api/v2/contacts/" + id).result_int(), 204);
  EXPECT_EQ(send("GET", "/api/v2/contacts/" + id).result_int(), 404);
  EXPECT_EQ(send("GET", "/api/v2/contacts/" + id + "?include_deleted=true").result_int(), 200);
  EXPECT_EQ(send("POST", "/api/v2/contacts/" + id + "/restore").result_int(), 200);
  EXPECT_EQ(send("GET", "/api/v2/contacts/" + id).result_int(), 200);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM audit_logs WHERE entity_type = 'contact'"
                           " AND entity_id = $1",
                           pg::Params(id))
                .one()
                .get<std::int64_t>(0),
            4);
}

TEST_F(ContactsTest, DuplicateLiveEmailIs409ButADeletedOneFreesIt) {
  const auto email = test::unique_name("dup") + "@example.com";
  const auto first = create({{"email", email}});
  auto duplicate = send("POST", "/api/v2/contacts", R"({"email":")" + email + R"("})");
  EXPECT_EQ(duplicate.result_int(), 409);
  EXPECT_EQ(send("DELETE", "/api/v2/contacts/" + first).result_int(), 204);
  create({{"email", email}});
}

TEST_F(ContactsTest, UnknownReadOnlyAndInvalidFieldsAre422NamingThem) {
  auto response = send("POST", "/api/v2/contacts",
                       R"({"id":"x","created_at":"y","email":"nope","email_status":"great"})");
  EXPECT_EQ(response.result_int(), 422);
  std::vector<std::string> fields;
  const auto body = json_of(response);
  for (const auto& e : body.at("errors").as_array()) fields.emplace_back(e.at("field").as_string());
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "created_at", "email", "email_status"}));
  EXPECT_EQ(send("POST", "/api/v2/contacts", "{}").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/contacts/not-a-uuid").result_int(), 404);
  EXPECT_EQ(send("PATCH", "/api/v2/contacts/" + Uuid::random_v4().str(), "{}").result_int(), 404);
}

TEST_F(ContactsTest, AnUnknownCompanyIs422) {
  auto response = send("POST", "/api/v2/contacts",
                       R"({"first_name":"Bo","company_id":")" + Uuid::random_v4().str() + R"("})");
  EXPECT_EQ(response.result_int(), 422);
}

}  // namespace
}  // namespace crmd::http

namespace crmd::http {
namespace {

class ContactListTest : public ContactsTest {
 protected:
  // Contacts of a city of their own, so other tests' rows never show.
  std::string city = test::unique_name("city");

  std::vector<std::string> names_of(const test::HttpResponse& response) {
    std::vector<std::string> names;
    const auto body = json_of(response);
    for (const auto& c : body.at("results").as_array())
      names.emplace_back(c.at("first_name").as_string());
    return names;
  }
};

TEST_F(ContactListTest, PagesForwardAndBackAcrossInsertsWithoutGapsOrRepeats) {
  for (const char* name : {"a1", "a2", "a3", "a4", "a5"})
    create({{"first_name", name}, {"city", city}});
  const auto base = "/api/v2/contacts?ordering=name&limit=2&city=" + city;
  auto first = send("GET", base);
  ASSERT_EQ(first.result_int(), 200) << first.body();
  EXPECT_EQ(names_of(first), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_TRUE(json_of(first).at("previous").is_null());

  // Rows inserted before the cursor do not shift the next page.
  create({{"first_name", "a0"}, {"city", city}});
  auto second = send("GET", path_of(json_of(first).at("next")));
  EXPECT_EQ(names_of(second), (std::vector<std::string>{"a3", "a4"}));
  auto third = send("GET", path_of(json_of(second).at("next")));
  EXPECT_EQ(names_of(third), (std::vector<std::string>{"a5"}));
  EXPECT_TRUE(json_of(third).at("next").is_null());

  auto back = send("GET", path_of(json_of(third).at("previous")));
  EXPECT_EQ(names_of(back), (std::vector<std::string>{"a3", "a4"}));
  auto back_again = send("GET", path_of(json_of(back).at("previous")));
  EXPECT_EQ(names_of(back_again), (std::vector<std::string>{"a1", "a2"}));
  auto start = send("GET", path_of(json_of(back_again).at("previous")));
  EXPECT_EQ(names_of(start), (std::vector<std::string>{"a0"}));
  EXPECT_TRUE(json_of(start).at("previous").is_null());
}

TEST_F(ContactListTest, DescendingOrderAndFilters) {
  create({{"first_name", "b1"}, {"city", city}, {"title", "VP Sales"}});
  create({{"first_name", "b2"}, {"city", city}, {"title", "Engineer"}});
  EXPECT_EQ(names_of(send("GET", "/api/v2/contacts?ordering=-name&city=" + city)),
            (std::vector<std::string>{"b2", "b1"}));
  EXPECT_EQ(
      names_of(send("GET", "/api/v2/contacts?title=Vice%20President%20of%20Sales&city=" + city)),
      std::vector<std::string>{"b1"});
  EXPECT_EQ(names_of(send("GET", "/api/v2/contacts?seniority=vp&city=" + city)),
            std::vector<std::string>{"b1"});
  auto counted = json_of(send("GET", "/api/v2/contacts?limit=1&count=true&city=" + city));
  EXPECT_EQ(counted.at("count"), 2);
  EXPECT_FALSE(json_of(send("GET", "/api/v2/contacts?limit=1&city=" + city)).contains("count"));
  EXPECT_EQ(send("GET", "/api/v2/contacts?ordering=shoe_size").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/contacts?company_id=nope").result_int(), 422);
}

TEST_F(ContactListTest, CompanyNameAndIndustryFilters) {
  const auto company =
      test::db_query(
          "INSERT INTO companies (name, normalized_name, industry)"
          " VALUES ('Acme Rockets', 'acme rockets', 'Aerospace') RETURNING id::text")
          .one()
          .get<std::string>(0);
  create({{"first_name", "d1"}, {"city", city}, {"company_id", company}});
  create({{"first_name", "d2"}, {"city", city}});
  EXPECT_EQ(names_of(send("GET", "/api/v2/contacts?company=ROCK&city=" + city)),
            std::vector<std::string>{"d1"});
  EXPECT_EQ(names_of(send("GET", "/api/v2/contacts?industry=aerospace&city=" + city)),
            std::vector<std::string>{"d1"});
  EXPECT_TRUE(names_of(send("GET", "/api/v2/contacts?company=zzz&city=" + city)).empty());
}

TEST_F(ContactListTest, ACursorFromAnotherQueryOrTamperedIsRefused) {
  for (const char* name : {"c1", "c2", "c3"}) create({{"first_name", name}, {"city", city}});
  auto first = send("GET", "/api/v2/contacts?ordering=name&limit=1&city=" + city);
  const std::string next(json_of(first).at("next").as_string());
  const auto cursor = next.substr(next.find("cursor=") + 7);
  EXPECT_EQ(
      send("GET", "/api/v2/contacts?ordering=-name&limit=1&city=" + city + "&cursor=" + cursor)
          .result_int(),
      400);
  auto tampered = cursor;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(
      send("GET", "/api/v2/contacts?ordering=name&limit=1&city=" + city + "&cursor=" + tampered)
          .result_int(),
      400);
}

}  // namespace
}  // namespace crmd::http

namespace crmd::http {
namespace {

class ContactMethodsTest : public ContactsTest {};

TEST_F(ContactMethodsTest, AddPromoteUpdateAndRemoveWithOnePrimaryPerType) {
  const auto contact = create({{"first_name", "Meth"}});
  const auto base = "/api/v2/contacts/" + contact + "/methods";
  const auto first =
      create_at(base, {{"type", "email"}, {"value", "A@Example.com"}, {"is_primary", true}});
  const auto second =
      create_at(base, {{"type", "email"}, {"value", "b@example.com"}, {"is_primary", true}});
  create_at(base, {{"type", "phone"}, {"value", "+33 1 23"}, {"is_primary", true}});

  auto listed = json_of(send("GET", base));
  std::map<std::string, bool> primary;
  for (const auto& m : listed.at("results").as_array())
    primary[std::string(m.at("value").as_string())] = m.at("is_primary").as_bool();
  EXPECT_EQ(primary, (std::map<std::string, bool>{
                         {"a@example.com", false}, {"b@example.com", true}, {"+33 1 23", true}}));

  auto promoted = send("PATCH", base + "/" + first, R"({"is_primary":true,"label":"work"})");
  ASSERT_EQ(promoted.result_int(), 200) << promoted.body();
  EXPECT_EQ(json_of(promoted).at("label"), "work");
  EXPECT_EQ(test::db_query("SELECT count(*) FROM contact_methods WHERE contact_id = $1"
                           " AND type = 'email' AND is_primary",
                           pg::Params(contact))
                .one()
                .get<std::int64_t>(0),
            1);

  EXPECT_EQ(send("PATCH", base + "/" + second, R"({"value":"not an email"})").result_int(), 422);
  EXPECT_EQ(send("POST", base, R"({"type":"fax","value":"1"})").result_int(), 422);
  EXPECT_EQ(send("DELETE", base + "/" + second).result_int(), 204);
  EXPECT_EQ(send("DELETE", base + "/" + second).result_int(), 404);
  // A method is only reached through its own contact.
  const auto other = create({{"first_name", "Other"}});
  EXPECT_EQ(send("DELETE", "/api/v2/contacts/" + other + "/methods/" + first).result_int(), 404);
  EXPECT_EQ(send("DELETE", "/api/v2/contacts/" + contact).result_int(), 204);
  EXPECT_EQ(send("GET", base).result_int(), 404);
}

}  // namespace
}  // namespace crmd::http
