#include "domain/contacts/contact.hpp"

#include <boost/json/array.hpp>

#include "domain/common/fields.hpp"
#include "domain/identity/user.hpp"

namespace crmd::contacts {
namespace {

constexpr std::size_t kMaxText = 500;
constexpr std::size_t kMaxDepartments = 20;
const std::vector<std::string> kEmailStatuses{"verified",    "unverified", "likely_to_engage",
                                              "unavailable", "bounced",    "unknown"};

boost::json::value optional_json(const std::optional<std::string>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

boost::json::value optional_json(const std::optional<Uuid>& v) {
  return v ? boost::json::value(v->str()) : boost::json::value(nullptr);
}

}  // namespace

boost::json::object to_json(const Contact& c) {
  boost::json::array departments;
  for (const auto& d : c.departments) departments.emplace_back(d);
  return {{"id", c.id.str()},
          {"first_name", c.first_name},
          {"last_name", c.last_name},
          {"full_name", c.full_name},
          {"title", optional_json(c.title)},
          {"normalized_title", optional_json(c.normalized_title)},
          {"seniority", optional_json(c.seniority)},
          {"departments", std::move(departments)},
          {"email", optional_json(c.email)},
          {"email_status", optional_json(c.email_status)},
          {"phone", optional_json(c.phone)},
          {"company_id", optional_json(c.company_id)},
          {"company_name", optional_json(c.company_name)},
          {"linkedin_url", optional_json(c.linkedin_url)},
          {"city", optional_json(c.city)},
          {"state", optional_json(c.state)},
          {"country", optional_json(c.country)},
          {"owner_user_id", optional_json(c.owner_user_id)},
          {"created_at", format_rfc3339(c.created_at)},
          {"updated_at", format_rfc3339(c.updated_at)},
          {"deleted_at", c.deleted_at ? boost::json::value(format_rfc3339(*c.deleted_at))
                                      : boost::json::value(nullptr)}};
}

ContactChanges parse_contact(const boost::json::value& body, bool creating, bool may_set_owner) {
  FieldReader r(body, {"first_name", "last_name", "title", "seniority", "departments", "email",
                       "email_status", "phone", "company_id", "linkedin_url", "city", "state",
                       "country", "owner_user_id"});
  ContactChanges c;
  r.change("first_name", c.first_name, 100);
  r.change("last_name", c.last_name, 100);
  r.change("title", c.title, kMaxText);
  r.change("seniority", c.seniority, 32);
  r.change("departments", c.departments, kMaxDepartments, 100);
  r.change("email", c.email, 254);
  if (c.email && *c.email) {
    if (!identity::plausible_email(**c.email))
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

}  // namespace crmd::contacts
