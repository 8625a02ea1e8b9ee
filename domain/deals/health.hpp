// The health of one deal, as pure rules of its fields and its stage's terms
// (see Pipedrive's definitions in the notes on deal-health signals): its
// probability, time in stage, rotting, being stuck and being overdue.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/time.hpp"

namespace crmd::deals {

struct StageTerms {
  std::optional<int> probability;  // the stage's deal probability, 0..100
  bool rot_enabled = false;
  std::optional<int> days_to_rotten;
  std::optional<int> stuck_days;  // the stage's own stuck threshold, if set
};

struct PipelineTerms {
  bool uses_probability = true;
};

// deal ?? stage ?? 100, clamped to 0..100; 0 stays 0.
int effective_probability(std::optional<int> deal, const StageTerms& stage,
                          const PipelineTerms& pipeline);

// When the deal entered its stage: the changelog's last entry into it, else
// the deal's stage_change_time, else (never moved) its add_time.
Timestamp stage_entered_at(std::optional<Timestamp> last_history_entry,
                           std::optional<Timestamp> stage_change_time, Timestamp add_time);

// Whole days elapsed from `from` to `to` (floored), 0 when `to` is earlier.
std::int64_t whole_days(Timestamp from, Timestamp to);

// Thresholds are clamped to 0..kMaxThresholdDays, so that a cutoff is a
// time the calendar has; no deal is that old.
inline constexpr int kMaxThresholdDays = 100'000;

// Rotten: the stage rots deals, the deal is open and was last updated more
// than days_to_rotten days before now.
bool is_rotten(const StageTerms& stage, std::string_view status, Timestamp update_time,
               Timestamp now);
// For an open deal of the stage: rotten ⇔ update_time < the cutoff; none
// when the stage does not rot deals.
std::optional<Timestamp> rotten_cutoff(const StageTerms& stage, Timestamp now);

struct StuckVerdict {
  std::int64_t days_in_stage = 0;
  int threshold_days = 0;
  std::string rule;  // which threshold: stage_stuck_days, stage_days_to_rotten, default_stuck_days
};

// The stage's stuck_days, else its days_to_rotten (whether it rots deals or
// not), else the default.
int stuck_threshold_days(const StageTerms& stage, int default_stuck_days);
// Stuck: the deal is open and has been in its stage more whole days than
// the threshold.
std::optional<StuckVerdict> stuck(const StageTerms& stage, std::string_view status,
                                  Timestamp entered_stage, Timestamp now, int default_stuck_days);
// For an open deal of the stage: stuck ⇔ entered_stage < the cutoff.
Timestamp stuck_cutoff(const StageTerms& stage, Timestamp now, int default_stuck_days);

// Days an open deal is past its expected close date (before today); none
// without a date, when not open, or not yet due.
std::optional<std::int64_t> overdue_days(std::optional<std::chrono::sys_days> expected_close,
                                         std::string_view status, std::chrono::sys_days today);
// An open deal expected to close from `from` to `to`, both included. Pass
// today (or later) as `from` for "closing this period": an overdue deal is
// not closing, it has slipped.
bool closing_in_period(std::optional<std::chrono::sys_days> expected_close, std::string_view status,
                       std::chrono::sys_days from, std::chrono::sys_days to);

}  // namespace crmd::deals
