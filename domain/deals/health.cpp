#include "domain/deals/health.hpp"

#include <algorithm>

namespace crmd::deals {
namespace {

using std::chrono::days;

constexpr std::string_view kOpen = "open";

int clamp_days(int n) {
  return std::clamp(n, 0, kMaxThresholdDays);
}

struct Threshold {
  int days;
  const char* rule;
};

Threshold stuck_threshold(const StageTerms& stage, int default_stuck_days) {
  if (stage.stuck_days) return {clamp_days(*stage.stuck_days), "stage_stuck_days"};
  if (stage.days_to_rotten) return {clamp_days(*stage.days_to_rotten), "stage_days_to_rotten"};
  return {clamp_days(default_stuck_days), "default_stuck_days"};
}

}  // namespace

int effective_probability(std::optional<int> deal, const StageTerms& stage,
                          const PipelineTerms& pipeline) {
  // A pipeline that does not use probability counts every deal at its full
  // value (weighted equals value), as Pipedrive shows such pipelines.
  if (!pipeline.uses_probability) return 100;
  return std::clamp(deal.value_or(stage.probability.value_or(100)), 0, 100);
}

Timestamp stage_entered_at(std::optional<Timestamp> last_history_entry,
                           std::optional<Timestamp> stage_change_time, Timestamp add_time) {
  return last_history_entry.value_or(stage_change_time.value_or(add_time));
}

std::int64_t whole_days(Timestamp from, Timestamp to) {
  if (to <= from) return 0;
  return std::chrono::floor<days>(to - from).count();
}

std::optional<Timestamp> rotten_cutoff(const StageTerms& stage, Timestamp now) {
  if (!stage.rot_enabled || !stage.days_to_rotten) return std::nullopt;
  return now - days{clamp_days(*stage.days_to_rotten)};
}

bool is_rotten(const StageTerms& stage, std::string_view status, Timestamp update_time,
               Timestamp now) {
  const auto cutoff = rotten_cutoff(stage, now);
  return status == kOpen && cutoff && update_time < *cutoff;
}

int stuck_threshold_days(const StageTerms& stage, int default_stuck_days) {
  return stuck_threshold(stage, default_stuck_days).days;
}

std::optional<StuckVerdict> stuck(const StageTerms& stage, std::string_view status,
                                  Timestamp entered_stage, Timestamp now, int default_stuck_days) {
  if (status != kOpen) return std::nullopt;
  const auto threshold = stuck_threshold(stage, default_stuck_days);
  const auto in_stage = whole_days(entered_stage, now);
  if (in_stage <= threshold.days) return std::nullopt;
  return StuckVerdict{in_stage, threshold.days, threshold.rule};
}

Timestamp stuck_cutoff(const StageTerms& stage, Timestamp now, int default_stuck_days) {
  // Floored days exceed t exactly when at least t + 1 whole days have
  // passed, i.e. entered_stage <= now - (t + 1) days.
  const int t = stuck_threshold_days(stage, default_stuck_days);
  return now - days{t + 1} + std::chrono::microseconds{1};
}

std::optional<std::int64_t> overdue_days(std::optional<std::chrono::sys_days> expected_close,
                                         std::string_view status, std::chrono::sys_days today) {
  if (status != kOpen || !expected_close || *expected_close >= today) return std::nullopt;
  return (today - *expected_close).count();
}

bool closing_in_period(std::optional<std::chrono::sys_days> expected_close, std::string_view status,
                       std::chrono::sys_days from, std::chrono::sys_days to) {
  return status == kOpen && expected_close && from <= *expected_close && *expected_close <= to;
}

}  // namespace crmd::deals
