#include <gtest/gtest.h>

#include "domain/deals/health.hpp"
#include "domain/deals/money.hpp"

namespace crmd::deals {
namespace {

using namespace std::chrono;
using std::chrono::days;

const Timestamp kNow = Timestamp(sys_days{2025y / June / 15}) + hours{10};

StageTerms rotting(int days_to_rotten) {
  StageTerms s;
  s.rot_enabled = true;
  s.days_to_rotten = days_to_rotten;
  return s;
}

TEST(DealProbability, DealThenStageThenHundred) {
  StageTerms stage;
  stage.probability = 40;
  EXPECT_EQ(effective_probability(70, stage, {}), 70);
  EXPECT_EQ(effective_probability(std::nullopt, stage, {}), 40);
  EXPECT_EQ(effective_probability(std::nullopt, StageTerms{}, {}), 100);
}

TEST(DealProbability, ZeroStaysZero) {
  StageTerms stage;
  stage.probability = 60;
  EXPECT_EQ(effective_probability(0, stage, {}), 0);
  stage.probability = 0;
  EXPECT_EQ(effective_probability(std::nullopt, stage, {}), 0);
}

TEST(DealProbability, PipelineWithoutProbabilityCountsFullValue) {
  StageTerms stage;
  stage.probability = 40;
  const PipelineTerms off{false};
  EXPECT_EQ(effective_probability(10, stage, off), 100);
  EXPECT_EQ(effective_probability(0, stage, off), 100);
  EXPECT_EQ(weighted_cents(12345, effective_probability(10, stage, off)), 12345);
}

TEST(DealProbability, WeightedValueFollowsTheResolvedProbability) {
  StageTerms stage;
  stage.probability = 25;
  EXPECT_EQ(weighted_cents(100000, effective_probability(50, stage, {})), 50000);
  EXPECT_EQ(weighted_cents(100000, effective_probability(std::nullopt, stage, {})), 25000);
  EXPECT_EQ(weighted_cents(100000, effective_probability(std::nullopt, {}, {})), 100000);
  EXPECT_EQ(weighted_cents(100000, effective_probability(0, stage, {})), 0);
}

TEST(DealProbability, OutOfRangeIsClamped) {
  EXPECT_EQ(effective_probability(150, {}, {}), 100);
  EXPECT_EQ(effective_probability(-5, {}, {}), 0);
}

TEST(DaysInStage, FallsBackFromHistoryToStageChangeToAddTime) {
  const Timestamp history = kNow - days{3}, change = kNow - days{5}, added = kNow - days{9};
  EXPECT_EQ(stage_entered_at(history, change, added), history);
  EXPECT_EQ(stage_entered_at(std::nullopt, change, added), change);
  // Never moved out of its first stage.
  EXPECT_EQ(stage_entered_at(std::nullopt, std::nullopt, added), added);
}

TEST(DaysInStage, WholeDaysFloorAndNeverGoNegative) {
  EXPECT_EQ(whole_days(kNow - days{2} - hours{23}, kNow), 2);
  EXPECT_EQ(whole_days(kNow - days{3}, kNow), 3);
  EXPECT_EQ(whole_days(kNow - days{3} + microseconds{1}, kNow), 2);
  EXPECT_EQ(whole_days(kNow, kNow), 0);
  EXPECT_EQ(whole_days(kNow + days{4}, kNow), 0);
}

TEST(Rotten, OpenDealNotUpdatedForMoreThanDaysToRotten) {
  EXPECT_TRUE(is_rotten(rotting(7), "open", kNow - days{8}, kNow));
  EXPECT_FALSE(is_rotten(rotting(7), "open", kNow - days{6}, kNow));
}

TEST(Rotten, NeverWhenRotIsDisabled) {
  auto stage = rotting(7);
  stage.rot_enabled = false;
  EXPECT_FALSE(is_rotten(stage, "open", kNow - days{100}, kNow));
  EXPECT_FALSE(rotten_cutoff(stage, kNow));
}

TEST(Rotten, NeverWithoutDaysToRotten) {
  StageTerms stage;
  stage.rot_enabled = true;
  EXPECT_FALSE(is_rotten(stage, "open", kNow - days{100}, kNow));
  EXPECT_FALSE(rotten_cutoff(stage, kNow));
}

TEST(Rotten, NeverWhenWonOrLost) {
  EXPECT_FALSE(is_rotten(rotting(7), "won", kNow - days{100}, kNow));
  EXPECT_FALSE(is_rotten(rotting(7), "lost", kNow - days{100}, kNow));
}

TEST(Rotten, BoundaryIsStrictlyMoreThanTheDaysAndAgreesWithTheCutoff) {
  const auto stage = rotting(7);
  const Timestamp exactly = kNow - days{7};
  EXPECT_FALSE(is_rotten(stage, "open", exactly, kNow));
  EXPECT_TRUE(is_rotten(stage, "open", exactly - microseconds{1}, kNow));
  const auto cutoff = rotten_cutoff(stage, kNow);
  ASSERT_TRUE(cutoff);
  for (auto t : {exactly - days{1}, exactly - microseconds{1}, exactly, exactly + microseconds{1},
                 exactly + hours{12}})
    EXPECT_EQ(t < *cutoff, is_rotten(stage, "open", t, kNow));
}

TEST(Stuck, ThresholdFromTheStageElseTheDefault) {
  StageTerms stage;
  EXPECT_EQ(stuck_threshold_days(stage, 30), 30);
  stage.days_to_rotten = 10;  // rot disabled, still the stage's threshold
  EXPECT_EQ(stuck_threshold_days(stage, 30), 10);
  stage.stuck_days = 4;
  EXPECT_EQ(stuck_threshold_days(stage, 30), 4);
}

TEST(Stuck, ReportsDaysThresholdAndTheRuleThatFired) {
  StageTerms stage;
  auto v = stuck(stage, "open", kNow - days{31}, kNow, 30);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->days_in_stage, 31);
  EXPECT_EQ(v->threshold_days, 30);
  EXPECT_EQ(v->rule, "default_stuck_days");
  EXPECT_FALSE(stuck(stage, "open", kNow - days{30}, kNow, 30));

  stage.days_to_rotten = 10;
  v = stuck(stage, "open", kNow - days{12}, kNow, 30);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->threshold_days, 10);
  EXPECT_EQ(v->rule, "stage_days_to_rotten");

  stage.stuck_days = 20;
  EXPECT_FALSE(stuck(stage, "open", kNow - days{12}, kNow, 30));
  v = stuck(stage, "open", kNow - days{21}, kNow, 30);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rule, "stage_stuck_days");
}

TEST(Stuck, WonAndLostDealsNeverAre) {
  EXPECT_FALSE(stuck({}, "won", kNow - days{400}, kNow, 30));
  EXPECT_FALSE(stuck({}, "lost", kNow - days{400}, kNow, 30));
}

TEST(Stuck, CountsWholeDaysAndAgreesWithTheCutoffAtTheBoundary) {
  StageTerms stage;
  stage.days_to_rotten = 5;
  // 6 whole days exactly: stuck; a microsecond less is 5 whole days: not.
  const Timestamp boundary = kNow - days{6};
  EXPECT_TRUE(stuck(stage, "open", boundary, kNow, 30));
  EXPECT_FALSE(stuck(stage, "open", boundary + microseconds{1}, kNow, 30));
  EXPECT_FALSE(stuck(stage, "open", kNow - days{5} - hours{23}, kNow, 30));
  const Timestamp cutoff = stuck_cutoff(stage, kNow, 30);
  for (auto t : {boundary - days{1}, boundary - microseconds{1}, boundary,
                 boundary + microseconds{1}, boundary + hours{5}, kNow, kNow + days{2}})
    EXPECT_EQ(t < cutoff, stuck(stage, "open", t, kNow, 30).has_value());
}

TEST(Stuck, ZeroAndNegativeThresholdsStillAgreeWithTheCutoff) {
  StageTerms stage;
  stage.stuck_days = -3;
  EXPECT_EQ(stuck_threshold_days(stage, 30), 0);
  const Timestamp cutoff = stuck_cutoff(stage, kNow, 30);
  for (auto t : {kNow - days{1}, kNow - days{1} + microseconds{1}, kNow, kNow + days{1}})
    EXPECT_EQ(t < cutoff, stuck(stage, "open", t, kNow, 30).has_value());
}

TEST(Overdue, OpenDealsPastTheirCloseDate) {
  const sys_days today{2025y / June / 15};
  EXPECT_EQ(overdue_days(today - days{3}, "open", today), 3);
  EXPECT_FALSE(overdue_days(today, "open", today));
  EXPECT_FALSE(overdue_days(today + days{1}, "open", today));
  EXPECT_FALSE(overdue_days(std::nullopt, "open", today));
  EXPECT_FALSE(overdue_days(today - days{3}, "won", today));
  EXPECT_FALSE(overdue_days(today - days{3}, "lost", today));
}

TEST(Overdue, AnOverdueDealIsNotClosingThisPeriod) {
  const sys_days today{2025y / June / 15}, period_end{2025y / June / 30};
  const auto overdue = today - days{2};
  EXPECT_TRUE(overdue_days(overdue, "open", today));
  EXPECT_FALSE(closing_in_period(overdue, "open", today, period_end));
  EXPECT_TRUE(closing_in_period(today, "open", today, period_end));
  EXPECT_TRUE(closing_in_period(period_end, "open", today, period_end));
  EXPECT_FALSE(closing_in_period(period_end + days{1}, "open", today, period_end));
  EXPECT_FALSE(closing_in_period(today, "won", today, period_end));
  EXPECT_FALSE(closing_in_period(std::nullopt, "open", today, period_end));
}

}  // namespace
}  // namespace crmd::deals
