#include "domain/common/page.hpp"

#include <charconv>
#include <cstdint>

#include "domain/common/date.hpp"
#include "domain/common/storable_text.hpp"

namespace crmd {
namespace {

// n digits at text[at...], advancing at.
bool digits(std::string_view text, std::size_t& at, std::size_t n) {
  if (at + n > text.size()) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (text[at + i] < '0' || text[at + i] > '9') return false;
  at += n;
  return true;
}

bool literal(std::string_view text, std::size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

// PostgreSQL's text of a timestamptz under ISO DateStyle:
// "2026-12-01 08:52:49.123456+00", the fraction and the offset's minutes
// optional, or ±infinity.
bool pg_timestamp(std::string_view t) {
  if (t == "infinity" || t == "-infinity") return true;
  std::size_t at = 0;
  if (!(digits(t, at, 4) && literal(t, at, '-') && digits(t, at, 2) && literal(t, at, '-') &&
        digits(t, at, 2) && literal(t, at, ' ') && digits(t, at, 2) && literal(t, at, ':') &&
        digits(t, at, 2) && literal(t, at, ':') && digits(t, at, 2)))
    return false;
  if (at < t.size() && t[at] == '.') {
    ++at;
    std::size_t n = 0;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9' && n < 6) ++at, ++n;
    if (n == 0) return false;
  }
  if (at >= t.size() || (t[at] != '+' && t[at] != '-')) return false;
  ++at;
  if (!digits(t, at, 2)) return false;
  if (at < t.size() && !(literal(t, at, ':') && digits(t, at, 2))) return false;
  return at == t.size();
}

}  // namespace

std::string_view sql_cast(SortKeyType type) {
  switch (type) {
    case SortKeyType::timestamp:
      return "::timestamptz";
    case SortKeyType::integer:
      return "::integer";
    case SortKeyType::date:
      return "::date";
    case SortKeyType::text:
      break;
  }
  return "::text";
}

bool valid_sort_key(std::string_view key, SortKeyType type) {
  switch (type) {
    case SortKeyType::timestamp:
      return pg_timestamp(key);
    case SortKeyType::integer: {
      std::int32_t value = 0;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), value);
      return !key.empty() && ec == std::errc{} && end == key.data() + key.size();
    }
    case SortKeyType::date:
      return parse_date(key).has_value();
    case SortKeyType::text:
      break;
  }
  return storable(key);
}

}  // namespace crmd
