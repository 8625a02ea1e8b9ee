// A contact: its JSON form and the validation of what clients send.
#pragma once

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
#include "domain/identity/principal.hpp"

namespace crmd::contacts {

struct Contact {
  Uuid id;
  std::string first_name;
  std::string last_name;
  std::string full_name;
  std::optional<std::string> title;
  std::optional<std::string> normalized_title;
  std::optional<std::string> seniority;
  std::vector<std::string> departments;
  std::optional<std::string> email;
  std::optional<std::string> email_status;
  std::optional<std::string> phone;
  std::optional<Uuid> company_id;
  std::optional<std::string> linkedin_url;
  std::optional<std::string> city;
  std::optional<std::string> state;
  std::optional<std::string> country;
  std::optional<Uuid> owner_user_id;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> deleted_at;
  std::optional<std::string> company_name;  // read-only, follows company_id
};

// sp: the storage of the answer being built (see json_of).
boost::json::object to_json(const Contact& contact, const boost::json::storage_ptr& sp = {});
// The same JSON as text, for an answer.
void write_json(JsonText& out, const Contact& contact);
// The schema of to_json(Contact), and of what POST, PATCH and PUT take.
schema::Schema json_schema(std::type_identity<Contact>);
schema::Schema contact_input_schema();

// The writable fields (see Change for absent versus null).
struct ContactChanges {
  Change<std::string> first_name, last_name, title, seniority, email, email_status, phone,
      linkedin_url, city, state, country;
  Change<std::vector<std::string>> departments;
  Change<Uuid> company_id;
  // A company named instead of an id, as integrations send it: found by
  // domain, then by normalized name, else created. company_id wins.
  std::optional<std::string> company_name, company_domain;
  Change<Uuid> owner_user_id;  // admins only

  bool names_company() const { return !company_id && (company_name || company_domain); }
};

// Who may change a contact: every role reads every contact, but a sales user
// changes only contacts it owns or that have no owner; managers, admins and
// API keys (held to their scopes) change any. Deleting and restoring are for
// managers and admins (their routes say so).
bool may_change(const Contact& contact, const identity::RequestContext& context);

// For POST (creating: first or last name, or e-mail, is required) and PATCH.
// Throws Error{validation} naming every unknown, read-only or invalid field;
// owner_user_id is writable only when may_set_owner.
ContactChanges parse_contact(const boost::json::value& body, bool creating, bool may_set_owner);

// PUT: every writable field absent from a full representation is cleared
// (the owner, which only admins write, is left as it is).
void clear_absent(ContactChanges& changes);

}  // namespace crmd::contacts
