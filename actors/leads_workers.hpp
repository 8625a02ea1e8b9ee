// The lead workers the scheduler runs through the job queue: priority
// recomputation, engagement recount, SLA breaches.
#pragma once

#include "actors/scheduler.hpp"

namespace crmd::actors {

inline constexpr const char* kLeadPriorityJob = "lead_priority";
inline constexpr const char* kLeadEngagementJob = "lead_engagement";
inline constexpr const char* kLeadSlaJob = "lead_sla";

ScheduledWork lead_priority_work(pg::Pool& pool);
ScheduledWork lead_engagement_work(pg::Pool& pool);
ScheduledWork lead_sla_work(pg::Pool& pool);

}  // namespace crmd::actors
