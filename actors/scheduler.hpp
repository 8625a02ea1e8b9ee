// The scheduler: periodic work run through the job queue. Every process's
// scheduler wakes each tick and, for each task, tries to insert the row of
// the task's current slot (now rounded down to the interval) into
// scheduled_runs; the unique (name, slot) key lets one process win, and it
// enqueues the job in the same transaction. Whichever process's worker
// claims the job records the run's start, end, rows touched and error on
// that row. So with several processes each run happens once.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/actor.hpp"
#include "actors/jobs/job_pool.hpp"
#include "actors/loop_end.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::actors {

struct ScheduledTask {
  std::string name;  // also the job's kind
  std::chrono::seconds interval;
};

class Scheduler {
 public:
  Scheduler(Actor& actor, pg::Pool& pool, std::vector<ScheduledTask> tasks,
            std::chrono::milliseconds tick)
      : actor_(actor), pool_(pool), tasks_(std::move(tasks)), tick_(tick) {}

  void start();
  void stop();
  // After stop(): once the loop has ended, its enqueue in flight included
  // (shutdown waits for it before the pool closes: a transaction cut off
  // there would keep its connection, and itself, alive for good).
  boost::asio::awaitable<void> stopped();

  // Enqueues the run of name for the slot unless it exists already;
  // answers the new scheduled_runs id, or nullopt when another process (or
  // an earlier tick) has it.
  boost::asio::awaitable<std::optional<std::int64_t>> enqueue(std::string name, Timestamp slot);
  // The slot now falls in for an interval.
  static Timestamp slot_of(Timestamp now, std::chrono::seconds interval);

 private:
  boost::asio::awaitable<void> loop(std::shared_ptr<boost::asio::steady_timer> timer);

  Actor& actor_;
  pg::Pool& pool_;
  std::vector<ScheduledTask> tasks_;
  std::chrono::milliseconds tick_;
  std::atomic<bool> stopping_{false};
  std::shared_ptr<boost::asio::steady_timer> timer_;
  std::shared_ptr<LoopEnd> ended_;
};

// The handler of a scheduled job: marks the run started, runs work (which
// answers the rows it touched), and marks it finished with the count or the
// error.
using ScheduledWork = std::function<boost::asio::awaitable<std::int64_t>(JobContext&)>;
JobHandler scheduled_handler(pg::Pool& pool, ScheduledWork work);

}  // namespace crmd::actors
