#include <gtest/gtest.h>

#include <map>

#include "domain/deals/kpis.hpp"

namespace crmd::deals {
namespace {

const std::string kAna = "00000000-0000-0000-0000-00000000000a";
const std::string kBob = "00000000-0000-0000-0000-00000000000b";
const std::string kCyd = "00000000-0000-0000-0000-00000000000c";

OwnerKpiRow row(std::optional<std::string> owner, std::string currency) {
  OwnerKpiRow r;
  r.owner_id = std::move(owner);
  r.currency = std::move(currency);
  return r;
}

// Ana: USD and EUR deals; Bob: open deals only; no owner: one won deal.
std::vector<OwnerKpiRow> data_set() {
  auto ana_usd = row(kAna, "USD");
  ana_usd.open_deals = 2;
  ana_usd.open_value = 300000;
  ana_usd.open_weighted = 150000;
  ana_usd.won_deals = 3;
  ana_usd.won_value = 90000;
  ana_usd.lost_deals = 1;
  ana_usd.lost_value = 5000;
  ana_usd.won_days_total = 30;
  ana_usd.rotten = 1;
  ana_usd.stuck = 2;
  auto ana_eur = row(kAna, "EUR");
  ana_eur.won_deals = 1;
  ana_eur.won_value = 7000;
  ana_eur.won_days_total = 10;
  ana_eur.overdue = 1;
  auto bob = row(kBob, "USD");
  bob.open_deals = 4;
  bob.open_value = 40000;
  bob.open_weighted = 10000;
  auto nobody = row(std::nullopt, "USD");
  nobody.won_deals = 1;
  nobody.won_value = 100;
  nobody.won_days_total = 2.5;
  return {bob, nobody, ana_usd, ana_eur};
}

std::string name_of(const std::optional<std::string>& id) {
  static const std::map<std::string, std::string> names{
      {kAna, "ana"}, {kBob, "Bea"}, {kCyd, "Ana"}};
  if (!id) return "";
  const auto it = names.find(*id);
  return it == names.end() ? "" : it->second;
}

const OwnerKpis& of(const std::vector<OwnerKpis>& all, const std::optional<std::string>& id) {
  for (const auto& k : all)
    if (k.owner_id == id) return k;
  throw std::runtime_error("no such owner");
}

TEST(OwnerKpis, WinRateIsWonOverClosedAcrossCurrencies) {
  const auto all = owner_kpis(data_set(), name_of);
  const auto& ana = of(all, kAna);
  EXPECT_EQ(ana.won_deals, 4);
  EXPECT_EQ(ana.lost_deals, 1);
  ASSERT_TRUE(ana.win_rate);
  EXPECT_DOUBLE_EQ(*ana.win_rate, 0.8);
}

TEST(OwnerKpis, NoWinRateNorAverageWithoutClosedDeals) {
  const auto all = owner_kpis(data_set(), name_of);
  const auto& bob = of(all, kBob);
  EXPECT_EQ(bob.open_deals, 4);
  EXPECT_FALSE(bob.win_rate);
  EXPECT_FALSE(bob.average_days_to_close);
}

TEST(OwnerKpis, AverageDaysToCloseOverWonDeals) {
  const auto all = owner_kpis(data_set(), name_of);
  ASSERT_TRUE(of(all, kAna).average_days_to_close);
  EXPECT_DOUBLE_EQ(*of(all, kAna).average_days_to_close, 10.0);  // (30 + 10) / 4
  ASSERT_TRUE(of(all, std::nullopt).average_days_to_close);
  EXPECT_DOUBLE_EQ(*of(all, std::nullopt).average_days_to_close, 2.5);
}

TEST(OwnerKpis, MoneyStaysPerCurrencyAndCountsAddUp) {
  const auto all = owner_kpis(data_set(), name_of);
  const auto& ana = of(all, kAna);
  ASSERT_EQ(ana.currencies.size(), 2u);
  EXPECT_EQ(ana.currencies[0].currency, "EUR");
  EXPECT_EQ(ana.currencies[0].won_value, 7000);
  EXPECT_EQ(ana.currencies[1].currency, "USD");
  EXPECT_EQ(ana.currencies[1].won_value, 90000);
  EXPECT_EQ(ana.currencies[1].open_weighted, 150000);
  EXPECT_EQ(ana.open_deals, 2);
  EXPECT_EQ(ana.rotten, 1);
  EXPECT_EQ(ana.stuck, 2);
  EXPECT_EQ(ana.overdue, 1);
}

TEST(OwnerKpis, RowsOfTheSameOwnerAndCurrencyAreSummed) {
  auto a = row(kBob, "USD"), b = row(kBob, "USD");
  a.open_value = 5;
  b.open_value = 7;
  const auto all = owner_kpis({a, b}, name_of);
  ASSERT_EQ(all.size(), 1u);
  ASSERT_EQ(all[0].currencies.size(), 1u);
  EXPECT_EQ(all[0].currencies[0].open_value, 12);
}

TEST(OwnerKpis, UnassignedIsNamedAndLast) {
  const auto all = owner_kpis(data_set(), name_of);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_FALSE(all.back().owner_id);
  EXPECT_EQ(all.back().owner_name, "Unassigned");
  const auto named = owner_kpis({row(std::nullopt, "USD")},
                                [](const std::optional<std::string>&) { return "Sem dono"; });
  EXPECT_EQ(named[0].owner_name, "Sem dono");
}

TEST(OwnerKpis, SortedByNameCaseInsensitivelyThenId) {
  auto rows = data_set();
  rows.push_back(row(kCyd, "USD"));  // "Ana", same name as kAna's "ana" but for case
  const auto all = owner_kpis(rows, name_of);
  std::vector<std::string> order;
  for (const auto& k : all) order.push_back(k.owner_name);
  EXPECT_EQ(order, (std::vector<std::string>{"Ana", "ana", "Bea", "Unassigned"}));
}

TEST(OwnerKpis, JsonWritesMoneyPerCurrencyAsStrings) {
  const auto all = owner_kpis(data_set(), name_of);
  const auto json = to_json(of(all, kAna));
  EXPECT_EQ(json.at("owner_id").as_string(), kAna);
  EXPECT_DOUBLE_EQ(json.at("win_rate").as_double(), 0.8);
  const auto& usd = json.at("currencies").as_array()[1].as_object();
  EXPECT_EQ(usd.at("currency").as_string(), "USD");
  EXPECT_EQ(usd.at("open_value").as_string(), "3000.00");
  EXPECT_TRUE(to_json(of(all, kBob)).at("win_rate").is_null());
  EXPECT_TRUE(to_json(of(all, std::nullopt)).at("owner_id").is_null());
  const auto schema = json_schema(std::type_identity<OwnerKpis>{});
  for (const auto& [name, value] : json)
    EXPECT_TRUE(schema.at("properties").as_object().contains(name)) << name;
}

}  // namespace
}  // namespace crmd::deals
