#include "domain/contacts/contact_method.hpp"

#include <algorithm>
#include <array>

#include "domain/common/json_of.hpp"
#include "domain/identity/user.hpp"

namespace crmd::contacts {
namespace {

constexpr std::array<std::string_view, 4> kTypes{"email", "phone", "linkedin", "other"};

}  // namespace

boost::json::object to_json(const ContactMethod& m) {
  return {{"id", json_of(m.id)},
          {"contact_id", json_of(m.contact_id)},
          {"type", m.type},
          {"value", m.value},
          {"label", json_of(m.label)},
          {"is_primary", m.is_primary},
          {"created_at", json_of(m.created_at)},
          {"updated_at", json_of(m.updated_at)}};
}

ContactMethodChanges parse_contact_method(const boost::json::value& body,
                                          const std::optional<std::string>& current_type) {
  const bool creating = !current_type;
  FieldReader r(body, {"type", "value", "label", "is_primary"});
  ContactMethodChanges c;
  c.type = r.string("type", creating, 16);
  if (c.type && std::find(kTypes.begin(), kTypes.end(), *c.type) == kTypes.end())
    r.fail("type", "expected email, phone, linkedin or other");
  c.value = r.string("value", creating, 500);
  if (!creating && c.value && c.value->empty()) r.fail("value", "must not be empty");
  if (!creating && c.type && !c.value) r.fail("value", "is required when the type changes");
  const auto type = c.type ? c.type : current_type;
  if (c.value && type == "email") {
    if (identity::valid_email(*c.value))
      c.value = identity::normalize_email(*c.value);
    else
      r.fail("value", "not an e-mail address");
  }
  r.change("label", c.label, 100);
  c.is_primary = r.boolean("is_primary");
  r.finish();
  return c;
}

schema::Schema json_schema(std::type_identity<ContactMethod>) {
  using namespace schema;
  return Object("ContactMethod")
      .field("id", uuid())
      .field("contact_id", uuid())
      .field("type", one_of_strings({"email", "phone", "linkedin", "other"}))
      .field("value", string())
      .field("label", nullable(string()))
      .field("is_primary", boolean())
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
}

schema::Schema contact_method_input_schema(bool creating) {
  using namespace schema;
  Object o(creating ? "NewContactMethod" : "ContactMethodChanges");
  const auto type = one_of_strings({"email", "phone", "linkedin", "other"});
  if (creating)
    o.field("type", type).field("value", string(500));
  else
    o.optional("type", type).optional("value", string(500), "required when the type changes");
  return o.optional("label", nullable(string(100))).optional("is_primary", boolean());
}

}  // namespace crmd::contacts
