#include <chrono>
#include <thread>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class CompanyMatchesTest : public test::ApiTest {
 protected:
  std::size_t found(const std::string& query) {
    return json_of(send("GET", "/api/v2/contacts?" + query)).at("results").as_array().size();
  }
  // Waits (boundedly) until the list shows n contacts: the cache of company
  // matches is emptied by a NOTIFY, a moment after the change commits.
  bool shows(const std::string& query, std::size_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (found(query) == n) return true;
      std::this_thread::yield();
    }
    return false;
  }
  std::string tag = test::unique_name("cm");
};

// The companies a company filter matches are kept between requests; a
// company created, renamed or deleted afterwards changes the answer all the
// same.
TEST_F(CompanyMatchesTest, CachedMatchesFollowChangesOfCompanies) {
  const auto query = "company=" + tag + "&industry=Robotics";
  EXPECT_EQ(found(query), 0u);  // now cached: no company matches

  const auto company =
      create_at("/api/v2/companies", {{"name", tag + " Works"}, {"industry", "Robotics"}});
  create_at("/api/v2/contacts",
            {{"first_name", "Ana"}, {"email", tag + "@example.com"}, {"company_id", company}});
  EXPECT_TRUE(shows(query, 1));

  send("PATCH", "/api/v2/companies/" + company, R"({"industry": "Farming"})");
  EXPECT_TRUE(shows(query, 0));
  EXPECT_TRUE(shows("company=" + tag + "&industry=Farming", 1));

  EXPECT_EQ(send("DELETE", "/api/v2/companies/" + company).result_int(), 204);
  EXPECT_TRUE(shows("company=" + tag, 0));
}

}  // namespace
}  // namespace crmd::http
