// Query parameters the list routes share: ids, head-count ranges,
// include_deleted (admins only) and ordering.
#pragma once

#include <string_view>
#include <vector>

#include "domain/contacts/list_query.hpp"
#include "server/http/request.hpp"

namespace crmd::server::routes {

bool is_admin(const http::Request& request);

// Every value of a repeated UUID parameter; 422 naming it for one that is not.
std::vector<Uuid> uuids(const http::QueryParams& query, std::string_view name);

// `employees=11-50&employees=10001+`; 422 for a malformed range.
std::vector<contacts::EmployeeRange> employee_ranges(const http::QueryParams& query);

// `include_deleted=true`, 403 unless the caller is an admin.
bool include_deleted(const http::Request& request);

// `ordering=created_at|updated_at|name`, '-' for descending; 422 otherwise.
void read_ordering(const http::QueryParams& query, contacts::ListOrder& order, bool& descending);

}  // namespace crmd::server::routes
