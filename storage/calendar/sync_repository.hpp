// The SQL of following Google Calendar: one sync state per calendar (its
// token, stage, status, lease and push channels) and the notifications
// already received.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/time.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct CalendarChannel {
  std::string channel_id, token;
  std::optional<std::string> resource_id;
  Timestamp expiration;
};

struct CalendarSyncState {
  std::string calendar_id;
  std::optional<std::string> sync_token;
  std::string stage = "pending";  // pending, full_sync, incremental_sync, idle
  std::string status = "active";  // active, failed_needs_reconnect, failed
  std::optional<Timestamp> stage_started_at;
  std::optional<std::string> full_sync_page_token;
  int throttle_failure_count = 0;
  std::optional<Timestamp> throttled_until, last_success_at;
  std::optional<std::string> last_error;
  std::int64_t events_synced = 0;
  std::optional<CalendarChannel> channel, previous_channel;
  bool active = false;  // channel is live
};

// What a notification's channel id names.
struct ChannelMatch {
  std::string calendar_id;
  CalendarChannel channel;
};

class CalendarSyncRepository {
 public:
  explicit CalendarSyncRepository(pg::Pool& pool) : pool_(pool) {}

  // A state row for each calendar that has none.
  boost::asio::awaitable<void> ensure(const std::vector<std::string>& calendars);
  boost::asio::awaitable<std::vector<CalendarSyncState>> states(
      const std::vector<std::string>& calendars);
  boost::asio::awaitable<std::optional<CalendarSyncState>> state(const std::string& calendar);

  // The calendar's sync for owner until `lease` from now, unless another
  // owner holds it; the state as it is then.
  boost::asio::awaitable<std::optional<CalendarSyncState>> acquire(const std::string& calendar,
                                                                   const std::string& owner,
                                                                   std::chrono::seconds lease);
  boost::asio::awaitable<void> release(const std::string& calendar, const std::string& owner);
  // A run starts: a full one forgets the token and where a previous full
  // run stopped; both note their stage and its start, answered.
  boost::asio::awaitable<Timestamp> begin_run(const std::string& calendar, const std::string& owner,
                                              bool full);
  // In a page's transaction: where a full run goes on from, the events
  // written, the lease extended. Error{conflict} when the lease is lost
  // (the page is then not written).
  boost::asio::awaitable<void> page_written(pg::Transaction& tx, const std::string& calendar,
                                            const std::string& owner,
                                            const std::optional<std::string>& full_sync_page_token,
                                            std::int64_t events, std::chrono::seconds lease);
  // In the last page's transaction: the new token, stage idle, all well.
  boost::asio::awaitable<void> finish_run(pg::Transaction& tx, const std::string& calendar,
                                          const std::string& owner, const std::string& sync_token);
  // A failed run: status and error; throttled, the count up by one and
  // throttled_until set.
  boost::asio::awaitable<void> fail_run(const std::string& calendar, const std::string& status,
                                        const std::string& error,
                                        std::optional<Timestamp> throttled_until);

  boost::asio::awaitable<std::optional<ChannelMatch>> channel(const std::string& channel_id);
  // The new channel live; the one it replaces kept as previous until stopped.
  boost::asio::awaitable<void> set_channel(const std::string& calendar,
                                           const CalendarChannel& channel);
  // What Google answered the watch with; or, when it failed, the channel
  // no longer live.
  boost::asio::awaitable<void> channel_registered(const std::string& calendar,
                                                  const std::string& channel_id,
                                                  const std::string& resource_id,
                                                  Timestamp expiration);
  boost::asio::awaitable<void> channel_failed(const std::string& calendar,
                                              const std::string& channel_id);
  boost::asio::awaitable<void> clear_previous(const std::string& calendar);
  // Whether this (channel, message number) is new.
  boost::asio::awaitable<bool> log_notification(const std::string& channel_id,
                                                std::int64_t message_number,
                                                const std::string& resource_state);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
