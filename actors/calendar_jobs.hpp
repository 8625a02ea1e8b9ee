// The calendar's jobs: a sync asked for through the API, and the scheduled
// ones (polls without push channels, channel renewal, the archive of old
// cancelled events).
#pragma once

#include "actors/calendar_sync.hpp"
#include "actors/jobs/job_pool.hpp"
#include "actors/scheduler.hpp"

namespace crmd::actors {

inline constexpr const char* kCalendarPollJob = "calendar_poll";
inline constexpr const char* kCalendarChannelsJob = "calendar_channels";
inline constexpr const char* kCalendarRetentionJob = "calendar_retention";

// kCalendarSyncJob: each calendar of the payload synced (forced past a
// throttle pause); the result lists each run, the job fails when one did.
JobHandler calendar_sync_handler(CalendarSync& sync);
// Every followed calendar synced; the events that changed.
ScheduledWork calendar_poll_work(CalendarSync& sync);
ScheduledWork calendar_channels_work(CalendarSync& sync);
// Cancelled events older than retention moved to calendar_events_archive.
ScheduledWork calendar_retention_work(storage::CalendarRepository& repository,
                                      std::chrono::days retention);

}  // namespace crmd::actors
