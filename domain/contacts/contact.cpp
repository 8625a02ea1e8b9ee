#include "domain/contacts/contact.hpp"

#include <boost/json/array.hpp>

#include "domain/common/error.hpp"
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

// Reads one field into change: absent stays empty, null clears, else sets.
class Reader {
 public:
  Reader(const boost::json::object* body, std::vector<FieldError>& errors)
      : body_(body), errors_(errors) {}

  void text(const char* name, Change<std::string>& out, std::size_t max = kMaxText) {
    const auto* v = find(name, out);
    if (!v) return;
    if (!v->is_string() || v->get_string().size() > max)
      return fail(name, "expected a string of at most " + std::to_string(max) + " bytes");
    std::string s(v->get_string());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    out = s.empty() ? std::optional<std::string>() : std::optional<std::string>(std::move(s));
  }
  void uuid(const char* name, Change<Uuid>& out) {
    const auto* v = find(name, out);
    if (!v) return;
    auto id = v->is_string() ? Uuid::parse(v->get_string()) : std::nullopt;
    if (!id) return fail(name, "expected a UUID");
    out = std::optional<Uuid>(*id);
  }
  void list(const char* name, Change<std::vector<std::string>>& out) {
    const auto* v = find(name, out);
    if (!v) return;
    const auto* array = v->if_array();
    if (!array || array->size() > kMaxDepartments)
      return fail(name, "expected a list of at most 20 strings");
    std::vector<std::string> items;
    for (const auto& item : *array) {
      if (!item.is_string() || item.get_string().size() > 100)
        return fail(name, "expected strings of at most 100 bytes");
      items.emplace_back(item.get_string());
    }
    out = std::optional<std::vector<std::string>>(std::move(items));
  }
  void fail(const std::string& name, std::string message) {
    errors_.push_back({name, std::move(message)});
  }

 private:
  template <class T>
  const boost::json::value* find(const char* name, Change<T>& out) {
    auto it = body_->find(name);
    if (it == body_->end()) return nullptr;
    if (it->value().is_null()) {
      out = std::optional<T>();
      return nullptr;
    }
    return &it->value();
  }

  const boost::json::object* body_;
  std::vector<FieldError>& errors_;
};

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
  std::vector<FieldError> errors;
  const auto* object = body.if_object();
  if (!object)
    throw Error(ErrorKind::validation, "validation_error", "expected a JSON object",
                {{"body", "expected a JSON object"}});
  static const std::vector<std::string_view> kWritable{
      "first_name", "last_name",    "title",   "seniority",    "departments",
      "email",      "email_status", "phone",   "company_id",   "linkedin_url",
      "city",       "state",        "country", "owner_user_id"};
  for (const auto& item : *object) {
    const bool known = std::find(kWritable.begin(), kWritable.end(), item.key()) != kWritable.end();
    if (!known || (item.key() == "owner_user_id" && !may_set_owner))
      errors.push_back({std::string(item.key()), "unknown or read-only field"});
  }
  ContactChanges c;
  Reader r(object, errors);
  r.text("first_name", c.first_name, 100);
  r.text("last_name", c.last_name, 100);
  r.text("title", c.title);
  r.text("seniority", c.seniority, 32);
  r.list("departments", c.departments);
  r.text("email", c.email, 254);
  if (c.email && *c.email) {
    if (!identity::plausible_email(**c.email))
      r.fail("email", "not an e-mail address");
    else
      **c.email = identity::normalize_email(**c.email);
  }
  r.text("email_status", c.email_status, 32);
  if (c.email_status && *c.email_status &&
      std::find(kEmailStatuses.begin(), kEmailStatuses.end(), **c.email_status) ==
          kEmailStatuses.end())
    r.fail("email_status",
           "expected verified, unverified, likely_to_engage, unavailable, "
           "bounced or unknown");
  r.text("phone", c.phone, 50);
  r.uuid("company_id", c.company_id);
  r.text("linkedin_url", c.linkedin_url);
  r.text("city", c.city, 100);
  r.text("state", c.state, 100);
  r.text("country", c.country, 100);
  if (may_set_owner) r.uuid("owner_user_id", c.owner_user_id);
  const auto has = [](const Change<std::string>& v) { return v && *v; };
  if (creating && !has(c.first_name) && !has(c.last_name) && !has(c.email))
    errors.push_back({"first_name", "a contact needs a first or last name, or an e-mail"});
  if (!errors.empty()) {
    std::string detail = "invalid contact:";
    for (const auto& e : errors) detail += " " + e.field + " " + e.message + ";";
    detail.pop_back();
    throw Error(ErrorKind::validation, "validation_error", detail, errors);
  }
  return c;
}

}  // namespace crmd::contacts
