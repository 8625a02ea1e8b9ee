// Refusing addresses before curl connects to them: the open-socket callback
// sees every address curl is about to connect to (each one happy eyeballs
// tries, each redirect's) and opens no socket for one the predicate refuses.
// Through a proxy the address is the proxy's, not the target's.
#pragma once

#include <curl/curl.h>

#include "storage/web/http_message.hpp"

namespace crmd::web {

struct AddressGuard {
  AddressPredicate allow;  // empty: every address
  bool refused = false;    // set once any address was refused
};

// Makes curl open its sockets through guard, which must outlive the
// transfer. Sockets are opened close-on-exec (crmd starts PostgreSQL as a
// child process, which must not inherit them).
void guard_addresses(CURL* easy, AddressGuard& guard);

}  // namespace crmd::web
