// Query parameters several routes declare alike: the contact list's filters
// (v1, v2, a company's contacts, exports), ordering tables, flags.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "domain/common/ordering.hpp"
#include "server/openapi/operation.hpp"

namespace crmd::openapi {

// ordering=name or -name, for each name of the table.
Parameter ordering_param(Orderings table);
// Every parameter of contacts::kListParameters; throws std::logic_error when
// one has no declaration here (a new filter must be documented).
std::vector<Parameter> contact_list_params();
// A repeatable query parameter: name=a&name=b.
Parameter repeated(std::string name, Schema item, std::string description = {});
Parameter flag(std::string name, std::string description);
Parameter timestamp_param(std::string name, std::string description = {});

}  // namespace crmd::openapi
