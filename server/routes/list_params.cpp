#include "server/routes/list_params.hpp"

#include "domain/common/error.hpp"

namespace crmd::server::routes {
namespace {

Error invalid(std::string_view name, const std::string& expected) {
  return Error(ErrorKind::validation, "invalid_query_parameter",
               std::string(name) + ": " + expected, {{std::string(name), expected}});
}

}  // namespace

bool is_admin(const http::Request& request) {
  return request.principal && request.principal->role == identity::Role::admin;
}

std::vector<Uuid> uuids(const http::QueryParams& query, std::string_view name) {
  std::vector<Uuid> ids;
  for (const auto& text : query.all(name)) {
    auto id = Uuid::parse(text);
    if (!id) throw invalid(name, "expected UUIDs");
    ids.push_back(*id);
  }
  return ids;
}

std::vector<contacts::EmployeeRange> employee_ranges(const http::QueryParams& query) {
  std::vector<contacts::EmployeeRange> ranges;
  for (const auto& text : query.all("employees")) {
    auto range = contacts::parse_employee_range(text);
    if (!range) throw invalid("employees", "expected ranges such as 11-50 or 10001+");
    ranges.push_back(*range);
  }
  return ranges;
}

bool include_deleted(const http::Request& request) {
  const bool wanted = request.query().boolean("include_deleted", false);
  if (wanted && !is_admin(request))
    throw Error(ErrorKind::forbidden, "forbidden", "include_deleted is for admins");
  return wanted;
}

void read_ordering(const http::QueryParams& query, contacts::ListOrder& order, bool& descending) {
  auto text = query.get("ordering");
  if (!text) return;
  auto parsed = contacts::parse_ordering(*text);
  if (!parsed)
    throw invalid("ordering", "expected created_at, updated_at or name, '-' for descending");
  std::tie(order, descending) = *parsed;
}

}  // namespace crmd::server::routes
