#include "server/openapi/params.hpp"

#include <boost/json/array.hpp>
#include <stdexcept>

#include "domain/contacts/list_params.hpp"
#include "domain/contacts/list_query.hpp"

namespace crmd::openapi {

Parameter ordering_param(Orderings table) {
  boost::json::array values;
  for (const auto& o : table) {
    values.emplace_back(o.name);
    values.emplace_back("-" + std::string(o.name));
  }
  return {"ordering",
          "query",
          {{"type", "string"}, {"enum", std::move(values)}},
          "sort order ('-' for descending); default: " + std::string(table.front().name),
          false};
}

Parameter repeated(std::string name, Schema item, std::string description) {
  return {std::move(name), "query", schema::array(std::move(item)), std::move(description), false};
}

Parameter flag(std::string name, std::string description) {
  return {std::move(name), "query", schema::boolean(), std::move(description), false};
}

Parameter timestamp_param(std::string name, std::string description) {
  return {std::move(name), "query", schema::timestamp(), std::move(description), false};
}

std::vector<Parameter> contact_list_params() {
  using schema::string;
  const auto text = [](std::string name, std::string description = {}) {
    return repeated(std::move(name), string(), std::move(description));
  };
  std::vector<Parameter> list{
      {"q", "query", string(), "words matched against names, e-mail, title and company", false},
      text("title", "a normalized title (cto, vp sales)"),
      text("seniority"),
      text("department"),
      text("city"),
      text("state"),
      text("country"),
      text("email_status"),
      text("email"),
      text("email_domain"),
      text("company", "a company name"),
      text("industry", "the company's industry"),
      repeated("employees", {{"type", "string"}, {"pattern", "^[0-9]+(-[0-9]+|\\+)$"}},
               "a company size range: 11-50, 10001+"),
      repeated("company_id", schema::uuid()),
      repeated("owner", schema::uuid(), "the owner's user id"),
      timestamp_param("created_after"),
      timestamp_param("created_before"),
      timestamp_param("updated_after"),
      timestamp_param("updated_before"),
      ordering_param(contacts::kContactOrderings),
      flag("include_deleted", "deleted contacts too (admins only)"),
      flag("count", "add the total count (costs a query)"),
  };
  for (auto name : contacts::kListParameters) {
    const bool declared =
        std::any_of(list.begin(), list.end(), [&](const Parameter& p) { return p.name == name; });
    if (!declared)
      throw std::logic_error("the contact list parameter " + std::string(name) +
                             " has no OpenAPI declaration (server/openapi/params.cpp)");
  }
  return list;
}

}  // namespace crmd::openapi
