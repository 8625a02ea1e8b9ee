#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "domain/deals/money.hpp"

namespace crmd::deals {
namespace {

TEST(Money, ParsesDecimalsWithUpToTwoPlaces) {
  EXPECT_EQ(parse_money("1234.50"), 123450);
  EXPECT_EQ(parse_money("1234.5"), 123450);
  EXPECT_EQ(parse_money("1234"), 123400);
  EXPECT_EQ(parse_money("-12.05"), -1205);
  EXPECT_EQ(parse_money("0"), 0);
  EXPECT_EQ(parse_money("-0.00"), 0);
  EXPECT_EQ(parse_money("007.10"), 710);
}

TEST(Money, RefusesAnythingElse) {
  for (const char* bad : {"", ".", "-", "-.", ".5", "5.", "1.234", "1e3", " 1", "1 ", "+1", "1,5",
                          "--1", "1.-5", "0x10", "1.5.0", "NaN"})
    EXPECT_FALSE(parse_money(bad)) << bad;
}

TEST(Money, BoundsMagnitudeBelow10To16Units) {
  EXPECT_EQ(parse_money("9999999999999999.99"), 999999999999999999);
  EXPECT_EQ(parse_money("-9999999999999999.99"), -999999999999999999);
  EXPECT_FALSE(parse_money("10000000000000000"));
  EXPECT_FALSE(parse_money("-10000000000000000.00"));
  EXPECT_FALSE(parse_money("99999999999999999999999999"));
}

TEST(Money, FormatsWithTwoPlaces) {
  EXPECT_EQ(format_money(0), "0.00");
  EXPECT_EQ(format_money(5), "0.05");
  EXPECT_EQ(format_money(-1205), "-12.05");
  EXPECT_EQ(format_money(-5), "-0.05");
  EXPECT_EQ(format_money(123450), "1234.50");
  EXPECT_EQ(format_money(std::numeric_limits<std::int64_t>::min()), "-92233720368547758.08");
  EXPECT_EQ(parse_money(format_money(999999999999999999)), 999999999999999999);
}

TEST(Money, OfDoubleRoundsTheWrittenDecimalHalfAwayFromZero) {
  EXPECT_EQ(money_of_double(1234.5), 123450);
  EXPECT_EQ(money_of_double(0.125), 13);
  EXPECT_EQ(money_of_double(-0.125), -13);
  EXPECT_EQ(money_of_double(1.005), 101);  // 1.00499999... as a double
  EXPECT_EQ(money_of_double(0.004), 0);
  EXPECT_EQ(money_of_double(-2.675), -268);
  EXPECT_EQ(money_of_double(100), 10000);
  EXPECT_EQ(money_of_double(1e15), 100000000000000000);
}

TEST(Money, OfDoubleRefusesNonFiniteAndOutOfBounds) {
  EXPECT_FALSE(money_of_double(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(money_of_double(-std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(money_of_double(std::nan("")));
  EXPECT_FALSE(money_of_double(1e16));
  EXPECT_FALSE(money_of_double(-1e300));
}

TEST(Money, CurrencyIsThreeUpperCaseLetters) {
  EXPECT_TRUE(valid_currency("USD"));
  EXPECT_TRUE(valid_currency("BRL"));
  EXPECT_FALSE(valid_currency("usd"));
  EXPECT_FALSE(valid_currency("US"));
  EXPECT_FALSE(valid_currency("USDT"));
  EXPECT_FALSE(valid_currency("U$D"));
  EXPECT_FALSE(valid_currency(""));
}

TEST(Money, WeightedRoundsHalfAwayFromZero) {
  EXPECT_EQ(weighted_cents(10000000, 50), 5000000);  // 100k at 50%
  EXPECT_EQ(weighted_cents(1, 50), 1);               // 0.5 cent
  EXPECT_EQ(weighted_cents(-1, 50), -1);
  EXPECT_EQ(weighted_cents(1, 49), 0);
  EXPECT_EQ(weighted_cents(333, 33), 110);  // 109.89
  EXPECT_EQ(weighted_cents(12345, 0), 0);
  EXPECT_EQ(weighted_cents(12345, 100), 12345);
}

TEST(Money, WeightedDoesNotOverflowAtTheBound) {
  EXPECT_EQ(weighted_cents(999999999999999999, 100), 999999999999999999);
  EXPECT_EQ(weighted_cents(999999999999999999, 99), 989999999999999999);
  EXPECT_EQ(weighted_cents(-999999999999999999, 70), -700000000000000000 + 1);
}

}  // namespace
}  // namespace crmd::deals
