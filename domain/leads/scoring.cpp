#include "domain/leads/scoring.hpp"

#include <algorithm>
#include <cctype>

namespace crmd::leads {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

int status_points(const std::string& status) {
  if (status == "NEW") return 20;
  if (status == "CONTACTED") return 25;
  if (status == "QUALIFIED") return 30;
  if (status == "NURTURING") return 10;
  return 10;
}

int origin_points(const std::string& origin) {
  if (origin == "REFERRAL") return 20;
  if (origin == "PARTNER" || origin == "WEBSITE") return 15;
  if (origin == "EVENT") return 12;
  return 5;
}

int recency_points(const PriorityInputs& in) {
  if (!in.days_since_interaction) return in.age_days < 7 ? 15 : 5;
  const double days = *in.days_since_interaction;
  if (days <= 2) return 20;
  if (days <= 7) return 15;
  if (days <= 30) return 8;
  return 0;
}

int tag_points(const std::vector<std::string>& tags) {
  bool hot = false, important = false, cold = false;
  for (const auto& tag : tags) {
    const auto name = lower(tag);
    hot = hot || name == "hot";
    important = important || name == "vip" || name == "strategic";
    cold = cold || name == "cold";
  }
  return (hot ? 15 : 0) + (important ? 10 : 0) - (cold ? 10 : 0);
}

}  // namespace

int priority_score(const PriorityInputs& in) {
  if (in.disqualified || in.status == "LOST") return 0;
  int score = status_points(in.status) + origin_points(in.origin) + recency_points(in) +
              (in.age_days < 3 ? 5 : 0) + std::clamp(in.engagement, 0, 100) * 20 / 100 +
              tag_points(in.tags);
  return std::clamp(score, 0, 100);
}

int engagement_score(const EngagementInputs& in) {
  const int others = std::max(0, in.total_interactions - in.total_emails - in.total_events);
  int score = std::min(40, 4 * std::max(0, in.total_emails)) +
              std::min(30, 10 * std::max(0, in.total_events)) + std::min(10, 2 * others);
  if (in.days_since_last) score += *in.days_since_last < 7 ? 20 : *in.days_since_last < 30 ? 10 : 0;
  return std::clamp(score, 0, 100);
}

}  // namespace crmd::leads
