// The scheduled pruning of events past CRMD_EVENT_RETENTION_S.
#pragma once

#include <chrono>

#include "actors/scheduler.hpp"
#include "storage/events/feed.hpp"

namespace crmd::actors {

inline constexpr const char* kEventPruneJob = "events_prune";

// Prunes in batches of 1000, oldest first, stopping between batches when
// asked to; answers how many events went.
ScheduledWork event_prune_work(storage::EventFeed& feed, std::chrono::seconds retention);

}  // namespace crmd::actors
