// The filters and ordering of GET /api/v2/contacts, and the fingerprint a
// cursor carries so that it only works for the query it came from.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/ordering.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd::contacts {

// A company head-count range, as in "11-50" or "10001+".
struct EmployeeRange {
  long min = 0;
  std::optional<long> max;  // none: and up
  friend bool operator==(const EmployeeRange&, const EmployeeRange&) = default;
};

// "11-50", "11,50" (Apollo's form), "10001+" or "10001,"; nullopt otherwise.
std::optional<EmployeeRange> parse_employee_range(std::string_view text);

// Contacts sort as `c`: the list and the export read them under that name.
inline constexpr std::array<Ordering, 3> kContactOrderings{{
    {"created_at", "c.created_at", SortKeyType::timestamp},
    {"updated_at", "c.updated_at", SortKeyType::timestamp},
    {"name", "lower(c.full_name)", SortKeyType::text},
}};

struct ContactListQuery {
  std::optional<std::string> q;
  std::vector<std::string> titles;  // matched against normalized titles
  std::vector<std::string> seniorities, departments, cities, states, countries, email_statuses;
  std::vector<std::string> emails;         // exact, case-insensitive
  std::vector<std::string> email_domains;  // the part after '@', case-insensitive
  std::vector<std::string> companies;      // fragments of the company's name
  std::vector<std::string> industries;     // the company's industry
  std::vector<EmployeeRange> employees;    // the company's head count
  std::vector<Uuid> company_ids, owners;
  std::optional<Timestamp> created_after, created_before, updated_after, updated_before;
  bool include_deleted = false;
  SortOrder order{&kContactOrderings[0]};

  // Canonical text of everything above: equal queries, equal fingerprints.
  std::string fingerprint() const;
  // The query string of GET /api/v2/contacts that selects the same rows
  // in the same order ("title=cto&ordering=-name").
  std::string query_string() const;
};

// The canonical text of a list query's filters, digested: equal queries
// give equal fingerprints.
class Fingerprint {
 public:
  Fingerprint& add(const char* name, const std::vector<std::string>& values);
  Fingerprint& add(const char* name, const std::optional<std::string>& value);
  Fingerprint& add(const char* name, const std::vector<Uuid>& values);
  Fingerprint& add(const char* name, const std::optional<Timestamp>& value);
  Fingerprint& add(const char* name, const std::vector<EmployeeRange>& values);
  Fingerprint& add(const char* name, bool value);
  Fingerprint& add(const SortOrder& order);
  std::string digest() const;

 private:
  std::string text_;
};

}  // namespace crmd::contacts
