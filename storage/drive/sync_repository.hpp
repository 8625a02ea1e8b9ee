// The SQL of following Google Drive: the connection's state and the changes
// feed's cursor, push channels, and the log of push notifications.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/time.hpp"
#include "domain/drive/item.hpp"
#include "storage/google/push_notification.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct DriveSyncState {
  std::optional<std::string> page_token;
  std::string status;  // active, needs_reconnect, failed
  std::optional<std::string> last_error;
  std::optional<Timestamp> last_success_at;
};

struct DriveChannel {
  std::string channel_id;
  std::optional<std::string> resource_id;
  std::string token;
  Timestamp expires_at;
  bool active = true;
};

// One push notification as Google sent it (DESIGN "Outside services").
using DriveNotification = google::PushNotification;

class DriveSyncRepository {
 public:
  explicit DriveSyncRepository(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<DriveSyncState> state();
  // The state row locked: one pull at a time across processes.
  boost::asio::awaitable<DriveSyncState> lock_state(pg::Transaction& tx);
  // The cursor moved, with the page it ends; the connection is fine.
  boost::asio::awaitable<void> set_page_token(pg::Transaction& tx, const std::string& token);
  boost::asio::awaitable<void> set_status(const std::string& status,
                                          const std::optional<std::string>& error);

  // The channel lock: one process registers or renews at a time.
  boost::asio::awaitable<void> lock_channels(pg::Transaction& tx);
  boost::asio::awaitable<void> insert_channel(pg::Transaction& tx, const DriveChannel& channel);
  boost::asio::awaitable<void> channel_registered(pg::Transaction& tx,
                                                  const std::string& channel_id,
                                                  const std::string& resource_id,
                                                  Timestamp expires_at);
  boost::asio::awaitable<std::optional<DriveChannel>> channel(const std::string& channel_id);
  boost::asio::awaitable<std::vector<DriveChannel>> active_channels(pg::Transaction* tx = nullptr);
  boost::asio::awaitable<void> stop_channel(pg::Transaction& tx, const std::string& channel_id);

  // False when (channel, message number) was logged before.
  boost::asio::awaitable<bool> log_notification(const DriveNotification& notification);

  // For the changes pull, in its transaction.
  boost::asio::awaitable<std::optional<drive::Folder>> lock_folder_by_google_id(
      pg::Transaction& tx, const std::string& google_id);
  boost::asio::awaitable<std::optional<drive::File>> lock_file_by_google_id(
      pg::Transaction& tx, const std::string& google_id);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
