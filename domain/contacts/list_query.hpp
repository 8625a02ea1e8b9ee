// The filters and ordering of GET /api/v2/contacts, and the fingerprint a
// cursor carries so that it only works for the query it came from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd::contacts {

enum class ContactOrder { created_at, updated_at, name };

struct ContactListQuery {
  std::optional<std::string> q;
  std::vector<std::string> titles;  // matched against normalized titles
  std::vector<std::string> seniorities, cities, states, countries, email_statuses;
  std::vector<std::string> companies;   // fragments of the company's name
  std::vector<std::string> industries;  // the company's industry
  std::vector<Uuid> company_ids, owners;
  std::optional<Timestamp> created_after, created_before, updated_after, updated_before;
  bool include_deleted = false;
  ContactOrder order = ContactOrder::created_at;
  bool descending = false;

  // Canonical text of everything above: equal queries, equal fingerprints.
  std::string fingerprint() const;
};

// "created_at", "-updated_at", "name"...; nullopt when not one of them.
std::optional<std::pair<ContactOrder, bool>> parse_ordering(std::string_view text);

}  // namespace crmd::contacts
