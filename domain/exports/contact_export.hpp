// What an export of contacts selects (given ids, or the filters and ordering
// of the contacts list), as kept in the job's payload, and the columns of
// the file it writes.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "domain/contacts/list_query.hpp"

namespace crmd::exports {

// More ids than this are a filter's work, not a list's.
constexpr std::size_t kMaxExportIds = 10000;

struct ContactSelection {
  std::vector<Uuid> ids;  // when not empty: these live contacts, and only the ids apply
  contacts::ContactListQuery query;
};

boost::json::object to_json(const ContactSelection& selection);
// The selection a payload holds; std::invalid_argument when it is not one.
ContactSelection contact_selection_from_json(const boost::json::value& json);

// The header row. Every column but id, created_at and updated_at names a
// field the importer maps back to the same field, so an export re-imports.
const std::vector<std::string>& export_columns();

}  // namespace crmd::exports
