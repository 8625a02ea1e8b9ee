#include "storage/contacts/employees_filter.hpp"

#include "storage/sql.hpp"

namespace crmd::storage {

std::string employees_overlap(const std::vector<contacts::EmployeeRange>& ranges,
                              const std::string& table, pg::Params& params) {
  const auto min = "coalesce(" + table + "employees_min, " + table + "employees_max)";
  const auto max = "coalesce(" + table + "employees_max, " + table + "employees_min)";
  std::string condition;
  for (const auto& r : ranges) {
    condition += condition.empty() ? "(" : " OR ";
    condition += "(" + max + " >= " + placeholder(params, static_cast<std::int64_t>(r.min));
    if (r.max)
      condition += " AND " + min + " <= " + placeholder(params, static_cast<std::int64_t>(*r.max));
    condition += ")";
  }
  return condition + ")";
}

}  // namespace crmd::storage
