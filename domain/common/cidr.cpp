#include "domain/common/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace crmd {
namespace {

// The address as 4 or 16 bytes; IPv4-mapped IPv6 (::ffff:a.b.c.d) as IPv4.
std::optional<std::pair<std::array<std::uint8_t, 16>, bool>> address_bytes(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string copy(text);
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(AF_INET, copy.c_str(), bytes.data()) == 1) return std::pair(bytes, false);
  if (inet_pton(AF_INET6, copy.c_str(), bytes.data()) != 1) return std::nullopt;
  constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), bytes.begin())) {
    std::array<std::uint8_t, 16> v4{};
    std::copy(bytes.begin() + 12, bytes.end(), v4.begin());
    return std::pair(v4, false);
  }
  return std::pair(bytes, true);
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = address_bytes(text.substr(0, slash));
  if (!address) return std::nullopt;
  Cidr cidr;
  cidr.bytes_ = address->first;
  cidr.v6_ = address->second;
  const unsigned bits = cidr.v6_ ? 128 : 32;
  cidr.prefix_ = bits;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), cidr.prefix_);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        cidr.prefix_ > bits)
      return std::nullopt;
  }
  return cidr;
}

bool Cidr::contains(std::string_view text) const {
  auto address = address_bytes(text);
  if (!address || address->second != v6_) return false;
  const auto& bytes = address->first;
  unsigned left = prefix_;
  for (std::size_t i = 0; left > 0; ++i) {
    const unsigned take = left >= 8 ? 8 : left;
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - take));
    if ((bytes[i] & mask) != (bytes_[i] & mask)) return false;
    left -= take;
  }
  return true;
}

bool is_ip_address(std::string_view text) {
  return address_bytes(text).has_value();
}

}  // namespace crmd
