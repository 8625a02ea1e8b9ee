// Apollo people-search URLs (https://app.apollo.io/#/people?...) mapped to
// crmd's contact filters. The query sits after the '#' fragment; each
// parameter is categorised, mapped when crmd has the filter, and otherwise
// reported as unmapped with the reason.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/contacts/list_query.hpp"

namespace crmd::contacts {

// The filters of GET /api/v2/contacts that an Apollo URL can fill.
struct ApolloFilters {
  std::optional<std::string> q;
  std::vector<std::string> titles;
  std::vector<std::string> seniorities;
  std::vector<std::string> departments;
  std::vector<std::string> industries;
  std::vector<std::string> cities;
  std::vector<std::string> states;
  std::vector<std::string> countries;
  std::vector<std::string> email_statuses;
  std::vector<std::string> companies;
  std::vector<EmployeeRange> employees;
  std::optional<long> page;
  std::optional<long> limit;
  std::optional<std::string> ordering;  // created_at, updated_at, name; '-' for descending
};

struct ApolloParameter {
  std::string name;
  std::string category;  // person, organization, paging, sorting, view
  std::vector<std::string> values;
  std::string note;  // what it mapped to, or why it did not
};

struct ApolloSearch {
  ApolloFilters filters;
  std::vector<ApolloParameter> mapped;
  std::vector<ApolloParameter> unmapped;
};

// Throws Error{validation} saying why when the URL is malformed, not
// Apollo's, or not a people search.
ApolloSearch map_apollo_url(std::string_view url);

// The contact-list query the filters describe (paging aside).
ContactListQuery list_query_of(const ApolloFilters& filters);

// What mapped to what, and what did not map and why, for the response.
boost::json::object mapping_summary(const ApolloSearch& search);
boost::json::array unmapped_parameters(const ApolloSearch& search);

}  // namespace crmd::contacts
