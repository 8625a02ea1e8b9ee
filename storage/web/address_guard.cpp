#include "storage/web/address_guard.hpp"

#include <sys/socket.h>

namespace crmd::web {

namespace {

curl_socket_t open_socket(void* data, curlsocktype purpose, curl_sockaddr* address) {
  auto& guard = *static_cast<AddressGuard*>(data);
  if (purpose == CURLSOCKTYPE_IPCXN && guard.allow && !guard.allow(address->addr)) {
    guard.refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace

void guard_addresses(CURL* easy, AddressGuard& guard) {
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &guard);
}

}  // namespace crmd::web
