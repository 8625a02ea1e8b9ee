#include "domain/common/date.hpp"

namespace crmd {
namespace {

using namespace std::chrono;

std::optional<unsigned> digits(std::string_view text) {
  unsigned n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n;
}

void append_digits(std::string& out, int n, int width) {
  std::string text(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0 && n > 0; --i, n /= 10) text[i] = static_cast<char>('0' + n % 10);
  out += text;
}

}  // namespace

std::optional<sys_days> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = digits(text.substr(0, 4));
  const auto m = digits(text.substr(5, 2));
  const auto d = digits(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  const year_month_day ymd{year{static_cast<int>(*y)}, month{*m}, day{*d}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::string format_date(sys_days day) {
  const year_month_day ymd{day};
  std::string out = format_month(day);
  out += '-';
  append_digits(out, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  return out;
}

std::string format_month(sys_days day) {
  const year_month_day ymd{day};
  std::string out;
  out.reserve(10);
  append_digits(out, static_cast<int>(ymd.year()), 4);
  out += '-';
  append_digits(out, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  return out;
}

sys_days first_of_month(sys_days day) {
  const year_month_day ymd{day};
  return sys_days{ymd.year() / ymd.month() / 1};
}

sys_days add_months(sys_days first_of_month, int n) {
  const year_month_day ymd{first_of_month};
  return sys_days{(ymd.year() / ymd.month() + months{n}) / 1};
}

}  // namespace crmd
