// Money: an exact decimal with 2 places, carried as std::int64_t hundredths
// ("cents") next to its ISO 4217 currency code, and written in JSON as a
// decimal string ("1234.50") so no client rounds it through a double.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/json_schema.hpp"

namespace crmd::deals {

// Amounts are below 10^16 units in magnitude (10^18 cents, which int64 holds).
inline constexpr std::int64_t kMoneyUnitsBound = 10'000'000'000'000'000;

// [-]digits[.d[d]]: at least one integer digit, at most 2 fraction digits,
// nothing else (no sign '+', exponent or spaces).
std::optional<std::int64_t> parse_money(std::string_view text);
// "-12.05", "0.00"
std::string format_money(std::int64_t cents);
// A JSON number (Pipedrive sends values so), rounded half away from zero to
// cents; none when not finite or out of bounds.
std::optional<std::int64_t> money_of_double(double value);
// Three upper-case ASCII letters (the form, not ISO 4217's list).
bool valid_currency(std::string_view code);

// value * probability / 100, rounded half away from zero; probability 0..100.
std::int64_t weighted_cents(std::int64_t value_cents, int probability);

// The JSON schema of format_money's text.
schema::Schema money_schema();

}  // namespace crmd::deals
