#include <gtest/gtest.h>

#include "domain/contacts/company.hpp"

namespace crmd::contacts {
namespace {

TEST(CompanyNames, NormalizeAwayCaseAndPunctuationAndLegalForms) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"Acme, Inc.", "acme"},
      {"ACME Inc", "acme"},
      {"  Acme   Rockets  GmbH ", "acme rockets"},
      {"O'Brien & Sons Ltd", "obrien sons"},
      {"Inc", "inc"},  // only a legal form: kept
      {"Société Générale SA", "société générale"},
      {"3M Co.", "3m"},
  };
  for (const auto& [name, expected] : cases)
    EXPECT_EQ(normalize_company_name(name), expected) << name;
}

TEST(CompanyDomains, NormalizeToTheHostName) {
  EXPECT_EQ(normalize_domain("https://www.Acme.com/about?x=1"), "acme.com");
  EXPECT_EQ(normalize_domain("acme.co.uk."), "acme.co.uk");
  EXPECT_EQ(normalize_domain("not a domain"), std::nullopt);
  EXPECT_EQ(normalize_domain("localhost"), std::nullopt);
  EXPECT_EQ(normalize_domain("a..b"), std::nullopt);
}

TEST(EmployeeRanges, ParseEveryForm) {
  EXPECT_EQ(parse_employee_range("11-50"), (EmployeeRange{11, 50}));
  EXPECT_EQ(parse_employee_range("11,50"), (EmployeeRange{11, 50}));
  EXPECT_EQ(parse_employee_range("10001+"), (EmployeeRange{10001, std::nullopt}));
  EXPECT_EQ(parse_employee_range("10001,"), (EmployeeRange{10001, std::nullopt}));
  for (const char* bad : {"", "50", "50-10", "a-b", "-5", "5+-", "1-2-3"})
    EXPECT_EQ(parse_employee_range(bad), std::nullopt) << bad;
}

TEST(CompanyPayload, AbsentNullAndValueAreThreeThings) {
  auto changes = parse_company(boost::json::parse(R"({"industry":null,"city":"Paris"})"), false);
  EXPECT_FALSE(changes.name.has_value());
  ASSERT_TRUE(changes.industry.has_value());
  EXPECT_FALSE(changes.industry->has_value());
  EXPECT_EQ(changes.city, std::optional<std::string>("Paris"));
  EXPECT_THROW(parse_company(boost::json::parse(R"({"city":"Paris"})"), true), Error);
}

}  // namespace
}  // namespace crmd::contacts
