// The contacts list's filters as read from a query string: by the list
// route, and by an export job from the query its request carried. Every
// malformed value is Error{validation} naming the parameter.
#pragma once

#include <array>
#include <string_view>

#include "domain/common/query_params.hpp"
#include "domain/contacts/list_query.hpp"

namespace crmd::contacts {

// `employees=11-50&employees=10001+`.
std::vector<EmployeeRange> employee_ranges(const QueryParams& query);

// The parameters of the contacts list (filters, ordering, include_deleted
// and count), paging aside.
extern const std::array<std::string_view, 22> kListParameters;

// Every filter and the ordering, include_deleted aside: that one depends on
// who asks.
ContactListQuery contact_list_query(const QueryParams& query);

}  // namespace crmd::contacts
