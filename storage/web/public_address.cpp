#include "storage/web/public_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <string>

#include "domain/common/cidr.hpp"

namespace crmd::web {
namespace {

const std::array<Cidr, 19>& non_public() {
  static const std::array<Cidr, 19> networks{
      *Cidr::parse("0.0.0.0/8"),       *Cidr::parse("10.0.0.0/8"),
      *Cidr::parse("100.64.0.0/10"),   *Cidr::parse("127.0.0.0/8"),
      *Cidr::parse("169.254.0.0/16"),  *Cidr::parse("172.16.0.0/12"),
      *Cidr::parse("192.0.0.0/24"),    *Cidr::parse("192.0.2.0/24"),
      *Cidr::parse("192.168.0.0/16"),  *Cidr::parse("198.18.0.0/15"),
      *Cidr::parse("198.51.100.0/24"), *Cidr::parse("203.0.113.0/24"),
      *Cidr::parse("224.0.0.0/4"),     *Cidr::parse("240.0.0.0/4"),
      *Cidr::parse("::/128"),          *Cidr::parse("::1/128"),
      *Cidr::parse("fc00::/7"),        *Cidr::parse("fe80::/10"),
      *Cidr::parse("ff00::/8"),
  };
  return networks;
}

}  // namespace

bool is_public_address(const sockaddr& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.sa_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
  } else if (address.sa_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    const auto* b = v6.sin6_addr.s6_addr;
    // ::ffff:a.b.c.d and ::a.b.c.d reach the IPv4 address a.b.c.d.
    bool leading_zero = true;
    for (int i = 0; i < 10; ++i) leading_zero = leading_zero && b[i] == 0;
    const bool mapped = leading_zero && b[10] == 0xff && b[11] == 0xff;
    const bool compatible =
        leading_zero && b[10] == 0 && b[11] == 0 && (b[12] | b[13] | b[14]) != 0;
    if (mapped || compatible)
      inet_ntop(AF_INET, b + 12, text, sizeof text);
    else
      inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
  } else {
    return false;
  }
  const std::string printed(text);
  for (const auto& network : non_public())
    if (network.contains(printed)) return false;
  return !printed.empty();
}

}  // namespace crmd::web
