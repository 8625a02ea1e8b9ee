// A company: its JSON form, the validation of what clients send, the
// normalized name and domain by which imports find it again, and the
// filters of its list.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/fields.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/json_text.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "domain/contacts/list_query.hpp"

namespace crmd::contacts {

struct Company {
  Uuid id;
  std::string name;
  std::string normalized_name;
  std::optional<std::string> domain;
  std::optional<std::string> industry;
  std::optional<std::int64_t> employees_min, employees_max;
  std::optional<std::string> city, state, country;
  std::vector<std::string> technologies;
  std::optional<std::int64_t> revenue;
  boost::json::object attributes;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> deleted_at;
};

// sp: the storage of the answer being built (see json_of).
boost::json::object to_json(const Company& company, const boost::json::storage_ptr& sp = {});
// The same JSON as text, for an answer.
void write_json(JsonText& out, const Company& company);
// The schema of to_json(Company), and of what POST (creating) and PATCH take.
schema::Schema json_schema(std::type_identity<Company>);
schema::Schema company_input_schema(bool creating);

struct CompanyChanges {
  Change<std::string> name, domain, industry, city, state, country;
  Change<std::int64_t> employees_min, employees_max, revenue;
  Change<std::vector<std::string>> technologies;
  Change<boost::json::object> attributes;
};

// For POST (a name is required) and PATCH. Throws Error{validation} naming
// every unknown or invalid field.
CompanyChanges parse_company(const boost::json::value& body, bool creating);

// "Acme, Inc." and "ACME Inc" → "acme": lower case, punctuation dropped,
// single spaces, a trailing legal form (inc, llc, ltd, gmbh...) removed.
std::string normalize_company_name(std::string_view name);

// "https://www.Acme.com/about" → "acme.com"; nullopt when not a host name.
std::optional<std::string> normalize_domain(std::string_view text);

inline constexpr std::array<Ordering, 3> kCompanyOrderings{{
    {"created_at", "c.created_at", SortKeyType::timestamp},
    {"updated_at", "c.updated_at", SortKeyType::timestamp},
    {"name", "c.normalized_name", SortKeyType::text},
}};

struct CompanyListQuery {
  std::optional<std::string> q;    // a fragment of the name or the domain
  std::vector<std::string> names;  // whole names, compared normalized ("acme" = "ACME, Inc.")
  std::vector<std::string> domains, industries, cities, states, countries;
  std::vector<EmployeeRange> employees;
  std::optional<Timestamp> created_after, created_before, updated_after, updated_before;
  bool include_deleted = false;
  SortOrder order{&kCompanyOrderings[0]};

  std::string fingerprint() const;
};

}  // namespace crmd::contacts
