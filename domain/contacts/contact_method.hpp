// A way to reach a contact beyond its main e-mail and phone: an e-mail,
// phone, LinkedIn or other value with a label; at most one primary per type.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "domain/common/fields.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd::contacts {

inline constexpr std::size_t kMaxMethodsPerContact = 50;

struct ContactMethod {
  Uuid id;
  Uuid contact_id;
  std::string type;  // email, phone, linkedin, other
  std::string value;
  std::optional<std::string> label;
  bool is_primary = false;
  Timestamp created_at;
  Timestamp updated_at;
};

boost::json::object to_json(const ContactMethod& method);
// The schema of to_json(ContactMethod), and of what POST (creating) and
// PATCH take.
schema::Schema json_schema(std::type_identity<ContactMethod>);
schema::Schema contact_method_input_schema(bool creating);

struct ContactMethodChanges {
  std::optional<std::string> type;
  std::optional<std::string> value;
  Change<std::string> label;
  std::optional<bool> is_primary;
};

// For POST (type and value required) and PATCH; the value is checked
// against the type (an e-mail must look like one). current_type is the
// method's type when patching. Throws Error{validation} naming each field.
ContactMethodChanges parse_contact_method(const boost::json::value& body,
                                          const std::optional<std::string>& current_type);

}  // namespace crmd::contacts
