#include "server/routes/list_params.hpp"

#include "domain/common/error.hpp"

namespace crmd::server::routes {

bool is_admin(const http::Request& request) {
  return request.principal && request.principal->role == identity::Role::admin;
}

bool include_deleted(const http::Request& request) {
  const bool wanted = request.query().boolean("include_deleted", false);
  if (wanted && !is_admin(request))
    throw Error(ErrorKind::forbidden, "forbidden", "include_deleted is for admins");
  return wanted;
}

}  // namespace crmd::server::routes
