#include <gtest/gtest.h>

#include "domain/deals/cashflow.hpp"

namespace crmd::deals {
namespace {

using namespace std::chrono;

const sys_days kToday{2025y / June / 15};

CashflowGroup group(std::string currency, std::optional<sys_days> close, int probability,
                    std::int64_t value, std::int64_t deals = 1, bool slipped = false) {
  return {std::move(currency), close, slipped, probability, value, deals};
}

const CashflowBucket& find(const CashflowProjection& p, std::string_view currency,
                           std::string_view key) {
  for (const auto& b : p.buckets)
    if (b.currency == currency && b.key == key) return b;
  static const CashflowBucket none{"absent", "absent"};
  ADD_FAILURE() << currency << " " << key << " absent";
  return none;
}

TEST(Cashflow, BucketsBestCaseWeightedAndCommitByCloseMonth) {
  const std::vector<CashflowGroup> groups{
      group("USD", sys_days{2025y / June / 1}, 50, 10000000),  // the Frappe example
      group("USD", sys_days{2025y / June / 1}, 80, 200000, 2),
      group("USD", sys_days{2025y / August / 1}, 70, 30000),
  };
  const auto p = project_cashflow(groups, kToday, 3, 70);
  const auto& june = find(p, "USD", "2025-06");
  EXPECT_EQ(june.deals, 3);
  EXPECT_EQ(june.best_case, 10200000);
  EXPECT_EQ(june.weighted, 5000000 + 160000);
  EXPECT_EQ(june.commit, 200000);
  const auto& august = find(p, "USD", "2025-08");
  EXPECT_EQ(august.weighted, 21000);
  EXPECT_EQ(august.commit, 30000);  // p at the threshold is commit
}

TEST(Cashflow, WeightsEachGroupsSumOnce) {
  // Three deals of 0.01 at 50% weigh 0.02 (0.015 rounded), not 3 × 0.01.
  const auto p =
      project_cashflow({group("EUR", sys_days{2025y / June / 1}, 50, 3, 3)}, kToday, 1, 70);
  EXPECT_EQ(find(p, "EUR", "2025-06").weighted, 2);
}

TEST(Cashflow, NeverAddsCurrenciesTogether) {
  const auto p = project_cashflow({group("USD", sys_days{2025y / June / 1}, 100, 1000),
                                   group("BRL", sys_days{2025y / June / 1}, 100, 5000)},
                                  kToday, 1, 70);
  EXPECT_EQ(find(p, "USD", "2025-06").best_case, 1000);
  EXPECT_EQ(find(p, "BRL", "2025-06").best_case, 5000);
  ASSERT_EQ(p.totals.size(), 2u);
  EXPECT_EQ(p.totals[0].currency, "BRL");
  EXPECT_EQ(p.totals[0].best_case, 5000);
  EXPECT_EQ(p.totals[1].currency, "USD");
  EXPECT_EQ(p.totals[1].best_case, 1000);
}

TEST(Cashflow, DealsWithoutValueCountButAddNothing) {
  const auto p =
      project_cashflow({group("USD", sys_days{2025y / July / 1}, 90, 0, 4)}, kToday, 2, 70);
  const auto& july = find(p, "USD", "2025-07");
  EXPECT_EQ(july.deals, 4);
  EXPECT_EQ(july.best_case, 0);
  EXPECT_EQ(july.weighted, 0);
  EXPECT_EQ(july.commit, 0);
}

TEST(Cashflow, NoDateSlippedAndLaterBuckets) {
  const auto p = project_cashflow(
      {group("USD", std::nullopt, 100, 700),
       group("USD", sys_days{2025y / June / 1}, 100, 300, 1, true),  // closed on June 2
       group("USD", sys_days{2025y / March / 1}, 100, 200),          // a past month
       group("USD", sys_days{2025y / September / 1}, 100, 900),      // past a 3-month horizon
       group("USD", sys_days{2025y / August / 1}, 100, 50)},
      kToday, 3, 70);
  EXPECT_EQ(find(p, "USD", "no_date").best_case, 700);
  EXPECT_EQ(find(p, "USD", "slipped").best_case, 500);
  EXPECT_EQ(find(p, "USD", "slipped").deals, 2);
  EXPECT_EQ(find(p, "USD", "later").best_case, 900);
  EXPECT_EQ(find(p, "USD", "2025-08").best_case, 50);
  EXPECT_EQ(find(p, "USD", "2025-06").best_case, 0);
}

TEST(Cashflow, OrdersSlippedMonthsLaterNoDateAndEmitsEmptyMonths) {
  const auto p = project_cashflow(
      {group("USD", sys_days{2025y / December / 1}, 100, 1), group("EUR", std::nullopt, 100, 1)},
      sys_days{2025y / November / 30}, 3, 70);
  std::vector<std::string> keys;
  for (const auto& b : p.buckets) keys.push_back(b.currency + " " + b.key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"EUR slipped", "EUR 2025-11", "EUR 2025-12", "EUR 2026-01",
                                      "EUR later", "EUR no_date", "USD slipped", "USD 2025-11",
                                      "USD 2025-12", "USD 2026-01", "USD later", "USD no_date"}));
  EXPECT_EQ(find(p, "USD", "2026-01").deals, 0);
  EXPECT_EQ(find(p, "EUR", "2025-12").best_case, 0);
}

TEST(Cashflow, NoGroupsNoBuckets) {
  const auto p = project_cashflow({}, kToday, 6, 70);
  EXPECT_TRUE(p.buckets.empty());
  EXPECT_TRUE(p.totals.empty());
}

TEST(Cashflow, TotalsPerCurrencyOverEveryBucket) {
  const auto p = project_cashflow({group("USD", std::nullopt, 50, 1000, 2),
                                   group("USD", sys_days{2025y / June / 1}, 80, 500, 1, true),
                                   group("USD", sys_days{2025y / July / 1}, 70, 300),
                                   group("USD", sys_days{2030y / July / 1}, 10, 100)},
                                  kToday, 2, 70);
  ASSERT_EQ(p.totals.size(), 1u);
  const auto& t = p.totals[0];
  EXPECT_EQ(t.key, "total");
  EXPECT_EQ(t.deals, 5);
  EXPECT_EQ(t.best_case, 1900);
  EXPECT_EQ(t.weighted, 500 + 400 + 210 + 10);
  EXPECT_EQ(t.commit, 500 + 300);
}

TEST(Cashflow, HorizonIsClamped) {
  const auto none =
      project_cashflow({group("USD", sys_days{2025y / June / 1}, 100, 1)}, kToday, -4, 70);
  EXPECT_EQ(none.months, 0);
  EXPECT_EQ(none.buckets.size(), 3u);
  EXPECT_EQ(find(none, "USD", "later").deals, 1);
  const auto many = project_cashflow({group("USD", std::nullopt, 100, 1)}, kToday, 100000, 70);
  EXPECT_EQ(many.months, kMaxCashflowMonths);
  EXPECT_EQ(many.buckets.size(), static_cast<std::size_t>(kMaxCashflowMonths) + 3);
}

TEST(Cashflow, JsonWritesMoneyAsDecimalStrings) {
  const auto p =
      project_cashflow({group("USD", sys_days{2025y / June / 1}, 50, 12345)}, kToday, 1, 70);
  const auto json = to_json(p);
  EXPECT_EQ(json.at("today").as_string(), "2025-06-15");
  EXPECT_EQ(json.at("months").as_int64(), 1);
  const auto& june = json.at("buckets").as_array()[1].as_object();
  EXPECT_EQ(june.at("key").as_string(), "2025-06");
  EXPECT_EQ(june.at("best_case").as_string(), "123.45");
  EXPECT_EQ(june.at("weighted").as_string(), "61.73");
  EXPECT_EQ(june.at("commit").as_string(), "0.00");
  EXPECT_EQ(json.at("totals").as_array()[0].at("key").as_string(), "total");
  const auto schema = json_schema(std::type_identity<CashflowProjection>{});
  for (const auto& [name, value] : json)
    EXPECT_TRUE(schema.at("properties").as_object().contains(name)) << name;
}

}  // namespace
}  // namespace crmd::deals
