#include "domain/common/date.hpp"

#include <gtest/gtest.h>

namespace crmd {
namespace {

using namespace std::chrono;

TEST(Date, ParsesStrictCalendarDates) {
  EXPECT_EQ(parse_date("2024-02-29"), sys_days{2024y / February / 29});
  EXPECT_EQ(parse_date("0000-01-01"), sys_days{0y / January / 1});
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2024-13-01"));
  EXPECT_FALSE(parse_date("2024-00-10"));
  EXPECT_FALSE(parse_date("2024-04-31"));
  EXPECT_FALSE(parse_date("2024-4-01"));
  EXPECT_FALSE(parse_date("2024-04-01T00:00"));
  EXPECT_FALSE(parse_date("2024/04/01"));
  EXPECT_FALSE(parse_date("+024-04-01"));
  EXPECT_FALSE(parse_date(""));
}

TEST(Date, FormatsDatesAndMonthsWithLeadingZeros) {
  EXPECT_EQ(format_date(sys_days{2024y / March / 5}), "2024-03-05");
  EXPECT_EQ(format_date(sys_days{987y / December / 31}), "0987-12-31");
  EXPECT_EQ(format_month(sys_days{2024y / March / 5}), "2024-03");
  EXPECT_EQ(format_date(*parse_date("2031-11-09")), "2031-11-09");
}

TEST(Date, FirstOfMonthAndAddingMonthsAcrossYears) {
  EXPECT_EQ(first_of_month(sys_days{2024y / March / 31}), sys_days{2024y / March / 1});
  EXPECT_EQ(add_months(sys_days{2024y / November / 1}, 3), sys_days{2025y / February / 1});
  EXPECT_EQ(add_months(sys_days{2024y / January / 1}, -1), sys_days{2023y / December / 1});
  EXPECT_EQ(add_months(sys_days{2024y / January / 1}, 0), sys_days{2024y / January / 1});
  EXPECT_EQ(add_months(sys_days{2024y / January / 31}, 1), sys_days{2024y / February / 1});
}

}  // namespace
}  // namespace crmd
