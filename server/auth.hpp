// The access check of every route: reads the credentials its Access level
// asks for, sets request.principal, or refuses with 401 (no or bad
// credentials) or 403 (too low a role, wrong write key, a key without the
// route's scope). API keys (crmd_…) are taken as bearer tokens too.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "actors/identity.hpp"
#include "server/http/router.hpp"

namespace crmd::server {

class Authenticator {
 public:
  explicit Authenticator(actors::IdentityService& identity) : identity_(identity) {}

  // Sets request.principal for route, or throws; an API key without the
  // route's scope gets 403 insufficient_scope.
  boost::asio::awaitable<void> authorize(http::Request& request, const http::Route& route) const;

 private:
  boost::asio::awaitable<void> bearer(http::Request& request, identity::Role minimum) const;
  boost::asio::awaitable<void> write_key(http::Request& request) const;

  actors::IdentityService& identity_;
};

}  // namespace crmd::server
