#include "domain/contacts/list_query.hpp"

#include <charconv>

#include "domain/common/crypto.hpp"

namespace crmd::contacts {
namespace {

void add(std::string& out, const char* name, const std::vector<std::string>& values) {
  out += name;
  out += '=';
  for (const auto& v : values) out += v + '\x1f';
  out += '\x1e';
}

std::optional<long> number(std::string_view text) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<EmployeeRange> parse_employee_range(std::string_view text) {
  const bool plus = text.ends_with('+');
  if (plus) text.remove_suffix(1);
  const auto separator = text.find_first_of(",-");
  if (plus == (separator != std::string_view::npos)) return std::nullopt;
  auto min = number(text.substr(0, separator));
  if (!min || *min < 0) return std::nullopt;
  if (plus || separator + 1 == text.size()) return EmployeeRange{*min, std::nullopt};
  auto max = number(text.substr(separator + 1));
  if (!max || *max < *min) return std::nullopt;
  return EmployeeRange{*min, *max};
}

std::string ContactListQuery::fingerprint() const {
  std::string text;
  add(text, "q", q ? std::vector<std::string>{*q} : std::vector<std::string>{});
  add(text, "title", titles);
  add(text, "seniority", seniorities);
  add(text, "city", cities);
  add(text, "state", states);
  add(text, "country", countries);
  add(text, "email_status", email_statuses);
  add(text, "company", companies);
  add(text, "industry", industries);
  add(text, "department", departments);
  std::vector<std::string> ranges;
  for (const auto& r : employees)
    ranges.push_back(std::to_string(r.min) + "-" + (r.max ? std::to_string(*r.max) : ""));
  add(text, "employees", ranges);
  std::vector<std::string> ids;
  for (const auto& id : company_ids) ids.push_back(id.str());
  add(text, "company_id", ids);
  ids.clear();
  for (const auto& id : owners) ids.push_back(id.str());
  add(text, "owner", ids);
  for (const auto& [name, t] : {std::pair{"ca", created_after}, std::pair{"cb", created_before},
                                std::pair{"ua", updated_after}, std::pair{"ub", updated_before}})
    add(text, name, t ? std::vector<std::string>{format_rfc3339(*t)} : std::vector<std::string>{});
  text += include_deleted ? "deleted" : "live";
  text += std::to_string(static_cast<int>(order)) + (descending ? "-" : "+");
  return sha256_hex(text).substr(0, 16);
}

std::optional<std::pair<ContactOrder, bool>> parse_ordering(std::string_view text) {
  const bool descending = text.starts_with('-');
  if (descending) text.remove_prefix(1);
  if (text == "created_at") return std::pair{ContactOrder::created_at, descending};
  if (text == "updated_at") return std::pair{ContactOrder::updated_at, descending};
  if (text == "name") return std::pair{ContactOrder::name, descending};
  return std::nullopt;
}

}  // namespace crmd::contacts
