// The scheduled pruning of events past CRMD_EVENT_RETENTION_S.
#pragma once

#include <chrono>

#include "actors/scheduler.hpp"
#include "storage/events/feed.hpp"

namespace crmd::actors {

inline constexpr const char* kEventPruneJob = "events_prune";

// Removes what is older than retention in batches of 1000 (prune answers
// how many rows a batch took), stopping between batches when asked to;
// answers how many went.
using PruneBatch =
    std::function<boost::asio::awaitable<std::int64_t>(Timestamp cutoff, std::int64_t limit)>;
ScheduledWork batched_prune_work(std::chrono::seconds retention, PruneBatch prune);

// The events past their retention.
ScheduledWork event_prune_work(storage::EventFeed& feed, std::chrono::seconds retention);

}  // namespace crmd::actors
