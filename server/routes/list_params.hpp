// Query parameters the list routes share that depend on the caller:
// include_deleted is for admins only.
#pragma once

#include "server/http/request.hpp"

namespace crmd::server::routes {

bool is_admin(const http::Request& request);

// `include_deleted=true`, 403 unless the caller is an admin.
bool include_deleted(const http::Request& request);

}  // namespace crmd::server::routes
