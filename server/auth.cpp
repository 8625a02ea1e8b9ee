#include "server/auth.hpp"

#include <boost/beast/core/string.hpp>

namespace crmd::server {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using http::Access;
using identity::Role;

namespace {

constexpr std::string_view kWriteKeyHeader = "X-Contacts-Write-Key";

}  // namespace

asio::awaitable<void> Authenticator::authorize(http::Request& request,
                                               const http::Route& route) const {
  const auto access = route.access;
  // Decided first and awaited after: g++ 12 miscompiles co_await inside switch.
  std::optional<Role> minimum;
  bool key = false;
  switch (access) {
    case Access::public_:
      co_return;
    case Access::sales:
      minimum = Role::sales;
      break;
    case Access::manager:
      minimum = Role::manager;
      break;
    case Access::admin:
      minimum = Role::admin;
      break;
    case Access::write_key:
      key = true;
      break;
    case Access::bearer_or_signed:
      if (request.message.count(beast_http::field::authorization) == 0) co_return;
      minimum = Role::sales;
      break;
    case Access::write_key_or_bearer:
      key = request.message.count(kWriteKeyHeader) > 0 ||
            request.message.count(beast_http::field::authorization) == 0;
      if (!key) minimum = Role::sales;
      break;
  }
  if (key)
    co_await write_key(request);
  else
    co_await bearer(request, *minimum);
  if (!request.principal) co_return;  // bearer_or_signed without a token
  const auto& principal = *request.principal;
  if (principal.kind == identity::Principal::Kind::api_key) {
    if (route.options.scope.empty())
      throw Error(ErrorKind::forbidden, "api_key_not_allowed",
                  "this route does not accept API keys; sign in as a user");
    if (!principal.may(route.options.scope))
      throw Error(ErrorKind::forbidden, "insufficient_scope",
                  "the API key lacks the scope " + route.options.scope,
                  {{"scope", route.options.scope}});
  }
}

asio::awaitable<void> Authenticator::bearer(http::Request& request, Role minimum) const {
  const auto header = request.message[beast_http::field::authorization];
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !boost::beast::iequals(header.substr(0, kScheme.size()), kScheme))
    throw Error(ErrorKind::unauthorized, "not_authenticated", "a bearer token is required");
  const auto token = header.substr(kScheme.size());
  std::optional<identity::Principal> principal;
  if (actors::IdentityService::looks_like_api_key(token))
    principal = co_await identity_.authenticate_api_key(token);
  else
    principal = co_await identity_.authenticate_bearer(token);
  if (!identity::at_least(principal->role, minimum))
    throw Error(ErrorKind::forbidden, "forbidden",
                "this needs the " + std::string(identity::to_string(minimum)) + " role or higher");
  request.principal = std::move(principal);
}

asio::awaitable<void> Authenticator::write_key(http::Request& request) const {
  const auto key = request.message[kWriteKeyHeader];
  if (key.empty())
    throw Error(ErrorKind::unauthorized, "missing_write_key",
                "the X-Contacts-Write-Key header is required");
  request.principal = co_await identity_.authenticate_write_key(key);
}

}  // namespace crmd::server
