// The lead scores, as pure functions of their inputs (no I/O): the priority
// score the sales view orders by, and the engagement score the engagement
// worker derives from a lead's activity.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace crmd::leads {

struct PriorityInputs {
  std::string status;                            // the status code ("NEW"...), "" when none
  std::string origin;                            // the origin code ("REFERRAL"...), "" when none
  double age_days = 0;                           // since the lead was created
  std::optional<double> days_since_interaction;  // none: never
  int engagement = 0;                            // the engagement score, 0-100
  std::vector<std::string> tags;                 // tag names, any case
  bool disqualified = false;
};

// Priority 0-100, the sum of (then clamped to 0-100):
//   status     NEW 20, CONTACTED 25, QUALIFIED 30, NURTURING 10, LOST 0,
//              other or none 10
//   origin     REFERRAL 20, PARTNER 15, WEBSITE 15, EVENT 12, COLD_CALL 5,
//              IMPORT 5, other or none 5
//   recency    interaction within 2 days 20, 7 days 15, 30 days 8, older 0;
//              never: 15 while the lead is under 7 days old, else 5
//   freshness  +5 for a lead under 3 days old
//   engagement engagement * 20 / 100 (0-20)
//   tags       "hot" +15, "vip" or "strategic" +10, "cold" -10 (each once)
// A disqualified lead, or one whose status is LOST, scores 0.
int priority_score(const PriorityInputs& in);

struct EngagementInputs {
  int total_emails = 0;
  int total_events = 0;
  int total_interactions = 0;             // every activity, e-mails and events included
  std::optional<double> days_since_last;  // since the latest activity
};

// Engagement 0-100: 4 per e-mail (at most 40), 10 per event (at most 30),
// 2 per other interaction (at most 10), plus 20 when the latest activity is
// under 7 days old, 10 under 30 days; clamped to 0-100.
int engagement_score(const EngagementInputs& in);

}  // namespace crmd::leads
