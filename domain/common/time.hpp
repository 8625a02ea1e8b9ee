// Points in time, microsecond precision as in PostgreSQL, always UTC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace crmd {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// RFC 3339 in UTC: 2026-11-21T22:38:56.123456Z (fraction only when non-zero).
std::string format_rfc3339(Timestamp t);
// The same text written to out (room for kRfc3339MaxSize), with no
// allocation; returns its length. Years 0 to 9999.
constexpr std::size_t kRfc3339MaxSize = 27;
std::size_t write_rfc3339(Timestamp t, char* out);

// Parses RFC 3339 ("T" or " " between date and time, optional fraction,
// "Z" or a +hh[:mm] offset) and PostgreSQL's ISO output ("+00").
std::optional<Timestamp> parse_timestamp(std::string_view text);

}  // namespace crmd
