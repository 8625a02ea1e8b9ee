#include "domain/contacts/list_params.hpp"

#include "domain/common/error.hpp"

namespace crmd::contacts {

std::vector<EmployeeRange> employee_ranges(const QueryParams& query) {
  std::vector<EmployeeRange> ranges;
  for (const auto& text : query.all("employees")) {
    auto range = parse_employee_range(text);
    if (!range)
      throw invalid_query_parameter("employees", "expected ranges such as 11-50 or 10001+");
    ranges.push_back(*range);
  }
  return ranges;
}

const std::array<std::string_view, 22> kListParameters{"q",
                                                       "title",
                                                       "seniority",
                                                       "department",
                                                       "city",
                                                       "state",
                                                       "country",
                                                       "email_status",
                                                       "email",
                                                       "email_domain",
                                                       "company",
                                                       "industry",
                                                       "employees",
                                                       "company_id",
                                                       "owner",
                                                       "created_after",
                                                       "created_before",
                                                       "updated_after",
                                                       "updated_before",
                                                       "ordering",
                                                       "include_deleted",
                                                       "count"};

ContactListQuery contact_list_query(const QueryParams& query) {
  ContactListQuery q;
  q.q = query.get("q");
  q.titles = query.all("title");
  q.seniorities = query.all("seniority");
  q.departments = query.all("department");
  q.cities = query.all("city");
  q.states = query.all("state");
  q.countries = query.all("country");
  q.email_statuses = query.all("email_status");
  q.emails = query.all("email");
  q.email_domains = query.all("email_domain");
  q.companies = query.all("company");
  q.industries = query.all("industry");
  q.employees = employee_ranges(query);
  q.company_ids = query.uuids("company_id");
  q.owners = query.uuids("owner");
  q.created_after = query.timestamp("created_after");
  q.created_before = query.timestamp("created_before");
  q.updated_after = query.timestamp("updated_after");
  q.updated_before = query.timestamp("updated_before");
  q.order = read_ordering(query, kContactOrderings);
  return q;
}

}  // namespace crmd::contacts
