#include "domain/exports/contact_export.hpp"

#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

#include "domain/contacts/list_params.hpp"

namespace crmd::exports {

boost::json::object to_json(const ContactSelection& selection) {
  if (!selection.ids.empty()) {
    boost::json::array ids;
    for (const auto& id : selection.ids) ids.emplace_back(id.str());
    return {{"ids", std::move(ids)}};
  }
  return {{"query", selection.query.query_string()},
          {"include_deleted", selection.query.include_deleted}};
}

ContactSelection contact_selection_from_json(const boost::json::value& json) {
  const auto* object = json.if_object();
  if (!object) throw std::invalid_argument("the selection is not an object");
  ContactSelection selection;
  if (const auto* ids = object->if_contains("ids")) {
    if (!ids->is_array()) throw std::invalid_argument("ids is not an array");
    for (const auto& value : ids->get_array()) {
      const auto* text = value.if_string();
      auto id = text ? Uuid::parse(*text) : std::nullopt;
      if (!id) throw std::invalid_argument("ids holds a value that is not a UUID");
      selection.ids.push_back(*id);
    }
    return selection;
  }
  const auto* query = object->if_contains("query");
  if (!query || !query->is_string()) throw std::invalid_argument("no ids and no query");
  const std::string target = "?" + std::string(query->get_string());
  const auto url = boost::urls::parse_relative_ref(target);
  if (!url) throw std::invalid_argument("the query is malformed");
  try {
    selection.query = contacts::contact_list_query(QueryParams(*url));
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("the query is invalid: ") + e.what());
  }
  const auto* deleted = object->if_contains("include_deleted");
  selection.query.include_deleted = deleted && deleted->is_bool() && deleted->get_bool();
  return selection;
}

const std::vector<std::string>& export_columns() {
  static const std::vector<std::string> columns{"id",
                                                "first_name",
                                                "last_name",
                                                "title",
                                                "seniority",
                                                "departments",
                                                "email",
                                                "email_status",
                                                "phone",
                                                "linkedin_url",
                                                "city",
                                                "state",
                                                "country",
                                                "company_name",
                                                "company_domain",
                                                "company_industry",
                                                "company_employees",
                                                "created_at",
                                                "updated_at"};
  return columns;
}

}  // namespace crmd::exports
