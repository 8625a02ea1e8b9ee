#include "domain/imports/contact_rows.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <cctype>

#include "domain/common/error.hpp"
#include "domain/common/storable_text.hpp"
#include "domain/contacts/company.hpp"
#include "domain/exports/csv_writer.hpp"

namespace crmd::imports {
namespace {

// Header names as found in Apollo, HubSpot, Salesforce and plain exports,
// reduced by key_of() ("First Name" → "firstname").
const std::map<std::string, Field, std::less<>>& known_headers() {
  static const std::map<std::string, Field, std::less<>> table{
      {"firstname", Field::first_name},
      {"givenname", Field::first_name},
      {"lastname", Field::last_name},
      {"surname", Field::last_name},
      {"familyname", Field::last_name},
      {"name", Field::full_name},
      {"fullname", Field::full_name},
      {"contactname", Field::full_name},
      {"title", Field::title},
      {"jobtitle", Field::title},
      {"position", Field::title},
      {"seniority", Field::seniority},
      {"departments", Field::departments},
      {"department", Field::departments},
      {"email", Field::email},
      {"emailaddress", Field::email},
      {"workemail", Field::email},
      {"emailstatus", Field::email_status},
      {"phone", Field::phone},
      {"phonenumber", Field::phone},
      {"workdirectphone", Field::phone},
      {"mobilephone", Field::phone},
      {"corporatephone", Field::phone},
      {"personlinkedinurl", Field::linkedin_url},
      {"linkedinurl", Field::linkedin_url},
      {"linkedin", Field::linkedin_url},
      {"city", Field::city},
      {"state", Field::state},
      {"stateregion", Field::state},
      {"region", Field::state},
      {"country", Field::country},
      {"countryregion", Field::country},
      {"company", Field::company_name},
      {"companyname", Field::company_name},
      {"accountname", Field::company_name},
      {"organization", Field::company_name},
      {"organizationname", Field::company_name},
      {"companydomain", Field::company_domain},
      {"website", Field::company_domain},
      {"companywebsite", Field::company_domain},
      {"domain", Field::company_domain},
      {"industry", Field::company_industry},
      {"companyindustry", Field::company_industry},
      {"employees", Field::company_employees},
      {"numberofemployees", Field::company_employees},
      {"companysize", Field::company_employees},
      {"employeecount", Field::company_employees},
      {"id", Field::ignored},
      {"createdat", Field::ignored},
      {"updatedat", Field::ignored},
  };
  return table;
}

const std::map<std::string, Field, std::less<>>& field_names() {
  static const std::map<std::string, Field, std::less<>> table{
      {"first_name", Field::first_name},
      {"last_name", Field::last_name},
      {"full_name", Field::full_name},
      {"title", Field::title},
      {"seniority", Field::seniority},
      {"departments", Field::departments},
      {"email", Field::email},
      {"email_status", Field::email_status},
      {"phone", Field::phone},
      {"linkedin_url", Field::linkedin_url},
      {"city", Field::city},
      {"state", Field::state},
      {"country", Field::country},
      {"company_name", Field::company_name},
      {"company_domain", Field::company_domain},
      {"company_industry", Field::company_industry},
      {"company_employees", Field::company_employees},
      {"metadata", Field::metadata},
  };
  return table;
}

// Lower-case letters and digits only; "#" reads as "number of".
std::string key_of(std::string_view header) {
  std::string key;
  for (char c : header) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      key += static_cast<char>(std::tolower(u));
    else if (c == '#')
      key += "numberof";
  }
  return key;
}

const char* json_key(Field field) {
  switch (field) {
    case Field::first_name:
      return "first_name";
    case Field::last_name:
      return "last_name";
    case Field::title:
      return "title";
    case Field::seniority:
      return "seniority";
    case Field::email:
      return "email";
    case Field::email_status:
      return "email_status";
    case Field::phone:
      return "phone";
    case Field::linkedin_url:
      return "linkedin_url";
    case Field::city:
      return "city";
    case Field::state:
      return "state";
    case Field::country:
      return "country";
    default:
      return nullptr;
  }
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "Likely to engage" → "likely_to_engage".
std::string status_of(std::string_view text) {
  std::string status;
  for (char c : text)
    status +=
        c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return status;
}

// A count ("250", "1,200" with thousands separators) or a range ("51-200",
// "10001+"). In a file a comma groups thousands; Apollo's "1,10" ranges are
// a URL form only.
std::optional<contacts::EmployeeRange> employees_of(std::string_view text) {
  // Digit groups: the first of 1-3 digits, every later one of 3.
  std::string digits;
  bool count = !text.empty() && text.size() <= 11;
  std::size_t group = 0;
  for (char c : text) {
    if (c == ',') {
      count = count && group >= 1 && (digits.size() == group ? group <= 3 : group == 3);
      group = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
      ++group;
    } else {
      count = false;
    }
  }
  count = count && (digits.size() == group || group == 3);
  if (count) {
    const long n = std::stol(digits);
    return contacts::EmployeeRange{n, n};
  }
  if (text.find(',') != std::string_view::npos) return std::nullopt;
  return contacts::parse_employee_range(text);
}

RowError row_error(const CsvRecord& record, std::string field, std::string code,
                   std::string message) {
  // Both are stored with the error: what the database cannot hold is replaced.
  return {record.line, storable_copy(field), std::move(code), std::move(message),
          storable_copy(record.excerpt)};
}

}  // namespace

std::optional<Field> field_of_header(std::string_view header) {
  const auto& table = known_headers();
  if (auto it = table.find(key_of(header)); it != table.end()) return it->second;
  return std::nullopt;
}

HeaderMapping map_header(const std::vector<std::string>& header,
                         const std::map<std::string, std::string>& overrides) {
  std::vector<FieldError> errors;
  HeaderMapping mapping;
  for (const auto& [column, name] : overrides) {
    if (std::find(header.begin(), header.end(), column) == header.end())
      errors.push_back({"mapping", "no column named \"" + column + "\""});
    if (!field_names().contains(name))
      errors.push_back({"mapping", "\"" + name + "\" is not a contact field"});
  }
  for (const auto& name : header) {
    auto field = Field::metadata;
    if (auto it = overrides.find(name); it != overrides.end()) {
      if (auto named = field_names().find(it->second); named != field_names().end())
        field = named->second;
    } else if (auto known = field_of_header(name)) {
      field = *known;
    }
    mapping.fields.push_back(field);
    mapping.headers.push_back(trimmed(name));
  }
  const auto has = [&](Field f) {
    return std::find(mapping.fields.begin(), mapping.fields.end(), f) != mapping.fields.end();
  };
  if (!has(Field::email) && !has(Field::first_name) && !has(Field::last_name) &&
      !has(Field::full_name))
    errors.push_back({"file", "the header has no e-mail and no name column"});
  if (!errors.empty())
    throw Error(ErrorKind::validation, "invalid_import", errors.front().message, errors);
  return mapping;
}

std::variant<ContactRow, RowError> map_row(const HeaderMapping& mapping, const CsvRecord& record) {
  if (record.error) return row_error(record, "", "malformed_row", *record.error);
  if (record.fields.size() != mapping.fields.size())
    return row_error(record, "", "wrong_field_count",
                     "expected " + std::to_string(mapping.fields.size()) + " fields, found " +
                         std::to_string(record.fields.size()));
  ContactRow row;
  row.line = record.line;
  boost::json::object contact;
  std::optional<std::string> full_name;
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    auto value = trimmed(exports::restored(record.fields[i]));
    if (value.empty()) continue;
    if (!storable(value))
      return row_error(record, mapping.headers[i], "invalid_value",
                       "contains a NUL character or invalid UTF-8");
    const auto field = mapping.fields[i];
    if (field == Field::email_status) {
      // crmd's statuses; another exporter's word for one stays in metadata.
      static const std::array<std::string_view, 6> kStatuses{
          "verified", "unverified", "likely_to_engage", "unavailable", "bounced", "unknown"};
      auto status = status_of(value);
      if (status == "valid") status = "verified";
      if (std::find(kStatuses.begin(), kStatuses.end(), status) == kStatuses.end()) {
        row.metadata[mapping.headers[i]] = value;
        continue;
      }
      value = status;
    }
    if (const char* key = json_key(field)) {
      contact[key] = value;
      continue;
    }
    switch (field) {
      case Field::full_name:
        full_name = value;
        break;
      case Field::ignored:
        break;
      case Field::departments: {
        boost::json::array departments;
        std::size_t start = 0;
        while (start <= value.size()) {
          const auto comma = value.find(',', start);
          auto part = trimmed(std::string_view(value).substr(start, comma - start));
          if (!part.empty()) departments.emplace_back(part);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        contact["departments"] = std::move(departments);
        break;
      }
      case Field::company_name:
        row.company_name = value;
        break;
      case Field::company_domain:
        row.company_domain = contacts::normalize_domain(value);
        if (!row.company_domain) row.metadata[mapping.headers[i]] = value;
        break;
      case Field::company_industry:
        row.company_industry = value;
        break;
      case Field::company_employees:
        row.company_employees = employees_of(value);
        if (!row.company_employees) row.metadata[mapping.headers[i]] = value;
        break;
      default:
        row.metadata[mapping.headers[i]] = value;
    }
  }
  if (full_name && !contact.contains("first_name") && !contact.contains("last_name")) {
    const auto space = full_name->find(' ');
    contact["first_name"] = full_name->substr(0, space);
    if (space != std::string::npos) contact["last_name"] = trimmed(full_name->substr(space + 1));
  }
  try {
    row.contact = contacts::parse_contact(contact, true, false);
  } catch (const Error& e) {
    const auto& first = e.fields().front();
    const bool identity = first.message.starts_with("a contact needs");
    return row_error(
        record, identity ? "" : first.field, identity ? "missing_identity" : "invalid_value",
        identity ? "the row has no name and no e-mail" : first.field + " " + first.message);
  }
  return row;
}

}  // namespace crmd::imports
