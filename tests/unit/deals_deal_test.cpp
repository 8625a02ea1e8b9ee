// Deal bodies and their application: what a PATCH may say and what it does
// to the times; the focus list's order.
#include "domain/deals/deal.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "domain/common/date.hpp"
#include "domain/deals/focus.hpp"

namespace crmd::deals {
namespace {

using namespace std::chrono_literals;

const Timestamp kNow = Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 12 / 1));

std::vector<std::string> fields_of(const Error& e) {
  std::vector<std::string> out;
  for (const auto& f : e.fields()) out.push_back(f.field);
  return out;
}

TEST(DealBodies, EveryBadFieldIsNamed) {
  const auto body = boost::json::parse(
      R"({"title": "", "value": "1.234", "currency": "eur", "status": "maybe",
          "probability": -1, "expected_close_date": "2026-13-01", "custom_fields": []})");
  try {
    parse_new_deal(body);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(fields_of(e),
              (std::vector<std::string>{"title", "value", "currency", "status", "probability",
                                        "expected_close_date", "custom_fields"}));
  }
}

TEST(DealBodies, ValuesReadAsStringsOrNumbersAndNullClears) {
  auto c = parse_deal_changes(boost::json::parse(R"({"value": 12.5})"));
  ASSERT_TRUE(c.value && *c.value);
  EXPECT_EQ(**c.value, 1250);
  c = parse_deal_changes(boost::json::parse(R"({"value": "99.99", "probability": null})"));
  EXPECT_EQ(**c.value, 9999);
  ASSERT_TRUE(c.probability);
  EXPECT_FALSE(*c.probability);
  EXPECT_TRUE(parse_deal_changes(boost::json::parse("{}")).empty());
}

TEST(DealChanges, WinningSetsItsTimesAndReopeningClearsThem) {
  Deal d;
  d.stage_entered_at = kNow - 48h;
  auto won = apply(d, parse_deal_changes(boost::json::parse(R"({"status": "won"})")), kNow);
  EXPECT_EQ(won.won_time, kNow);
  EXPECT_EQ(won.close_time, kNow);
  EXPECT_FALSE(won.lost_time);
  auto reopened = apply(won, parse_deal_changes(boost::json::parse(R"({"status": "open"})")), kNow);
  EXPECT_FALSE(reopened.won_time);
  EXPECT_FALSE(reopened.close_time);
  EXPECT_EQ(changed_fields(d, won), (std::vector<std::string>{"status"}));
}

TEST(DealChanges, ANewStageRestartsTheTimeInStageAndTheSameOneDoesNot) {
  Deal d;
  d.stage_id = *Uuid::parse("00000000-0000-4000-8000-000000000001");
  d.stage_entered_at = kNow - 72h;
  DealChanges same;
  same.stage_id = d.stage_id;
  EXPECT_EQ(apply(d, same, kNow).stage_entered_at, kNow - 72h);
  DealChanges moved;
  moved.stage_id = *Uuid::parse("00000000-0000-4000-8000-000000000002");
  const auto after = apply(d, moved, kNow);
  EXPECT_EQ(after.stage_entered_at, kNow);
  EXPECT_EQ(after.stage_change_time, kNow);
}

TEST(DealChanges, CustomFieldsMergeAndNullRemovesAKey) {
  Deal d;
  d.custom_fields["po"] = "PO-1";
  d.custom_fields["region"] = "north";
  const auto c =
      parse_deal_changes(boost::json::parse(R"({"custom_fields": {"po": null, "size": 3}})"));
  const auto after = apply(d, c, kNow);
  EXPECT_FALSE(after.custom_fields.contains("po"));
  EXPECT_EQ(after.custom_fields.at("region"), "north");
  EXPECT_EQ(after.custom_fields.at("size"), 3);
}

TEST(Focus, ItemsOfOneRecordMergeAndTheMostUrgentComeFirst) {
  FocusItem a{"deal", "a", "A", {{"overdue", "", 3}}, {}};
  FocusItem a_again{"deal", "a", "A", {{"stuck", "", 4}}, {}};
  FocusItem b{"deal", "b", "B", {{"rotten", "", 5}}, {}};
  FocusItem lead{"lead", "c", "C", {{"sla_breached", "", 1}}, {}};
  const auto ranked = rank_focus({a, b, lead, a_again});
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked[0].id, "a");
  EXPECT_EQ(ranked[0].reasons.size(), 2u);
  EXPECT_EQ(urgency_of(ranked[0]), 7);
  EXPECT_EQ(ranked[1].id, "b");
  EXPECT_EQ(ranked[2].kind, "lead");
}

}  // namespace
}  // namespace crmd::deals
