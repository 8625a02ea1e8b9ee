// Following Google Calendar: one sync state per calendar, a full sync on the
// first run (and after Google declares the token dead, reconciling the
// mirror), incremental syncs with the token after that; push channels
// (events.watch) wake a debounced incremental sync, renewed before they
// expire; without a public URL the scheduler polls.
//
// One sync per calendar at a time: in this process the actor's strand keeps
// a run per calendar (a wake during one makes it run once more); across
// processes a lease on the calendar's state row. A run writes each page in
// its own transaction with the lease renewed; the token moves only with the
// last page. A process that dies mid-run leaves its lease to lapse: the next
// run redoes an incremental run from the stored token (pages apply
// idempotently) and resumes a full one from the page it reached.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <memory>

#include "actors/actor.hpp"
#include "actors/calendar.hpp"
#include "actors/loop_end.hpp"
#include "actors/push_verdict.hpp"
#include "storage/calendar/sync_repository.hpp"
#include "storage/google/auth.hpp"
#include "storage/google/calendar.hpp"
#include "storage/google/push_notification.hpp"

namespace crmd::actors {

// The job kind of POST /api/v2/calendar/sync (payload {"calendar_ids"}).
inline constexpr std::string_view kCalendarSyncJob = "calendar_sync";

struct CalendarSyncOptions {
  std::string public_url;  // empty: no push channels (the scheduler polls)
  std::chrono::seconds channel_ttl{7 * 86400};
  std::chrono::milliseconds debounce{2000};
  std::chrono::days past{180};  // how far back a full sync reads
  std::string owner;            // this process's name on the lease
  std::chrono::seconds lease{120};
  int page_size = 250;
};

// Twenty's throttle rule: after the nth rate-limited run in a row, wait
// 1 min × 2^n; the 4th in a row fails the calendar.
inline constexpr int kMaxThrottleFailures = 4;
std::chrono::seconds throttle_pause(int failures);

// What a failed run leaves in the state: its status, and the pause before
// the next run when Google still throttled (failures: the count before it).
struct FailureVerdict {
  std::string status;
  std::optional<std::chrono::seconds> pause;
};
FailureVerdict failure_verdict(const Error& error, bool needs_reconnect, int failures);

struct CalendarSyncRun {
  std::string calendar_id;
  bool ran = false;   // false: another run had it (here or in another process), or paused
  bool busy = false;  // another process holds the calendar's lease
  bool full = false;
  std::size_t pages = 0, events = 0, changed = 0;
};
boost::json::object to_json(const CalendarSyncRun& run);

class CalendarSync {
 public:
  CalendarSync(Actor& actor, pg::Pool& pool, CalendarService& calendar,
               google::GoogleCalendar& gateway, google::GoogleAuth& auth,
               CalendarSyncOptions options);

  // The calendars' state rows, their channels (with a public URL), and a
  // first sync of each.
  boost::asio::awaitable<void> start();
  // No run starts after stop(); stopped() answers once the runs in flight
  // (and start) have ended, so that shutdown closes the pool after them.
  void stop();
  boost::asio::awaitable<void> stopped();

  boost::asio::awaitable<NotificationVerdict> receive(google::PushNotification notification);
  // A sync of the calendar after the debounce window (wakes within it make one).
  void wake(const std::string& calendar);
  // One sync of the calendar now; force runs it while throttled too. Throws
  // what failed it (noted in its state first).
  boost::asio::awaitable<CalendarSyncRun> sync(std::string calendar, bool force);
  // New channels for those that end within a quarter of their life.
  boost::asio::awaitable<std::size_t> renew_channels();

  boost::asio::awaitable<boost::json::array> status();
  const std::vector<std::string>& calendars() const { return calendar_.calendars(); }

 private:
  struct Run {
    bool scheduled = false, running = false, again = false;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  // Whether a run may begin (not stopped), counted in busy_ if so; leave()
  // ends it.
  boost::asio::awaitable<bool> enter();
  boost::asio::awaitable<void> leave();
  boost::asio::awaitable<void> debounced(std::string calendar);
  boost::asio::awaitable<CalendarSyncRun> run(const std::string& calendar, bool force);
  boost::asio::awaitable<void> run_pages(storage::CalendarSyncState state, CalendarSyncRun& out);
  boost::asio::awaitable<void> register_channel(const std::string& calendar);
  boost::asio::awaitable<void> note_failure(const std::string& calendar, const Error& error,
                                            int throttle_failures);

  Actor& actor_;
  pg::Pool& pool_;
  CalendarService& calendar_;
  google::GoogleCalendar& gateway_;
  google::GoogleAuth& auth_;
  storage::CalendarSyncRepository repository_;
  CalendarSyncOptions options_;
  // On the strand:
  std::map<std::string, Run> runs_;
  bool stopped_ = false;
  std::size_t busy_ = 0;  // runs (and start) in flight
  std::shared_ptr<LoopEnd> idle_;  // once stopped with nothing in flight
};

}  // namespace crmd::actors
