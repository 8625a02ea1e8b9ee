#include <gtest/gtest.h>

#include "domain/common/error.hpp"
#include "domain/imports/contact_rows.hpp"

namespace crmd::imports {
namespace {

CsvRecord record(std::vector<std::string> fields, std::uint64_t line = 2) {
  return {line, std::move(fields), std::nullopt, "excerpt"};
}

TEST(ImportHeaders, CommonExportsMapCaseSpaceAndPunctuationAside) {
  const std::vector<std::pair<std::string, Field>> cases{
      {"First Name", Field::first_name},
      {"first_name", Field::first_name},
      {"LAST NAME", Field::last_name},
      {"Title", Field::title},
      {"Email", Field::email},
      {"E-mail Address", Field::email},
      {"Company", Field::company_name},
      {"Company Domain", Field::company_domain},
      {"# Employees", Field::company_employees},
      {"Industry", Field::company_industry},
      {"City", Field::city},
      {"State/Region", Field::state},
      {"Country", Field::country},
      {"Person Linkedin Url", Field::linkedin_url},
      {"Email Status", Field::email_status},
      {"Job Title", Field::title},
      {"Phone Number", Field::phone},
      {"Website", Field::company_domain},
  };
  for (const auto& [header, field] : cases) EXPECT_EQ(field_of_header(header), field) << header;
  EXPECT_EQ(field_of_header("Favourite Colour"), std::nullopt);
}

TEST(ImportHeaders, OverridesComeFirstAndBadOnesAreRefused) {
  auto mapping = map_header({"Mail", "Who"}, {{"Mail", "email"}, {"Who", "full_name"}});
  EXPECT_EQ(mapping.fields, (std::vector<Field>{Field::email, Field::full_name}));
  EXPECT_THROW(map_header({"Mail"}, {{"Mail", "shoe_size"}}), Error);
  EXPECT_THROW(map_header({"Mail"}, {{"Missing", "email"}}), Error);
  EXPECT_THROW(map_header({"Colour", "Size"}), Error);  // no name, no e-mail
}

TEST(ImportRows, AGoodRowMapsContactCompanyAndMetadata) {
  const auto mapping = map_header({"First Name", "Last Name", "Email", "Title", "Company",
                                   "Company Domain", "# Employees", "Email Status", "Colour"});
  auto result = map_row(mapping, record({" Ann ", "Lee", "ANN@Acme.com", "VP Sales", "Acme Inc",
                                         "https://www.acme.com", "51-200", "Verified", "blue"}));
  ASSERT_TRUE(std::holds_alternative<ContactRow>(result));
  const auto& row = std::get<ContactRow>(result);
  EXPECT_EQ(row.contact.first_name, std::optional<std::string>("Ann"));
  EXPECT_EQ(row.contact.email, std::optional<std::string>("ann@acme.com"));
  EXPECT_EQ(row.contact.email_status, std::optional<std::string>("verified"));
  EXPECT_EQ(row.company_name, "Acme Inc");
  EXPECT_EQ(row.company_domain, "acme.com");
  EXPECT_EQ(row.company_employees, (contacts::EmployeeRange{51, 200}));
  EXPECT_EQ(row.metadata.at("Colour"), "blue");
}

TEST(ImportRows, FullNameSplitsAndCountsReadAsRanges) {
  const auto mapping = map_header({"Name", "Employees"});
  const auto row = std::get<ContactRow>(map_row(mapping, record({"Jean Paul Sartre", "1,200"})));
  EXPECT_EQ(row.contact.first_name, std::optional<std::string>("Jean"));
  EXPECT_EQ(row.contact.last_name, std::optional<std::string>("Paul Sartre"));
  EXPECT_EQ(row.company_employees, (contacts::EmployeeRange{1200, 1200}));
  const auto employees = [&](const char* cell) {
    return std::get<ContactRow>(map_row(mapping, record({"Bo", cell}))).company_employees;
  };
  EXPECT_EQ(employees("250"), (contacts::EmployeeRange{250, 250}));
  EXPECT_EQ(employees("12,345,678"), (contacts::EmployeeRange{12345678, 12345678}));
  EXPECT_EQ(employees("51-200"), (contacts::EmployeeRange{51, 200}));
  EXPECT_EQ(employees("10001+"), (contacts::EmployeeRange{10001, std::nullopt}));
  for (const char* odd : {"1,2345", "1,20", ",200", "lots"})
    EXPECT_EQ(employees(odd), std::nullopt) << odd;  // kept in metadata instead
}

TEST(ImportRows, BadRowsSayWhy) {
  const auto mapping = map_header({"Email", "First Name"});
  const auto error_of = [&](CsvRecord r) { return std::get<RowError>(map_row(mapping, r)); };
  EXPECT_EQ(error_of(record({"not-an-email", "Bo"})).field, "email");
  EXPECT_EQ(error_of(record({"not-an-email", "Bo"})).code, "invalid_value");
  EXPECT_EQ(error_of(record({"a@b.co"})).code, "wrong_field_count");
  EXPECT_EQ(error_of(record({"", ""})).code, "missing_identity");
  auto malformed = record({"x"}, 7);
  malformed.error = "a quote inside an unquoted field";
  const auto error = error_of(malformed);
  EXPECT_EQ(error.code, "malformed_row");
  EXPECT_EQ(error.line, 7u);
  EXPECT_EQ(error.excerpt, "excerpt");
}

}  // namespace
}  // namespace crmd::imports
