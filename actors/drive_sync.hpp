// Following Google Drive (the Google backend): push notifications at
// POST /webhooks/google/drive, each checked against its channel's token,
// logged once, and turned into a debounced pull of the changes feed that
// applies renames, moves, trashing, untrashing and removals to the mapped
// folders and files as audited events. Channels are registered at start
// (with CRMD_PUBLIC_URL) and renewed before they expire; the connection's
// state (needs_reconnect after invalid_grant) is visible in
// GET /api/v2/drive/status and /ready.
//
// Across processes: the pull holds the sync state row's lock, and moves the
// cursor in the transaction that applies its page; channel work holds an
// advisory lock. In one process the pulls run on the strand, one at a time.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include "actors/actor.hpp"
#include "actors/drive.hpp"
#include "actors/push_verdict.hpp"
#include "storage/drive/sync_repository.hpp"
#include "storage/google/auth.hpp"
#include "storage/google/drive.hpp"

namespace crmd::actors {

struct DriveSyncOptions {
  std::string public_url;  // empty: no push channel, pulls only when asked
  std::chrono::seconds channel_ttl{7 * 86400};
  std::chrono::milliseconds debounce{2000};
};

class DriveSync {
 public:
  DriveSync(Actor& actor, pg::Pool& pool, DriveService& drive, google::GoogleDrive& gateway,
            google::GoogleAuth& auth, DriveSyncOptions options);

  // The feed's first cursor, and a push channel when there is none live.
  boost::asio::awaitable<void> start();
  void stop();

  // A notification from Google; wakes a pull unless it is a "sync".
  boost::asio::awaitable<NotificationVerdict> receive(storage::DriveNotification notification);
  // A pull after the debounce window (pushes within it make one).
  void wake();
  // Applies the feed's pages up to its end; the number of changes applied.
  boost::asio::awaitable<std::size_t> pull();
  // New channels for those that end within a quarter of their life (the old
  // one stopped once the new one is live).
  boost::asio::awaitable<void> renew_channels();

  boost::asio::awaitable<boost::json::object> status();
  // Whether Google refused the credentials (invalid_grant).
  bool needs_reconnect() const { return auth_.needs_reconnect(); }

 private:
  boost::asio::awaitable<void> debounced();
  boost::asio::awaitable<void> register_channel(pg::Transaction& tx, const std::string& page_token);
  boost::asio::awaitable<std::size_t> pull_page(bool& more);
  boost::asio::awaitable<void> note_failure(const Error& error);

  Actor& actor_;
  pg::Pool& pool_;
  DriveService& drive_;
  google::GoogleDrive& gateway_;
  google::GoogleAuth& auth_;
  storage::DriveSyncRepository repository_;
  DriveSyncOptions options_;
  // On the strand:
  boost::asio::steady_timer timer_;
  bool scheduled_ = false, pulling_ = false, again_ = false, stopped_ = false;
};

}  // namespace crmd::actors
