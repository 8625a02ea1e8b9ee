// Calendar dates (no time of day, no zone): the YYYY-MM-DD text that JSON
// and PostgreSQL's date type use, and the month arithmetic of reports.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace crmd {

// Strictly YYYY-MM-DD (years 0000 to 9999), and a day the calendar has.
std::optional<std::chrono::sys_days> parse_date(std::string_view text);
// Years 0 to 9999, as parse_date reads them.
std::string format_date(std::chrono::sys_days day);
// YYYY-MM
std::string format_month(std::chrono::sys_days day);

std::chrono::sys_days first_of_month(std::chrono::sys_days day);
// The first of the month n months (n may be negative) after that of
// first_of_month; its day of the month is ignored.
std::chrono::sys_days add_months(std::chrono::sys_days first_of_month, int n);

}  // namespace crmd
