#include "domain/common/uuid.hpp"

#include "domain/common/crypto.hpp"

namespace crmd {
namespace {

// Every UUID read from a database row goes through parse(): a table, not
// branches, per character.
constexpr std::array<std::int8_t, 256> kHexValues = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<std::int8_t>(i);
  for (int i = 0; i < 6; ++i) {
    table['a' + i] = static_cast<std::int8_t>(10 + i);
    table['A' + i] = static_cast<std::int8_t>(10 + i);
  }
  return table;
}();

// Where the 16 bytes' hex pairs start in the canonical text.
constexpr std::array<std::uint8_t, 16> kPairOffsets{0,  2,  4,  6,  9,  11, 14, 16,
                                                    19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != kTextSize || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-')
    return std::nullopt;
  std::array<std::uint8_t, 16> bytes{};
  int invalid = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const int hi = kHexValues[static_cast<unsigned char>(text[kPairOffsets[i]])];
    const int lo = kHexValues[static_cast<unsigned char>(text[kPairOffsets[i] + 1])];
    invalid |= hi | lo;  // negative once any is not a hex digit
    bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  if (invalid < 0) return std::nullopt;
  return Uuid(bytes);
}

// From the OS CSPRNG: ids are unguessable (refresh-token jtis, job and
// upload names are UUIDs).
Uuid Uuid::random_v4() {
  std::array<std::uint8_t, 16> bytes{};
  fill_random(bytes.data(), bytes.size());
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  return Uuid(bytes);
}

void Uuid::write(char* out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  out[8] = out[13] = out[18] = out[23] = '-';
  for (std::size_t i = 0; i < 16; ++i) {
    out[kPairOffsets[i]] = kHex[bytes_[i] >> 4];
    out[kPairOffsets[i] + 1] = kHex[bytes_[i] & 0x0F];
  }
}

std::string Uuid::str() const {
  std::string out(kTextSize, '\0');
  write(out.data());
  return out;
}

}  // namespace crmd
