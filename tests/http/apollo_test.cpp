#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class ApolloSearchTest : public test::ApiTest {
 protected:
  test::HttpResponse search(const std::string& url) {
    return send("POST", "/api/v2/apollo/contacts",
                boost::json::serialize(boost::json::object{{"url", url}}));
  }
  std::vector<std::string> names_of(const boost::json::value& body) {
    std::vector<std::string> names;
    for (const auto& c : body.at("results").as_array())
      names.emplace_back(c.at("first_name").as_string());
    return names;
  }
};

TEST_F(ApolloSearchTest, MapsTheUrlRunsTheSearchAndPagesOnThroughTheList) {
  const auto city = test::unique_name("apollocity");
  for (const char* name : {"e1", "e2", "e3"})
    create_at("/api/v2/contacts", {{"first_name", name},
                                   {"title", "CEO"},
                                   {"city", city},
                                   {"state", "California"},
                                   {"country", "United States"}});
  create_at("/api/v2/contacts", {{"first_name", "e4"},
                                 {"title", "Engineer"},
                                 {"city", city},
                                 {"state", "California"},
                                 {"country", "United States"}});
  const auto url =
      "https://app.apollo.io/#/people?personTitles[]=chief%20executive%20officer"
      "&personLocations[]=" +
      city +
      "%2C%20California%2C%20United%20States&sortByField=person_name&sortAscending=true&perPage=2&"
      "finderViewId=x";
  auto response = search(url);
  ASSERT_EQ(response.result_int(), 200) << response.body();
  const auto body = json_of(response);
  EXPECT_EQ(names_of(body), (std::vector<std::string>{"e1", "e2"}));
  EXPECT_EQ(body.at("apollo_url").as_string(), url);
  EXPECT_TRUE(body.at("previous").is_null());
  EXPECT_EQ(body.at("unmapped_parameters").at(0).at("parameter"), "finderViewId");
  EXPECT_GE(body.at("mapping_summary").at("mapped_count").as_int64(), 4);

  auto next = send("GET", path_of(body.at("next")));
  ASSERT_EQ(next.result_int(), 200) << next.body();
  EXPECT_EQ(names_of(json_of(next)), std::vector<std::string>{"e3"});

  // Apollo's page numbers work too, with a way back.
  auto second = json_of(search(url + "&page=2"));
  EXPECT_EQ(names_of(second), std::vector<std::string>{"e3"});
  auto back = send("GET", path_of(second.at("previous")));
  EXPECT_EQ(names_of(json_of(back)), (std::vector<std::string>{"e1", "e2"}));
}

TEST_F(ApolloSearchTest, NotApollosOrMalformedIs422SayingWhy) {
  for (const char* url :
       {"https://example.com/#/people?personTitles[]=CEO", "https://app.apollo.io/#/companies?x=1",
        "not a url at all", "https://app.apollo.io/#/people?personTitles[]=%zz"}) {
    auto response = search(url);
    EXPECT_EQ(response.result_int(), 422) << url;
    EXPECT_EQ(json_of(response).at("error_code"), "invalid_apollo_url") << url;
  }
  EXPECT_EQ(send("POST", "/api/v2/apollo/contacts", R"({"link":"x"})").result_int(), 422);
}

}  // namespace
}  // namespace crmd::http
