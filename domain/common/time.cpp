#include "domain/common/time.hpp"

#include <charconv>
#include <cstdio>

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

bool expect(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                        int(hms.minutes().count()), int(hms.seconds().count()));
  const auto micros = hms.subseconds().count();
  if (micros != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06ld", long(micros));
  buf[n++] = 'Z';
  return std::string(buf, n);
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
