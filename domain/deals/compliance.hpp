// A stage's compliance checklist: the deal fields that must be filled in
// for a deal to be in that stage, and which of them a deal is missing.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/json_schema.hpp"

namespace crmd::deals {

// Fields are deal fields (title, value, currency, expected_close_date,
// contact_id, company_id, owner_id, probability, lost_reason) or
// "custom_fields.<key>", a key of 1 to 64 of [A-Za-z0-9_].
struct Checklist {
  std::vector<std::string> fields;
};

inline constexpr std::size_t kMaxChecklistFields = 50;

// An array of distinct such names, at most kMaxChecklistFields. Throws
// Error{validation} naming field_name, or field_name[i] for a bad item.
Checklist parse_checklist(const boost::json::value& value, std::string_view field_name);
boost::json::array to_json(const Checklist& checklist);
schema::Schema json_schema(std::type_identity<Checklist>);

// The checklist's fields the deal (its JSON form) lacks, in checklist order:
// absent, null or a blank string; a custom field also when the deal has no
// custom_fields object, and by its "value" when it is an object (Pipedrive's
// monetary and address fields). Zero is a value.
std::vector<std::string> missing_fields(const Checklist& checklist,
                                        const boost::json::object& deal);

}  // namespace crmd::deals
