#include "domain/common/time.hpp"

#include <algorithm>
#include <charconv>

namespace crmd {
namespace {

bool read_int(std::string_view& s, std::size_t digits, int& out) {
  if (s.size() < digits) return false;
  for (std::size_t i = 0; i < digits; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  std::from_chars(s.data(), s.data() + digits, out);
  s.remove_prefix(digits);
  return true;
}

// value (0 <= value < 10^width) as exactly width digits, zeros first.
char* write_digits(char* out, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

bool expect(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

// Every timestamp of every answer is written here: digits by hand, not
// through printf's format parser.
std::size_t write_rfc3339(Timestamp t, char* out) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char* p = out;
  p = write_digits(p, std::clamp(int(ymd.year()), 0, 9999), 4);
  *p++ = '-';
  p = write_digits(p, int(unsigned(ymd.month())), 2);
  *p++ = '-';
  p = write_digits(p, int(unsigned(ymd.day())), 2);
  *p++ = 'T';
  p = write_digits(p, int(hms.hours().count()), 2);
  *p++ = ':';
  p = write_digits(p, int(hms.minutes().count()), 2);
  *p++ = ':';
  p = write_digits(p, int(hms.seconds().count()), 2);
  if (const auto micros = hms.subseconds().count(); micros != 0) {
    *p++ = '.';
    p = write_digits(p, int(micros), 6);
  }
  *p++ = 'Z';
  return static_cast<std::size_t>(p - out);
}

std::string format_rfc3339(Timestamp t) {
  char buf[kRfc3339MaxSize];
  return std::string(buf, write_rfc3339(t, buf));
}

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!read_int(s, 4, y) || !expect(s, '-') || !read_int(s, 2, mo) || !expect(s, '-') ||
      !read_int(s, 2, d))
    return std::nullopt;
  if (s.empty() || (s.front() != 'T' && s.front() != 't' && s.front() != ' ')) return std::nullopt;
  s.remove_prefix(1);
  if (!read_int(s, 2, h) || !expect(s, ':') || !read_int(s, 2, mi) || !expect(s, ':') ||
      !read_int(s, 2, sec))
    return std::nullopt;
  long micros = 0;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    int digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
      if (digits < 6) micros = micros * 10 + (s.front() - '0');
      ++digits;
      s.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
  }
  int offset_minutes = 0;
  if (!s.empty() && (s.front() == 'Z' || s.front() == 'z')) {
    s.remove_prefix(1);
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh = 0, om = 0;
    if (!read_int(s, 2, oh)) return std::nullopt;
    if (!s.empty()) {
      expect(s, ':');
      if (!read_int(s, 2, om)) return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  Timestamp t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + microseconds{micros};
  return t - minutes{offset_minutes};
}

}  // namespace crmd
