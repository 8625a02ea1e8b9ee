#include "domain/deals/money.hpp"

#include <charconv>
#include <cmath>

namespace crmd::deals {
namespace {

constexpr std::int64_t kCentsBound = kMoneyUnitsBound * 100;

}  // namespace

std::optional<std::int64_t> parse_money(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const auto point = text.find('.');
  const auto whole = text.substr(0, point);
  const auto fraction =
      point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  if (whole.empty()) return std::nullopt;
  if (point != std::string_view::npos && (fraction.empty() || fraction.size() > 2))
    return std::nullopt;
  std::int64_t units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    units = units * 10 + (c - '0');
    if (units >= kMoneyUnitsBound) return std::nullopt;
  }
  std::int64_t cents = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    cents = cents * 10 + (c - '0');
  }
  const std::int64_t total = units * 100 + cents;
  return negative ? -total : total;
}

std::string format_money(std::int64_t cents) {
  // Unsigned, so that the magnitude of INT64_MIN is representable.
  std::uint64_t magnitude = cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : cents;
  char text[24];
  char* end = text + sizeof text;
  char* p = end;
  for (int i = 0; i < 2; ++i, magnitude /= 10) *--p = static_cast<char>('0' + magnitude % 10);
  *--p = '.';
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude > 0);
  if (cents < 0) *--p = '-';
  return std::string(p, end);
}

std::optional<std::int64_t> money_of_double(double value) {
  if (!std::isfinite(value) || std::fabs(value) >= static_cast<double>(kMoneyUnitsBound))
    return std::nullopt;
  // Rounded from the shortest decimal that reads back as this double, which
  // is the number the sender wrote: 1.005 is stored as 1.00499999999999989...
  // and value * 100 would round it down to 1.00.
  char text[64];
  const auto [end, error] =
      std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  if (error != std::errc{}) return std::nullopt;
  std::string_view digits(text, static_cast<std::size_t>(end - text));
  const bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  const auto point = digits.find('.');
  const auto whole = digits.substr(0, point);
  const auto fraction =
      point == std::string_view::npos ? std::string_view{} : digits.substr(point + 1);
  std::int64_t cents = 0;
  for (char c : whole) cents = cents * 10 + (c - '0');
  for (std::size_t i = 0; i < 2; ++i)
    cents = cents * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  if (fraction.size() > 2 && fraction[2] >= '5') ++cents;
  if (cents >= kCentsBound) return std::nullopt;
  return negative ? -cents : cents;
}

bool valid_currency(std::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

std::int64_t weighted_cents(std::int64_t value_cents, int probability) {
  const __int128 product = static_cast<__int128>(value_cents) * probability;
  __int128 quotient = product / 100;
  const __int128 remainder = product % 100;
  if (remainder >= 50) ++quotient;
  if (remainder <= -50) --quotient;
  return static_cast<std::int64_t>(quotient);
}

schema::Schema money_schema() {
  auto s = schema::described(schema::string(20), "an exact decimal amount with 2 places");
  s["pattern"] = "^-?[0-9]+\\.[0-9]{2}$";
  return s;
}

}  // namespace crmd::deals
