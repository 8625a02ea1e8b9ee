// API-key scopes: "<resource>:<verb>". A key may do what its scopes grant
// and, on v2, never more than the role of the user who created it.
//   contacts:read contacts:write contacts:import contacts:export
//   companies:read companies:write leads:read leads:write jobs:read jobs:write
//   changes:read drive:read drive:write calendar:read calendar:write
// "<resource>:*" grants every verb of a resource; ":write" grants ":read".
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace crmd::identity {

// Every scope a key may hold, wildcards included, as one comma-separated
// line for error messages and the README.
std::string_view known_scopes_text();
bool is_known_scope(std::string_view scope);

// Whether the held scopes grant needed.
bool grants(std::span<const std::string> held, std::string_view needed);

// The scope a route needs from an API key when it declares none: the
// resource named by the path (/api/v2/<resource>/..., /api/v1/contacts/...)
// and read for GET and HEAD, write otherwise. Empty: API keys may not call it.
std::string default_scope(std::string_view method, std::string_view path_template);

}  // namespace crmd::identity
