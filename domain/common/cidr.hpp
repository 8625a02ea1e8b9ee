// An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "::1/128"; a bare
// address is a network of one), and whether an address lies in it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace crmd {

class Cidr {
 public:
  static std::optional<Cidr> parse(std::string_view text);
  // An unparsable address lies in no network.
  bool contains(std::string_view address) const;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  bool v6_ = false;
  unsigned prefix_ = 0;
};

// Whether text is an IPv4 or IPv6 address.
bool is_ip_address(std::string_view text);

}  // namespace crmd
