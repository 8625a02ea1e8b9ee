// The head-count filter shared by the contact and company lists.
#pragma once

#include <string>
#include <vector>

#include "domain/contacts/list_query.hpp"
#include "storage/pg/params.hpp"

namespace crmd::storage {

// A condition true for companies (columns prefixed by table, e.g. "c.")
// whose employees_min..employees_max overlaps one of the ranges; a
// missing bound on the company takes the other one.
std::string employees_overlap(const std::vector<contacts::EmployeeRange>& ranges,
                              const std::string& table, pg::Params& params);

}  // namespace crmd::storage
