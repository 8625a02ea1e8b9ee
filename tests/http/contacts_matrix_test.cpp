// Every filter of the contact list against every ordering, over a seeded
// set with ties in each sort key: walking all pages must give exactly the
// rows a model of the filter selects, in the model's order.
#include <algorithm>
#include <functional>

#include "api_fixture.hpp"
#include "domain/contacts/titles.hpp"

namespace crmd::http {
namespace {

using test::json_of;

struct SeedCompany {
  std::string name, industry;
  int employees_min, employees_max;
  std::string id;
};

struct SeedContact {
  std::string first_name, title, seniority, department, city, email_status;
  int company;  // index in companies, -1 for none
  int created_hours, updated_hours;
  Uuid id;
};

class ContactMatrixTest : public test::ApiTest {
 protected:
  ContactMatrixTest() {
    companies = {{tag + " Alpha Rockets", "Aerospace", 1, 10, ""},
                 {tag + " Beta Foods", "Food", 51, 200, ""},
                 {tag + " Gamma Rockets", "Aerospace", 5001, 10000, ""}};
    for (auto& c : companies)
      c.id = test::db_query(
                 "INSERT INTO companies (name, normalized_name, industry, employees_min,"
                 " employees_max) VALUES ($1, lower($1), $2, $3, $4) RETURNING id::text",
                 pg::Params(c.name, c.industry, c.employees_min, c.employees_max))
                 .one()
                 .get<std::string>(0);
    const char* titles[] = {"CEO", "VP Sales", "Software Engineer"};
    const char* seniorities[] = {"c_suite", "vp", "entry"};
    const char* departments[] = {"sales", "engineering"};
    const char* statuses[] = {"verified", "unverified", "bounced"};
    for (int i = 0; i < 24; ++i) {
      SeedContact c{"n" + std::to_string(10 + i % 9),  // names repeat: ties
                    titles[i % 3],
                    seniorities[i % 3],
                    departments[i % 2],
                    i % 4 == 0 ? "Lyon" : "Oslo",
                    statuses[i % 3],
                    i % 5 == 4 ? -1 : i % 3,
                    i / 3,         // three rows per created_at
                    (23 - i) / 2,  // two rows per updated_at
                    {}};
      const auto company =
          c.company < 0 ? std::optional<std::string>() : std::optional(companies[c.company].id);
      c.id = test::db_query(
                 "INSERT INTO contacts (first_name, last_name, title, normalized_title, seniority,"
                 " departments, city, country, email_status, company_id, created_at, updated_at)"
                 " VALUES ($1, 'x', $2, $3, $4, ARRAY[$5], $6, $7, $8, $9::uuid,"
                 " '2020-01-01Z'::timestamptz + make_interval(hours => $10),"
                 " '2021-01-01Z'::timestamptz + make_interval(hours => $11)) RETURNING id",
                 pg::Params(c.first_name, c.title, contacts::normalize_title(c.title), c.seniority,
                            c.department, c.city, tag, c.email_status, company, c.created_hours,
                            c.updated_hours))
                 .one()
                 .get<Uuid>(0);
      seeded.push_back(c);
    }
  }

  // Every id of the list, following next links with small pages.
  std::vector<Uuid> walk(const std::string& filters, const std::string& ordering) {
    std::vector<Uuid> ids;
    std::string path =
        "/api/v2/contacts?limit=4&country=" + tag + "&ordering=" + ordering + filters;
    for (int pages = 0; pages < 20; ++pages) {
      auto response = send("GET", path);
      EXPECT_EQ(response.result_int(), 200) << path << response.body();
      if (response.result_int() != 200) break;
      const auto body = json_of(response);
      for (const auto& c : body.at("results").as_array())
        ids.push_back(*Uuid::parse(c.at("id").as_string()));
      if (body.at("next").is_null()) break;
      path = path_of(body.at("next"));
    }
    return ids;
  }

  std::vector<Uuid> expected(const std::function<bool(const SeedContact&)>& keep,
                             const std::string& ordering) {
    std::vector<SeedContact> rows;
    std::copy_if(seeded.begin(), seeded.end(), std::back_inserter(rows), keep);
    const bool descending = ordering.starts_with('-');
    const auto field = descending ? ordering.substr(1) : ordering;
    std::sort(rows.begin(), rows.end(), [&](const SeedContact& a, const SeedContact& b) {
      auto key = [&](const SeedContact& c) {
        if (field == "created_at") return std::to_string(1000 + c.created_hours);
        if (field == "updated_at") return std::to_string(1000 + c.updated_hours);
        return c.first_name;
      };
      const auto left = std::make_pair(key(a), a.id);
      const auto right = std::make_pair(key(b), b.id);
      return descending ? right < left : left < right;
    });
    std::vector<Uuid> ids;
    for (const auto& r : rows) ids.push_back(r.id);
    return ids;
  }

  std::string tag = test::unique_name("matrix");
  std::vector<SeedCompany> companies;
  std::vector<SeedContact> seeded;
};

TEST_F(ContactMatrixTest, EveryFilterUnderEveryOrderingPagesToTheModelsRows) {
  const auto at_company = [](std::vector<int> indexes) {
    return [indexes](const SeedContact& c) {
      return std::find(indexes.begin(), indexes.end(), c.company) != indexes.end();
    };
  };
  const std::vector<std::pair<std::string, std::function<bool(const SeedContact&)>>> filters{
      {"", [](const SeedContact&) { return true; }},
      {"&title=Vice%20President%20of%20Sales", [](auto& c) { return c.title == "VP Sales"; }},
      {"&seniority=c_suite&seniority=entry", [](auto& c) { return c.seniority != "vp"; }},
      {"&department=engineering", [](auto& c) { return c.department == "engineering"; }},
      {"&city=lyon", [](auto& c) { return c.city == "Lyon"; }},
      {"&email_status=verified", [](auto& c) { return c.email_status == "verified"; }},
      {"&company=rockets", at_company({0, 2})},
      {"&industry=food", at_company({1})},
      {"&employees=1-10&employees=10001%2B", at_company({0})},
      {"&employees=100-6000", at_company({1, 2})},
      {"&company_id=" + companies[1].id, at_company({1})},
      {"&q=engineer", [](auto& c) { return c.title == "Software Engineer"; }},
      {"&created_after=2020-01-01T03:00:00Z&created_before=2020-01-01T05:00:00Z",
       [](auto& c) { return c.created_hours >= 3 && c.created_hours < 5; }},
      {"&updated_after=2021-01-01T08:00:00Z", [](auto& c) { return c.updated_hours >= 8; }},
      {"&title=ceo&city=oslo&company=rockets",
       [](auto& c) {
         return c.title == "CEO" && c.city == "Oslo" && (c.company == 0 || c.company == 2);
       }},
  };
  for (const char* ordering :
       {"created_at", "-created_at", "updated_at", "-updated_at", "name", "-name"}) {
    for (const auto& [query, keep] : filters) {
      const auto want = expected(keep, ordering);
      EXPECT_FALSE(want.empty()) << query;
      EXPECT_EQ(walk(query, ordering), want) << "filters " << query << " ordering " << ordering;
    }
  }
}

}  // namespace
}  // namespace crmd::http
