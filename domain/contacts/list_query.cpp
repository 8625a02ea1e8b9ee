#include "domain/contacts/list_query.hpp"

#include <boost/url/url.hpp>
#include <charconv>

#include "domain/common/crypto.hpp"

namespace crmd::contacts {
namespace {

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

Fingerprint& Fingerprint::add(const char* name, const std::vector<std::string>& values) {
  text_ += name;
  text_ += '=';
  for (const auto& v : values) text_ += v + '\x1f';
  text_ += '\x1e';
  return *this;
}

Fingerprint& Fingerprint::add(const char* name, const std::optional<std::string>& value) {
  return add(name, value ? std::vector<std::string>{*value} : std::vector<std::string>{});
}

Fingerprint& Fingerprint::add(const char* name, const std::vector<Uuid>& values) {
  std::vector<std::string> texts;
  for (const auto& id : values) texts.push_back(id.str());
  return add(name, texts);
}

Fingerprint& Fingerprint::add(const char* name, const std::optional<Timestamp>& value) {
  return add(name, value ? std::optional<std::string>(format_rfc3339(*value)) : std::nullopt);
}

Fingerprint& Fingerprint::add(const char* name, const std::vector<EmployeeRange>& values) {
  std::vector<std::string> texts;
  for (const auto& r : values)
    texts.push_back(std::to_string(r.min) + "-" + (r.max ? std::to_string(*r.max) : ""));
  return add(name, texts);
}

Fingerprint& Fingerprint::add(const char* name, bool value) {
  return add(name, std::optional<std::string>(value ? "1" : "0"));
}

Fingerprint& Fingerprint::add(const SortOrder& order) {
  return add("ordering", std::optional<std::string>(order.text()));
}

std::string Fingerprint::digest() const {
  return sha256_hex(text_).substr(0, 16);
}

std::string ContactListQuery::fingerprint() const {
  return Fingerprint()
      .add("q", q)
      .add("title", titles)
      .add("seniority", seniorities)
      .add("department", departments)
      .add("city", cities)
      .add("state", states)
      .add("country", countries)
      .add("email_status", email_statuses)
      .add("email", emails)
      .add("email_domain", email_domains)
      .add("company", companies)
      .add("industry", industries)
      .add("employees", employees)
      .add("company_id", company_ids)
      .add("owner", owners)
      .add("created_after", created_after)
      .add("created_before", created_before)
      .add("updated_after", updated_after)
      .add("updated_before", updated_before)
      .add("include_deleted", include_deleted)
      .add(order)
      .digest();
}

std::string ContactListQuery::query_string() const {
  boost::urls::url url;
  auto params = url.params();
  const auto add = [&](const char* name, const std::vector<std::string>& values) {
    for (const auto& v : values) params.append({name, v});
  };
  if (q) params.append({"q", *q});
  add("title", titles);
  add("seniority", seniorities);
  add("department", departments);
  add("city", cities);
  add("state", states);
  add("country", countries);
  add("email_status", email_statuses);
  add("email", emails);
  add("email_domain", email_domains);
  add("company", companies);
  add("industry", industries);
  for (const auto& r : employees)
    params.append(
        {"employees", std::to_string(r.min) + (r.max ? "-" + std::to_string(*r.max) : ",")});
  for (const auto& id : company_ids) params.append({"company_id", id.str()});
  for (const auto& id : owners) params.append({"owner", id.str()});
  for (const auto& [name, t] :
       {std::pair{"created_after", created_after}, std::pair{"created_before", created_before},
        std::pair{"updated_after", updated_after}, std::pair{"updated_before", updated_before}})
    if (t) params.append({name, format_rfc3339(*t)});
  if (include_deleted) params.append({"include_deleted", "true"});
  params.append({"ordering", order.text()});
  return std::string(url.encoded_query());
}

}  // namespace crmd::contacts
