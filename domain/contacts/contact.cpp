#include "domain/contacts/contact.hpp"

#include "domain/common/fields.hpp"
#include "domain/common/json_members.hpp"
#include "domain/contacts/company.hpp"
#include "domain/identity/user.hpp"

namespace crmd::contacts {
namespace {

constexpr std::size_t kMaxText = 500;
constexpr std::size_t kMaxDepartments = 20;
const std::vector<std::string> kEmailStatuses{"verified",    "unverified", "likely_to_engage",
                                              "unavailable", "bounced",    "unknown"};

// The members of a contact's JSON, in order (see json_members.hpp).
constexpr auto kContactMembers = [](const Contact& c, auto&& member) {
  member("id", c.id);
  member("first_name", c.first_name);
  member("last_name", c.last_name);
  member("full_name", c.full_name);
  member("title", c.title);
  member("normalized_title", c.normalized_title);
  member("seniority", c.seniority);
  member("departments", c.departments);
  member("email", c.email);
  member("email_status", c.email_status);
  member("phone", c.phone);
  member("company_id", c.company_id);
  member("company_name", c.company_name);
  member("linkedin_url", c.linkedin_url);
  member("city", c.city);
  member("state", c.state);
  member("country", c.country);
  member("owner_user_id", c.owner_user_id);
  member("created_at", c.created_at);
  member("updated_at", c.updated_at);
  member("deleted_at", c.deleted_at);
};

}  // namespace

boost::json::object to_json(const Contact& c, const boost::json::storage_ptr& sp) {
  return tree_of_members(c, kContactMembers, sp);
}

void write_json(JsonText& out, const Contact& c) {
  write_members(out, c, kContactMembers);
}

bool may_change(const Contact& contact, const identity::RequestContext& context) {
  if (!context.principal || context.principal->role != identity::Role::sales) return true;
  if (context.principal->kind == identity::Principal::Kind::api_key) return true;
  return !contact.owner_user_id || contact.owner_user_id == context.user_id();
}

ContactChanges parse_contact(const boost::json::value& body, bool creating, bool may_set_owner) {
  FieldReader r(body, {"first_name", "last_name", "title", "seniority", "departments", "email",
                       "email_status", "phone", "company_id", "company", "company_domain",
                       "linkedin_url", "city", "state", "country", "owner_user_id"});
  ContactChanges c;
  r.change("first_name", c.first_name, 100);
  r.change("last_name", c.last_name, 100);
  r.change("title", c.title, kMaxText);
  r.change("seniority", c.seniority, 32);
  r.change("departments", c.departments, kMaxDepartments, 100);
  r.change("email", c.email, 254);
  if (c.email && *c.email) {
    if (!identity::valid_email(**c.email))
      r.fail("email", "not an e-mail address");
    else
      **c.email = identity::normalize_email(**c.email);
  }
  r.change("email_status", c.email_status, 32);
  if (c.email_status && *c.email_status &&
      std::find(kEmailStatuses.begin(), kEmailStatuses.end(), **c.email_status) ==
          kEmailStatuses.end())
    r.fail("email_status",
           "expected verified, unverified, likely_to_engage, unavailable, bounced or unknown");
  r.change("phone", c.phone, 50);
  r.change("company_id", c.company_id);
  c.company_name = r.string("company", false, 255);
  if (c.company_name && c.company_name->empty()) c.company_name.reset();
  if (auto domain = r.string("company_domain", false, 255); domain && !domain->empty()) {
    c.company_domain = normalize_domain(*domain);
    if (!c.company_domain) r.fail("company_domain", "expected a host name such as example.com");
  }
  r.change("linkedin_url", c.linkedin_url, kMaxText);
  r.change("city", c.city, 100);
  r.change("state", c.state, 100);
  r.change("country", c.country, 100);
  if (may_set_owner)
    r.change("owner_user_id", c.owner_user_id);
  else if (r.has("owner_user_id"))
    r.fail("owner_user_id", "unknown or read-only field");
  const auto has = [](const Change<std::string>& v) { return v && *v; };
  if (creating && !has(c.first_name) && !has(c.last_name) && !has(c.email))
    r.fail("first_name", "a contact needs a first or last name, or an e-mail");
  r.finish();
  return c;
}

void clear_absent(ContactChanges& c) {
  const auto clear = [](auto& change) {
    if (!change) change.emplace();
  };
  for (auto* text : {&c.first_name, &c.last_name, &c.title, &c.seniority, &c.email, &c.email_status,
                     &c.phone, &c.linkedin_url, &c.city, &c.state, &c.country})
    clear(*text);
  clear(c.departments);
  clear(c.company_id);
}

schema::Schema json_schema(std::type_identity<Contact>) {
  using namespace schema;
  const auto text = [] { return nullable(string()); };
  return Object("Contact")
      .field("id", uuid())
      .field("first_name", string())
      .field("last_name", string())
      .field("full_name", string())
      .field("title", text())
      .field("normalized_title", text(), "the title with its seniority and department read out")
      .field("seniority", text())
      .field("departments", array(string()))
      .field("email", nullable(string()))
      .field("email_status", nullable(string()))
      .field("phone", text())
      .field("company_id", nullable(uuid()))
      .field("company_name", text(), "the name of company_id (read only)")
      .field("linkedin_url", text())
      .field("city", text())
      .field("state", text())
      .field("country", text())
      .field("owner_user_id", nullable(uuid()))
      .field("created_at", timestamp())
      .field("updated_at", timestamp())
      .field("deleted_at", nullable(timestamp()));
}

schema::Schema contact_input_schema() {
  using namespace schema;
  std::initializer_list<std::string_view> statuses{"verified",    "unverified", "likely_to_engage",
                                                   "unavailable", "bounced",    "unknown"};
  return Object("ContactInput")
      .describe(
          "A new contact needs a first or last name, or an e-mail; null clears a field. PUT "
          "(v1) clears what it leaves out.")
      .optional("first_name", nullable(string(100)))
      .optional("last_name", nullable(string(100)))
      .optional("title", nullable(string(kMaxText)))
      .optional("seniority", nullable(string(32)))
      .optional("departments", nullable(array(string(100), kMaxDepartments)))
      .optional("email", nullable(string(254)))
      .optional("email_status", nullable(one_of_strings(statuses)))
      .optional("phone", nullable(string(50)))
      .optional("company_id", nullable(uuid()))
      .optional("company", string(255), "a company by name: found again, or created")
      .optional("company_domain", string(255), "the company's domain, to find it by")
      .optional("linkedin_url", nullable(string(kMaxText)))
      .optional("city", nullable(string(100)))
      .optional("state", nullable(string(100)))
      .optional("country", nullable(string(100)))
      .optional("owner_user_id", nullable(uuid()), "managers and admins only");
}

}  // namespace crmd::contacts
