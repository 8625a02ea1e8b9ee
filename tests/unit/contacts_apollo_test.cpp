#include <gtest/gtest.h>

#include "domain/common/error.hpp"
#include "domain/contacts/apollo.hpp"

namespace crmd::contacts {
namespace {

const std::string kBase = "https://app.apollo.io/#/people?";

ApolloSearch search(const std::string& query) {
  return map_apollo_url(kBase + query);
}

using Strings = std::vector<std::string>;

// One row per parameter Apollo sends: the query, and what must come out.
struct MappingCase {
  const char* name;
  std::string query;
  std::function<void(const ApolloFilters&)> check;
  std::string mapped_to;  // empty: must be reported as unmapped
};

class ApolloParameters : public ::testing::TestWithParam<MappingCase> {};

TEST_P(ApolloParameters, MapOrAreReported) {
  const auto& c = GetParam();
  const auto result = search(c.query);
  if (c.mapped_to.empty()) {
    ASSERT_EQ(result.unmapped.size(), 1u) << c.name;
    EXPECT_TRUE(result.mapped.empty());
    EXPECT_FALSE(result.unmapped[0].note.empty());
  } else {
    ASSERT_EQ(result.mapped.size(), 1u) << c.name;
    EXPECT_EQ(result.mapped[0].note, c.mapped_to);
    EXPECT_TRUE(result.unmapped.empty());
    c.check(result.filters);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ApolloParameters,
    ::testing::Values(
        MappingCase{"titles", "personTitles[]=CEO&personTitles[]=VP%20Sales",
                    [](const ApolloFilters& f) {
                      EXPECT_EQ(f.titles, (Strings{"CEO", "VP Sales"}));
                    },
                    "title"},
        MappingCase{"seniorities", "personSeniorities[]=vp&personSeniorities[]=director",
                    [](const ApolloFilters& f) {
                      EXPECT_EQ(f.seniorities, (Strings{"vp", "director"}));
                    },
                    "seniority"},
        MappingCase{
            "departments", "personDepartmentOrSubdepartments[]=master_sales",
            [](const ApolloFilters& f) { EXPECT_EQ(f.departments, Strings{"master_sales"}); },
            "department"},
        MappingCase{"locations",
                    "personLocations[]=San%20Francisco%2C%20California%2C%20United%20States"
                    "&personLocations[]=Bavaria%2C%20Germany&personLocations[]=France",
                    [](const ApolloFilters& f) {
                      EXPECT_EQ(f.cities, Strings{"San Francisco"});
                      EXPECT_EQ(f.states, (Strings{"California", "Bavaria"}));
                      EXPECT_EQ(f.countries, (Strings{"United States", "Germany", "France"}));
                    },
                    "city/state/country"},
        MappingCase{
            "employees",
            "organizationNumEmployeesRanges[]=1%2C10&organizationNumEmployeesRanges[]=10001%2C",
            [](const ApolloFilters& f) {
              EXPECT_EQ(f.employees, (std::vector<EmployeeRange>{{1, 10}, {10001, std::nullopt}}));
            },
            "employees"},
        MappingCase{"keywords", "qKeywords=saas%20fintech",
                    [](const ApolloFilters& f) { EXPECT_EQ(f.q, "saas fintech"); }, "q"},
        MappingCase{
            "email status", "contactEmailStatusV2[]=verified",
            [](const ApolloFilters& f) { EXPECT_EQ(f.email_statuses, Strings{"verified"}); },
            "email_status"},
        MappingCase{"industries", "qOrganizationKeywordTags[]=software",
                    [](const ApolloFilters& f) { EXPECT_EQ(f.industries, Strings{"software"}); },
                    "industry"},
        MappingCase{"company", "qOrganizationName=Acme",
                    [](const ApolloFilters& f) { EXPECT_EQ(f.companies, Strings{"Acme"}); },
                    "company"},
        MappingCase{"page", "page=3", [](const ApolloFilters& f) { EXPECT_EQ(f.page, 3); }, "page"},
        MappingCase{"page size capped", "perPage=500",
                    [](const ApolloFilters& f) { EXPECT_EQ(f.limit, 100); }, "limit"},
        MappingCase{"sorting", "sortByField=person_name",
                    [](const ApolloFilters& f) { EXPECT_EQ(f.ordering, "name"); }, "ordering"},
        MappingCase{"bad employee range", "organizationNumEmployeesRanges[]=lots", nullptr, ""},
        MappingCase{"organization ids", "organizationIds[]=5f2a", nullptr, ""},
        MappingCase{"saved view", "finderViewId=abc", nullptr, ""},
        MappingCase{"unsupported sort", "sortByField=recommendations_score", nullptr, ""},
        MappingCase{"unknown", "somethingNew=1", nullptr, ""}),
    [](const auto& info) {
      std::string name = info.param.name;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(ApolloSorting, DirectionComesFromSortAscending) {
  auto result = search("sortByField=person_name&sortAscending=false");
  EXPECT_EQ(result.filters.ordering, "-name");
}

void expect_refused(const std::string& url, const std::string& why) {
  try {
    map_apollo_url(url);
    FAIL() << url;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::validation);
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << url << ": " << e.what();
  }
}

TEST(ApolloUrls, NonApolloOrMalformedUrlsAreRefusedSayingWhy) {
  expect_refused("not a url", "not a URL");
  expect_refused("https://example.com/#/people?personTitles[]=CEO", "not an Apollo URL");
  expect_refused("https://app.apollo.io/people?page=1", "no #/people");
  expect_refused("https://app.apollo.io/#/companies?page=1", "not a people search");
  expect_refused("https://app.apollo.io/#/people", "no parameters");
  expect_refused("ftp://app.apollo.io/#/people?page=1", "http");
}

}  // namespace
}  // namespace crmd::contacts
