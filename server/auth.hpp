// The access check of every route: reads the credentials its Access level
// asks for, sets request.principal, or refuses with 401 (no or bad
// credentials) or 403 (too low a role, wrong write key).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "actors/identity.hpp"
#include "server/http/router.hpp"

namespace crmd::server {

class Authenticator {
 public:
  explicit Authenticator(actors::IdentityService& identity) : identity_(identity) {}

  boost::asio::awaitable<void> authorize(http::Request& request, http::Access access) const;

 private:
  boost::asio::awaitable<void> bearer(http::Request& request, identity::Role minimum) const;
  boost::asio::awaitable<void> write_key(http::Request& request) const;

  actors::IdentityService& identity_;
};

}  // namespace crmd::server
