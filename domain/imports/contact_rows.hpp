// From CSV rows to contacts: which column is which (the header names of the
// common CRM exports, or an explicit mapping), and one row's validation
// into the contact and company it describes. Columns crmd has no field for
// go to the contact's metadata under their header name.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/contacts/contact.hpp"
#include "domain/contacts/list_query.hpp"
#include "domain/imports/csv_reader.hpp"

namespace crmd::imports {

enum class Field {
  first_name,
  last_name,
  full_name,  // split into first and last when those are absent
  title,
  seniority,
  departments,  // comma-separated in the cell
  email,
  email_status,
  phone,
  linkedin_url,
  city,
  state,
  country,
  company_name,
  company_domain,
  company_industry,
  company_employees,  // a count ("250") or a range ("51-200")
  metadata,
  ignored,  // crmd's own read-only columns (id, created_at, updated_at) of an export
};

// The field a header names ("First Name", "first_name", "Person Linkedin
// Url", "# Employees"...), case, space and punctuation aside; nullopt for
// one crmd does not know (its column goes to metadata).
std::optional<Field> field_of_header(std::string_view header);

// The field of each column. overrides (header → field name, e.g.
// {"Mail": "email"}) come first; Error{validation} for an override naming no
// field or no column, and for a header with no e-mail and no name column.
struct HeaderMapping {
  std::vector<Field> fields;
  std::vector<std::string> headers;
};
HeaderMapping map_header(const std::vector<std::string>& header,
                         const std::map<std::string, std::string>& overrides = {});

struct ContactRow {
  std::uint64_t line = 0;
  contacts::ContactChanges contact;
  std::optional<std::string> company_name;
  std::optional<std::string> company_domain;  // normalized host name
  std::optional<std::string> company_industry;
  std::optional<contacts::EmployeeRange> company_employees;
  boost::json::object metadata;
};

struct RowError {
  std::uint64_t line = 0;
  std::string field;  // empty for the row as a whole
  std::string code;   // malformed_row, wrong_field_count, invalid_value, missing_identity
  std::string message;
  std::string excerpt;
};

// One record: the contact it describes, or why it cannot be imported.
std::variant<ContactRow, RowError> map_row(const HeaderMapping& mapping, const CsvRecord& record);

}  // namespace crmd::imports
