// Input crafted to break the server gets a clear 4xx, never a 500 (the
// fixture fails any test that provokes one) nor a silently cut value.
#include <boost/json/parse.hpp>

#include "api_fixture.hpp"
#include "domain/identity/jwt.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class HostileInputTest : public test::JobServerTest {
 protected:
  void expect_field_error(const test::HttpResponse& response, std::string_view field) {
    ASSERT_EQ(response.result_int(), 422) << response.body();
    const auto body = json_of(response);
    ASSERT_TRUE(body.contains("errors")) << response.body();
    EXPECT_EQ(body.at("errors").at(0).at("field").as_string(), field) << response.body();
  }
};

TEST_F(HostileInputTest, InvalidUtf8OrNulInTheTargetIs400) {
  for (const char* target :
       {"/api/v2/contacts?q=%C0%AF", "/api/v2/companies?q=%FF%FE", "/api/v2/contacts?city=a%00b",
        "/api/v2/leads?q=%ED%A0%80", "/api/v2/contacts/%FF"}) {
    auto response = send("GET", target);
    EXPECT_EQ(response.result_int(), 400) << target << ": " << response.body();
    EXPECT_EQ(json_of(response).at("error_code"), "invalid_encoding") << target;
  }
  EXPECT_EQ(send("GET", "/api/v2/contacts?city=Z%C3%BCrich").result_int(), 200);
}

TEST_F(HostileInputTest, NulInAJsonStringOrKeyIs422NamingTheField) {
  expect_field_error(
      send("POST", "/api/v2/contacts", R"({"first_name":"A","attributes":{"k":"\u0000"}})"),
      "attributes.k");
  expect_field_error(send("POST", "/api/v2/contacts", R"({"first_name":"A\u0000B"})"),
                     "first_name");
  expect_field_error(send("POST", "/api/v2/leads", R"({"title":"\u0000"})"), "title");
  expect_field_error(
      send("POST", "/api/v2/contacts", R"({"first_name":"A","attributes":{"\u0000":"v"}})"),
      "attributes");
  const auto lead = create_at("/api/v2/leads", {{"title", "Tagged"}});
  expect_field_error(send("PUT", "/api/v2/leads/" + lead + "/tags", R"({"tags":["t\u0000x"]})"),
                     "tags[0]");
  EXPECT_EQ(
      test::db_query("SELECT count(*) FROM leads WHERE legal_name = ''").one().get<std::int64_t>(0),
      0);
}

TEST_F(HostileInputTest, ANumberJsonbCannotHoldIs422) {
  expect_field_error(
      send("POST", "/api/v2/contacts", R"({"first_name":"A","attributes":{"k":-1e400}})"),
      "attributes.k");
}

TEST_F(HostileInputTest, ApolloPagesCannotWrapPastTheDepthGuard) {
  // 2^60 + 1: times a page size of 25 it wraps to a small offset in 64 bits.
  auto response =
      send("POST", "/api/v2/apollo/contacts",
           R"({"url":"https://app.apollo.io/#/people?page=1152921504606846977&perPage=16"})");
  EXPECT_EQ(response.result_int(), 422) << response.body();
}

TEST_F(HostileInputTest, LikeWildcardsInTextFiltersAreLiterals) {
  create_at("/api/v2/companies", {{"name", test::unique_name("Plain")}});
  for (const char* target : {"/api/v2/companies?q=%25", "/api/v2/companies?q=_",
                             "/api/v2/leads?q=%25", "/api/v2/contacts?title=%25"}) {
    auto response = send("GET", target);
    ASSERT_EQ(response.result_int(), 200) << target << response.body();
    const auto body = json_of(response);
    for (const auto& row : body.at("results").as_array())
      EXPECT_NE(boost::json::serialize(row).find_first_of("%_"), std::string::npos)
          << target << " matched " << boost::json::serialize(row);
  }
}

TEST_F(HostileInputTest, AnImportMappingWithNulIs422) {
  auto response =
      client.request("POST", "/api/v2/imports/contacts?mapping=%7B%22%5Cu0000%22%3A%22email%22%7D",
                     "email\na@example.com\n",
                     "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n");
  EXPECT_EQ(response.result_int(), 422) << response.body();
}

TEST_F(HostileInputTest, ACsvCellWithNulFailsItsRowAloneAndTheImportGoesOn) {
  const auto good = test::unique_name("good") + "@example.com";
  std::string csv = "first_name,email\nBad";
  csv += '\0';
  csv += "Cell,bad@example.com\nGood," + good + "\n";
  auto accepted =
      client.request("POST", "/api/v2/imports/contacts", csv,
                     "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n");
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const auto job = finished(std::string(accepted[beast_http::field::location]));
  ASSERT_EQ(job.at("status"), "completed") << boost::json::serialize(job);
  EXPECT_EQ(job.at("progress").at("created"), 1);
  EXPECT_EQ(job.at("progress").at("failed"), 1);
}

TEST_F(HostileInputTest, EmailAddressesAreValidatedAsAddresses) {
  for (const char* bad : {"<a@b.com>", "x@<script>.com", "\\\"q\\\"@b.com", "a@-b.com"}) {
    auto response = send("POST", "/api/v2/contacts",
                         std::string(R"({"first_name":"E","email":")") + bad + R"("})");
    EXPECT_EQ(response.result_int(), 422) << bad << ": " << response.body();
  }
  auto idn =
      send("POST", "/api/v2/contacts",
           R"({"first_name":"E","email":")" + test::unique_name("anna") + R"(@m\u00fcnchen.de"})");
  EXPECT_EQ(idn.result_int(), 201) << idn.body();

  auto accepted =
      client.request("POST", "/api/v2/imports/contacts", "first_name,email\nBad,<a@b.com>\n",
                     "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n");
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const auto job = finished(std::string(accepted[beast_http::field::location]));
  EXPECT_EQ(job.at("progress").at("failed"), 1) << boost::json::serialize(job);
}

// A well-formed cursor (right fingerprint) whose key is not a value of its
// ordering: 400 invalid_cursor, decided before any SQL.
TEST_F(HostileInputTest, ACursorKeyItsOrderingCannotReadIs400) {
  // The list's next cursor with its sort key replaced by key.
  const auto forge = [&](const std::string& list, const std::string& key) {
    auto page = send("GET", list);
    EXPECT_EQ(page.result_int(), 200) << page.body();
    const std::string next(json_of(page).at("next").as_string());
    auto parts =
        boost::json::parse(*identity::base64url_decode(next.substr(next.find("cursor=") + 7)))
            .as_array();
    parts[2] = key.c_str();
    return send("GET",
                list + "&cursor=" + identity::base64url_encode(boost::json::serialize(parts)));
  };
  for (int i = 0; i < 2; ++i) create_at("/api/v2/contacts", {{"first_name", "Cursor"}});
  create_at("/api/v2/leads", {{"title", "Cursor lead"}});
  create_at("/api/v2/leads", {{"title", "Cursor lead 2"}});
  for (const auto& [list, key] :
       {std::pair{"/api/v2/contacts?limit=1", "not a date"},
        std::pair{"/api/v2/leads/sales-view?limit=1", "1e9|yesterday"},
        std::pair{"/api/v2/audit?entity_type=lead&limit=1", "12 OR 1=1"}}) {
    auto forged = forge(list, key);
    EXPECT_EQ(forged.result_int(), 400) << list << ": " << forged.body();
    EXPECT_EQ(json_of(forged).at("error_code"), "invalid_cursor") << list;
  }
}

}  // namespace
}  // namespace crmd::http
