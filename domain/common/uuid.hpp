// A UUID value: parsing, formatting and random (version 4) generation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmd {

class Uuid {
 public:
  Uuid() = default;  // the nil UUID
  explicit Uuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}

  // Accepts the canonical 8-4-4-4-12 form, either case; nullopt otherwise.
  static std::optional<Uuid> parse(std::string_view text);
  static Uuid random_v4();

  static constexpr std::size_t kTextSize = 36;
  std::string str() const;  // lower-case canonical form
  // Writes the same kTextSize characters to out, with no allocation.
  void write(char* out) const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  bool is_nil() const { return *this == Uuid{}; }

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace crmd
