#include "domain/identity/scopes.hpp"

#include <algorithm>
#include <array>

namespace crmd::identity {
namespace {

constexpr std::array<std::string_view, 25> kScopes{
    "contacts:read",  "contacts:write",  "contacts:import", "contacts:export", "contacts:*",
    "companies:read", "companies:write", "companies:*",     "leads:read",      "leads:write",
    "leads:*",        "jobs:read",       "jobs:write",      "jobs:*",          "changes:read",
    "drive:read",     "drive:write",     "drive:*",         "calendar:read",   "calendar:write",
    "calendar:*",     "deals:read",      "deals:write",     "deals:*",         "*"};

// The path's first segment after the API prefix → the resource of its scope.
struct ResourceOfPath {
  std::string_view segment;
  std::string_view resource;
};
constexpr std::array<ResourceOfPath, 17> kResources{{
    {"drive", "drive"},
    {"calendar", "calendar"},
    {"changes", "changes"},
    {"contacts", "contacts"},
    {"companies", "companies"},
    {"leads", "leads"},
    {"tags", "leads"},
    {"lead-statuses", "leads"},
    {"lead-origins", "leads"},
    {"jobs", "jobs"},
    {"apollo", "contacts"},
    {"deals", "deals"},
    {"pipelines", "deals"},
    {"stages", "deals"},
    {"owners", "deals"},
    {"dashboard", "deals"},
    {"sync", "deals"},
}};

std::string_view resource_of(std::string_view scope) {
  return scope.substr(0, scope.find(':'));
}

}  // namespace

std::string_view known_scopes_text() {
  static const std::string text = [] {
    std::string out;
    for (auto scope : kScopes) {
      if (!out.empty()) out += ", ";
      out += scope;
    }
    return out;
  }();
  return text;
}

bool is_known_scope(std::string_view scope) {
  return std::find(kScopes.begin(), kScopes.end(), scope) != kScopes.end();
}

bool grants(std::span<const std::string> held, std::string_view needed) {
  const auto resource = resource_of(needed);
  const bool read = needed.ends_with(":read");
  for (std::string_view scope : held) {
    if (scope == needed || scope == "*") return true;
    if (resource_of(scope) != resource) continue;
    if (scope.ends_with(":*")) return true;
    if (read && scope.ends_with(":write")) return true;
  }
  return false;
}

std::string default_scope(std::string_view method, std::string_view path_template) {
  std::string_view rest;
  if (path_template.starts_with("/api/v2/"))
    rest = path_template.substr(8);
  else if (path_template.starts_with("/api/v1/"))
    rest = path_template.substr(8);
  else
    return {};
  const auto segment = rest.substr(0, rest.find('/'));
  for (const auto& [name, resource] : kResources)
    if (name == segment) {
      const bool read = method == "GET" || method == "HEAD";
      return std::string(resource) + (read ? ":read" : ":write");
    }
  return {};
}

}  // namespace crmd::identity
