// The guard against server-side request forgery for targets that users
// choose (webhooks): used as HttpRequest::allow_address, it is checked on
// the address actually connected to, after DNS.
#pragma once

#include <sys/socket.h>

namespace crmd::web {

// Not loopback, private, link-local (cloud metadata at 169.254.169.254),
// unique-local, shared (CGNAT), multicast, reserved or unspecified; an
// IPv4-mapped or -compatible IPv6 address is judged as its IPv4 address.
bool is_public_address(const sockaddr& address);

}  // namespace crmd::web
