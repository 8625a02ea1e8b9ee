#include "domain/contacts/company.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "domain/common/json_members.hpp"

namespace crmd::contacts {
namespace {

constexpr std::size_t kMaxAttributesBytes = 16 * 1024;
constexpr std::int64_t kMaxEmployees = 10'000'000;

// Legal forms dropped from the end of a name; a name that is only a legal
// form keeps it.
const std::vector<std::string_view> kLegalForms{
    "inc", "incorporated", "llc", "ltd", "limited", "gmbh", "corp", "corporation",
    "co",  "company",      "plc", "sa",  "sas",     "sarl", "ag",   "bv",
    "nv",  "oy",           "ab",  "as",  "srl",     "spa",  "pty",  "lp"};

}  // namespace

// The members of a company's JSON, in order (see json_members.hpp).
constexpr auto kCompanyMembers = [](const Company& c, auto&& member) {
  member("id", c.id);
  member("name", c.name);
  member("normalized_name", c.normalized_name);
  member("domain", c.domain);
  member("industry", c.industry);
  member("employees_min", c.employees_min);
  member("employees_max", c.employees_max);
  member("city", c.city);
  member("state", c.state);
  member("country", c.country);
  member("technologies", c.technologies);
  member("revenue", c.revenue);
  member("attributes", c.attributes);
  member("created_at", c.created_at);
  member("updated_at", c.updated_at);
  member("deleted_at", c.deleted_at);
};

boost::json::object to_json(const Company& c, const boost::json::storage_ptr& sp) {
  return tree_of_members(c, kCompanyMembers, sp);
}

void write_json(JsonText& out, const Company& c) {
  write_members(out, c, kCompanyMembers);
}

CompanyChanges parse_company(const boost::json::value& body, bool creating) {
  FieldReader r(body, {"name", "domain", "industry", "employees_min", "employees_max", "city",
                       "state", "country", "technologies", "revenue", "attributes"});
  CompanyChanges c;
  r.change("name", c.name, 200);
  if (creating && !(c.name && *c.name)) r.fail("name", "is required");
  if (!creating && c.name && !*c.name) r.fail("name", "must not be empty");
  if (c.name && *c.name && normalize_company_name(**c.name).empty())
    r.fail("name", "needs a letter or a digit");
  r.change("domain", c.domain, 253);
  if (c.domain && *c.domain) {
    auto domain = normalize_domain(**c.domain);
    if (domain)
      **c.domain = *domain;
    else
      r.fail("domain", "expected a host name such as example.com");
  }
  r.change("industry", c.industry, 100);
  r.change("employees_min", c.employees_min, 0, kMaxEmployees);
  r.change("employees_max", c.employees_max, 0, kMaxEmployees);
  if (c.employees_min && *c.employees_min && c.employees_max && *c.employees_max &&
      **c.employees_max < **c.employees_min)
    r.fail("employees_max", "is below employees_min");
  r.change("city", c.city, 100);
  r.change("state", c.state, 100);
  r.change("country", c.country, 100);
  r.change("technologies", c.technologies, 100, 100);
  r.change("revenue", c.revenue, 0, std::numeric_limits<std::int64_t>::max());
  if (const auto* object = body.if_object()) {
    if (auto it = object->find("attributes"); it != object->end()) {
      if (it->value().is_null())
        c.attributes = std::optional<boost::json::object>();
      else if (!it->value().is_object() ||
               boost::json::serialize(it->value()).size() > kMaxAttributesBytes)
        r.fail("attributes", "expected an object of at most 16 KiB");
      else
        c.attributes = std::optional<boost::json::object>(it->value().get_object());
    }
  }
  r.finish();
  return c;
}

std::string normalize_company_name(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    // Bytes of UTF-8 sequences are kept as they are; ASCII is folded.
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
    } else if (c != '\'' && c != '.') {  // "O'Brien", "A.B.C." stay one word
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  while (words.size() > 1 &&
         std::find(kLegalForms.begin(), kLegalForms.end(), words.back()) != kLegalForms.end())
    words.pop_back();
  std::string normalized;
  for (const auto& w : words) normalized += (normalized.empty() ? "" : " ") + w;
  return normalized;
}

std::optional<std::string> normalize_domain(std::string_view text) {
  std::string host;
  for (char c : text) host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto scheme = host.find("://"); scheme != std::string::npos) host.erase(0, scheme + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (host.starts_with("www.")) host.erase(0, 4);
  if (!host.empty() && host.back() == '.') host.pop_back();
  const bool valid_chars = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
  if (host.size() < 3 || !valid_chars || host.find('.') == std::string::npos ||
      host.front() == '.' || host.front() == '-' || host.find("..") != std::string::npos)
    return std::nullopt;
  return host;
}

std::string CompanyListQuery::fingerprint() const {
  return Fingerprint()
      .add("q", q)
      .add("name", names)
      .add("domain", domains)
      .add("industry", industries)
      .add("city", cities)
      .add("state", states)
      .add("country", countries)
      .add("employees", employees)
      .add("created_after", created_after)
      .add("created_before", created_before)
      .add("updated_after", updated_after)
      .add("updated_before", updated_before)
      .add("include_deleted", include_deleted)
      .add(order)
      .digest();
}

schema::Schema json_schema(std::type_identity<Company>) {
  using namespace schema;
  const auto text = [] { return nullable(string()); };
  return Object("Company")
      .field("id", uuid())
      .field("name", string())
      .field("normalized_name", string(), "the name by which imports find the company again")
      .field("domain", text())
      .field("industry", text())
      .field("employees_min", nullable(integer(0)))
      .field("employees_max", nullable(integer(0)))
      .field("city", text())
      .field("state", text())
      .field("country", text())
      .field("technologies", array(string()))
      .field("revenue", nullable(integer(0)))
      .field("attributes", any_object())
      .field("created_at", timestamp())
      .field("updated_at", timestamp())
      .field("deleted_at", nullable(timestamp()));
}

schema::Schema company_input_schema(bool creating) {
  using namespace schema;
  Object o(creating ? "NewCompany" : "CompanyChanges");
  if (creating)
    o.field("name", string(200));
  else
    o.optional("name", string(200));
  return o.optional("domain", nullable(string(253)), "a host name such as example.com")
      .optional("industry", nullable(string(100)))
      .optional("employees_min", nullable(integer(0, kMaxEmployees)))
      .optional("employees_max", nullable(integer(0, kMaxEmployees)))
      .optional("city", nullable(string(100)))
      .optional("state", nullable(string(100)))
      .optional("country", nullable(string(100)))
      .optional("technologies", nullable(array(string(100), 100)))
      .optional("revenue", nullable(integer(0)))
      .optional("attributes", nullable(any_object()), "at most 16 KiB");
}

}  // namespace crmd::contacts
