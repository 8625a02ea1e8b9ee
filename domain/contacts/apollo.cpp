#include "domain/contacts/apollo.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <charconv>
#include <functional>
#include <map>

#include "domain/common/error.hpp"

namespace crmd::contacts {
namespace {

constexpr std::size_t kMaxUrlBytes = 16 * 1024;
constexpr long kMaxPageSize = 100;

[[noreturn]] void refuse(const std::string& why) {
  throw Error(ErrorKind::validation, "invalid_apollo_url", why, {{"url", why}});
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

std::optional<long> number(std::string_view text) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "San Francisco, California, United States" → city, state, country;
// "California, US" → state, country; "Germany" → country.
void add_location(ApolloFilters& f, std::string_view location) {
  std::vector<std::string> parts;
  while (true) {
    const auto comma = location.find(',');
    parts.push_back(trimmed(location.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    location.remove_prefix(comma + 1);
  }
  if (parts.size() >= 3) f.cities.push_back(parts[parts.size() - 3]);
  if (parts.size() >= 2) f.states.push_back(parts[parts.size() - 2]);
  if (!parts.back().empty()) f.countries.push_back(parts.back());
}

using Mapper =
    std::function<std::optional<std::string>(ApolloFilters&, const std::vector<std::string>&)>;

struct Rule {
  std::string_view category;
  Mapper map;  // returns what it mapped to, or nullopt when the values did not map
};

Mapper into(std::vector<std::string> ApolloFilters::*field, std::string target) {
  return [field, target](ApolloFilters& f, const std::vector<std::string>& values) {
    for (const auto& v : values) (f.*field).push_back(v);
    return std::optional<std::string>(target);
  };
}

Mapper keywords() {
  return
      [](ApolloFilters& f, const std::vector<std::string>& values) -> std::optional<std::string> {
        if (values.empty() || values.front().empty()) return std::nullopt;
        f.q = values.front();
        return "q";
      };
}

const std::map<std::string, Rule, std::less<>>& rules() {
  static const std::map<std::string, Rule, std::less<>> table{
      {"personTitles[]", {"person", into(&ApolloFilters::titles, "title")}},
      {"personSeniorities[]", {"person", into(&ApolloFilters::seniorities, "seniority")}},
      {"personDepartmentOrSubdepartments[]",
       {"person", into(&ApolloFilters::departments, "department")}},
      {"personDepartments[]", {"person", into(&ApolloFilters::departments, "department")}},
      {"contactEmailStatusV2[]", {"person", into(&ApolloFilters::email_statuses, "email_status")}},
      {"contactEmailStatus[]", {"person", into(&ApolloFilters::email_statuses, "email_status")}},
      {"personLocations[]",
       {"person",
        [](ApolloFilters& f, const std::vector<std::string>& values) {
          for (const auto& v : values) add_location(f, v);
          return std::optional<std::string>("city/state/country");
        }}},
      {"qKeywords", {"person", keywords()}},
      {"q_keywords", {"person", keywords()}},
      {"qOrganizationName", {"organization", into(&ApolloFilters::companies, "company")}},
      {"qOrganizationKeywordTags[]",
       {"organization", into(&ApolloFilters::industries, "industry")}},
      {"organizationIndustries[]", {"organization", into(&ApolloFilters::industries, "industry")}},
      {"organizationNumEmployeesRanges[]",
       {"organization",
        [](ApolloFilters& f, const std::vector<std::string>& values) -> std::optional<std::string> {
          for (const auto& v : values) {
            auto range = parse_employee_range(v);
            if (!range) return std::nullopt;
            f.employees.push_back(*range);
          }
          return "employees";
        }}},
      {"page",
       {"paging",
        [](ApolloFilters& f, const std::vector<std::string>& values) -> std::optional<std::string> {
          auto page = values.empty() ? std::nullopt : number(values.front());
          if (!page || *page < 1) return std::nullopt;
          f.page = *page;
          return "page";
        }}},
      {"perPage",
       {"paging",
        [](ApolloFilters& f, const std::vector<std::string>& values) -> std::optional<std::string> {
          auto size = values.empty() ? std::nullopt : number(values.front());
          if (!size || *size < 1) return std::nullopt;
          f.limit = std::min(*size, kMaxPageSize);
          return "limit";
        }}},
  };
  return table;
}

// Parameters Apollo really sends that crmd has no filter for, and why.
const std::map<std::string, std::pair<std::string_view, std::string_view>, std::less<>>&
known_unmapped() {
  static const std::map<std::string, std::pair<std::string_view, std::string_view>, std::less<>>
      table{
          {"personNotTitles[]", {"person", "excluding titles is not supported"}},
          {"personNotLocations[]", {"person", "excluding places is not supported"}},
          {"includeSimilarTitles", {"person", "similar-title expansion is Apollo's own"}},
          {"organizationIds[]", {"organization", "Apollo organization ids mean nothing here"}},
          {"notOrganizationIds[]", {"organization", "Apollo organization ids mean nothing here"}},
          {"organizationIndustryTagIds[]",
           {"organization", "Apollo industry tag ids mean nothing here"}},
          {"organizationLocations[]", {"organization", "company location is not a contact filter"}},
          {"currentlyUsingAnyOfTechnologyUids[]",
           {"organization", "technology filters are not supported yet"}},
          {"revenueRange[min]", {"organization", "revenue filters are not supported yet"}},
          {"revenueRange[max]", {"organization", "revenue filters are not supported yet"}},
          {"contactLabelIds[]", {"view", "Apollo lists mean nothing here"}},
          {"prospectedByCurrentTeam[]", {"view", "Apollo prospecting state"}},
          {"finderViewId", {"view", "Apollo saved view"}},
          {"uniqueUrlId", {"view", "Apollo share link id"}},
          {"existFields[]", {"view", "Apollo field presence filter"}},
          {"sortByField", {"sorting", "no crmd ordering for this field"}},
      };
  return table;
}

std::optional<std::string> ordering_of(const std::string& field, std::optional<bool> ascending) {
  static const std::map<std::string, std::string, std::less<>> fields{
      {"person_name", "name"},
      {"name", "name"},
      {"created_at", "created_at"},
      {"updated_at", "updated_at"},
      {"person_updated_at", "updated_at"}};
  auto it = fields.find(field);
  if (it == fields.end()) return std::nullopt;
  return (ascending.value_or(true) ? "" : "-") + it->second;
}

std::string decoded(std::string_view part) {
  auto checked = boost::urls::make_pct_string_view(part);
  if (!checked) refuse("malformed percent-encoding in the search parameters");
  return checked->decode();
}

boost::json::array parameters_json(const std::vector<ApolloParameter>& parameters,
                                   const char* note_name) {
  boost::json::array out;
  for (const auto& p : parameters) {
    boost::json::array values;
    for (const auto& v : p.values) values.emplace_back(v);
    out.push_back(boost::json::object{{"parameter", p.name},
                                      {"category", p.category},
                                      {"values", std::move(values)},
                                      {note_name, p.note}});
  }
  return out;
}

}  // namespace

ApolloSearch map_apollo_url(std::string_view text) {
  if (text.size() > kMaxUrlBytes) refuse("the URL is longer than 16 KiB");
  // Apollo writes raw [] in the fragment, which RFC 3986 does not allow
  // there: the part before '#' is parsed strictly, the fragment by hand.
  const auto hash = text.find('#');
  auto url = boost::urls::parse_uri(text.substr(0, hash));
  if (!url) refuse("not a URL: " + url.error().message());
  const auto host = std::string(url->host());
  if (url->scheme() != "https" && url->scheme() != "http") refuse("not an http(s) URL");
  if (host != "app.apollo.io" && host != "apollo.io" && host != "www.apollo.io")
    refuse("not an Apollo URL (host " + host + ")");
  if (hash == std::string_view::npos) refuse("the URL has no #/people?... part with the search");
  const auto fragment = text.substr(hash + 1);
  const auto question = fragment.find('?');
  const auto route = std::string(fragment.substr(0, question));
  if (route != "/people" && route != "/contacts") refuse("not a people search (#" + route + ")");
  if (question == std::string_view::npos || question + 1 == fragment.size())
    refuse("the search has no parameters");

  // Repeated parameters (personTitles[]=a&personTitles[]=b) gather in order.
  std::vector<std::pair<std::string, std::vector<std::string>>> params;
  auto rest = fragment.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto item = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const auto key = decoded(item.substr(0, eq));
    auto it = std::find_if(params.begin(), params.end(), [&](auto& p) { return p.first == key; });
    if (it == params.end()) it = params.insert(params.end(), {key, {}});
    if (eq != std::string_view::npos) it->second.push_back(decoded(item.substr(eq + 1)));
  }

  ApolloSearch search;
  std::optional<std::string> sort_field;
  std::optional<bool> ascending;
  for (const auto& [name, values] : params) {
    if (name == "sortByField" && !values.empty()) {
      sort_field = values.front();
      continue;
    }
    if (name == "sortAscending" && !values.empty()) {
      ascending = values.front() == "true";
      search.mapped.push_back({name, "sorting", values, "ordering direction"});
      continue;
    }
    if (auto rule = rules().find(name); rule != rules().end()) {
      if (auto target = rule->second.map(search.filters, values))
        search.mapped.push_back({name, std::string(rule->second.category), values, *target});
      else
        search.unmapped.push_back(
            {name, std::string(rule->second.category), values, "values not understood"});
      continue;
    }
    if (auto known = known_unmapped().find(name); known != known_unmapped().end()) {
      search.unmapped.push_back(
          {name, std::string(known->second.first), values, std::string(known->second.second)});
      continue;
    }
    search.unmapped.push_back({name, "unknown", values, "not an Apollo parameter crmd knows"});
  }
  if (sort_field) {
    search.filters.ordering = ordering_of(*sort_field, ascending);
    if (search.filters.ordering)
      search.mapped.push_back({"sortByField", "sorting", {*sort_field}, "ordering"});
    else
      search.unmapped.push_back(
          {"sortByField", "sorting", {*sort_field}, "no crmd ordering for this field"});
  }
  return search;
}

ContactListQuery list_query_of(const ApolloFilters& f) {
  ContactListQuery q;
  q.q = f.q;
  q.titles = f.titles;
  q.seniorities = f.seniorities;
  q.departments = f.departments;
  q.industries = f.industries;
  q.cities = f.cities;
  q.states = f.states;
  q.countries = f.countries;
  q.email_statuses = f.email_statuses;
  q.companies = f.companies;
  q.employees = f.employees;
  if (f.ordering)
    if (auto parsed = parse_ordering(*f.ordering, kContactOrderings)) q.order = *parsed;
  return q;
}

boost::json::object mapping_summary(const ApolloSearch& search) {
  return {{"mapped", parameters_json(search.mapped, "mapped_to")},
          {"mapped_count", search.mapped.size()},
          {"unmapped_count", search.unmapped.size()}};
}

boost::json::array unmapped_parameters(const ApolloSearch& search) {
  return parameters_json(search.unmapped, "reason");
}

}  // namespace crmd::contacts
