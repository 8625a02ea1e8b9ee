#include "actors/drive_sync.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "domain/common/crypto.hpp"
#include "domain/common/json_of.hpp"
#include "domain/drive/names.hpp"
#include "storage/audit.hpp"
#include "storage/drive/repository.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using drive::File;
using drive::Folder;

namespace {

constexpr const char* kRemovedReason = "removed in Google Drive";
constexpr const char* kTrashedReason = "trashed in Google Drive";

Timestamp timestamp_of(std::chrono::system_clock::time_point t) {
  return std::chrono::time_point_cast<Timestamp::duration>(t);
}

Timestamp now() {
  return timestamp_of(std::chrono::system_clock::now());
}

// What a change of one mapped Drive object means for its row, in the pull's
// transaction; the audit rows are the events.
struct ChangeApplier {
  storage::DriveRepository& drive;
  storage::DriveSyncRepository& sync;
  pg::Transaction& tx;
  identity::RequestContext system;

  // The parent among the object's parents that is a folder of the same
  // drive, other than the current one.
  asio::awaitable<std::optional<Folder>> new_parent(const google::DriveObject& object,
                                                    const Uuid& current, drive::EntityType type,
                                                    const Uuid& entity) {
    for (const auto& parent : object.parents) {
      auto folder = co_await sync.lock_folder_by_google_id(tx, parent);
      if (folder && folder->id != current && !folder->deleted && folder->entity_type == type &&
          folder->entity_id == entity)
        co_return folder;
    }
    co_return std::nullopt;
  }

  asio::awaitable<bool> folder(Folder row, const google::Change& change) {
    const bool gone = change.removed || !change.file || change.file->trashed;
    if (gone && !row.deleted && row.parent_id) {
      const std::string reason = change.removed ? kRemovedReason : kTrashedReason;
      auto after = co_await drive.delete_folder(tx, row.id, std::nullopt, reason);
      co_await storage::write_audit(
          tx, system,
          drive_entry("folder_deleted", row.id, drive::to_json(row), drive::to_json(after)));
      co_return true;
    }
    if (gone || !change.file) co_return false;
    bool changed = false;
    if (row.deleted) {
      auto after = co_await drive.restore_folder(tx, row);
      co_await storage::write_audit(
          tx, system,
          drive_entry("folder_restored", row.id, drive::to_json(row), drive::to_json(after)));
      row = after;
      changed = true;
    }
    drive::Placement placement;
    if (change.file->name != row.name && !drive::name_problem(change.file->name))
      placement.name = change.file->name;
    if (row.parent_id) {
      const auto parent = co_await drive.lock_folder(tx, *row.parent_id);
      const bool same_parent = parent && parent->google_id &&
                               std::find(change.file->parents.begin(), change.file->parents.end(),
                                         *parent->google_id) != change.file->parents.end();
      if (!same_parent) {
        auto target =
            co_await new_parent(*change.file, *row.parent_id, row.entity_type, row.entity_id);
        // Not into itself: Google refuses that too, but a change may be stale.
        bool inside = false;
        if (target) inside = co_await drive.within(tx, target->id, row.id);
        if (target && !inside) placement.parent = target->id;
      }
    }
    if (!placement.name && !placement.parent) co_return changed;
    auto after = co_await drive.place_folder(tx, row.id, placement);
    const std::string action = placement.parent ? "folder_moved" : "folder_renamed";
    co_await storage::write_audit(
        tx, system, drive_entry(action, row.id, drive::to_json(row), drive::to_json(after)));
    co_return true;
  }

  asio::awaitable<bool> file(File row, const google::Change& change) {
    const bool gone = change.removed || !change.file || change.file->trashed;
    if (gone && !row.deleted) {
      const std::string reason = change.removed ? kRemovedReason : kTrashedReason;
      auto after = co_await drive.delete_file(tx, row.id, std::nullopt, reason);
      co_await storage::write_audit(
          tx, system,
          drive_entry("file_deleted", row.id, drive::to_json(row), drive::to_json(after)));
      co_return true;
    }
    if (gone || !change.file) co_return false;
    bool changed = false;
    if (row.deleted) {
      auto after = co_await drive.restore_file(tx, row.id);
      co_await storage::write_audit(
          tx, system,
          drive_entry("file_restored", row.id, drive::to_json(row), drive::to_json(after)));
      row = after;
      changed = true;
    }
    drive::Placement placement;
    if (change.file->name != row.name && !drive::name_problem(change.file->name))
      placement.name = change.file->name;
    const auto folder = co_await drive.lock_folder(tx, row.folder_id);
    const bool same_folder = folder && folder->google_id &&
                             std::find(change.file->parents.begin(), change.file->parents.end(),
                                       *folder->google_id) != change.file->parents.end();
    if (!same_folder) {
      auto target =
          co_await new_parent(*change.file, row.folder_id, row.entity_type, row.entity_id);
      if (target) placement.parent = target->id;
    }
    if (!placement.name && !placement.parent) co_return changed;
    auto after = co_await drive.place_file(tx, row.id, placement);
    const std::string action = placement.parent ? "file_moved" : "file_renamed";
    co_await storage::write_audit(
        tx, system, drive_entry(action, row.id, drive::to_json(row), drive::to_json(after)));
    co_return true;
  }

  asio::awaitable<bool> apply(const google::Change& change) {
    if (auto row = co_await sync.lock_folder_by_google_id(tx, change.file_id))
      co_return co_await folder(std::move(*row), change);
    if (auto row = co_await sync.lock_file_by_google_id(tx, change.file_id))
      co_return co_await file(std::move(*row), change);
    co_return false;  // not one of ours
  }
};

boost::json::object status_json(const storage::DriveSyncState& state,
                                const std::vector<storage::DriveChannel>& channels,
                                bool needs_reconnect, const std::string& auth_error) {
  boost::json::array live;
  for (const auto& c : channels)
    live.push_back(
        boost::json::object{{"id", c.channel_id}, {"expires_at", format_rfc3339(c.expires_at)}});
  const auto last_error =
      needs_reconnect ? std::optional<std::string>(auth_error) : state.last_error;
  return boost::json::object{
      {"backend", "google"},
      {"status", needs_reconnect ? std::string("needs_reconnect") : state.status},
      {"last_error", json_of(last_error)},
      {"last_success_at", json_of(state.last_success_at)},
      {"channels", std::move(live)}};
}

}  // namespace

DriveSync::DriveSync(Actor& actor, pg::Pool& pool, DriveService& drive,
                     google::GoogleDrive& gateway, google::GoogleAuth& auth,
                     DriveSyncOptions options)
    : actor_(actor),
      pool_(pool),
      drive_(drive),
      gateway_(gateway),
      auth_(auth),
      repository_(pool),
      options_(std::move(options)),
      timer_(actor.executor()) {}

asio::awaitable<void> DriveSync::start() {
  std::optional<Error> failure;
  try {
    auto tx = co_await pool_.begin();
    auto state = co_await repository_.lock_state(tx);
    if (!state.page_token) {
      state.page_token = co_await gateway_.start_page_token();
      co_await repository_.set_page_token(tx, *state.page_token);
    }
    co_await tx.commit();
    if (options_.public_url.empty()) co_return;
    auto channels = co_await pool_.begin();
    co_await repository_.lock_channels(channels);
    const auto live = co_await repository_.active_channels(&channels);
    const bool any_live =
        std::any_of(live.begin(), live.end(), [](const auto& c) { return c.expires_at > now(); });
    if (!any_live) co_await register_channel(channels, *state.page_token);
    co_await channels.commit();
  } catch (const Error& e) {
    failure = e;
  }
  if (failure) co_await note_failure(*failure);
}

void DriveSync::stop() {
  auto cancel = [this] {
    stopped_ = true;
    timer_.cancel();
  };
  asio::post(actor_.executor(), std::move(cancel));
}

asio::awaitable<void> DriveSync::register_channel(pg::Transaction& tx,
                                                  const std::string& page_token) {
  storage::DriveChannel channel{
      Uuid::random_v4().str(), std::nullopt, hex(random_bytes(32)),
      now() + std::chrono::duration_cast<Timestamp::duration>(options_.channel_ttl), true};
  // The row before the watch: Google's first ("sync") message may come
  // before the watch's answer does.
  {
    auto early = co_await pool_.begin();
    co_await repository_.insert_channel(early, channel);
    co_await early.commit();
  }
  const auto address = options_.public_url + "/webhooks/google/drive";
  std::optional<google::Channel> watched;
  std::exception_ptr failure;
  try {
    watched = co_await gateway_.watch_changes(page_token, channel.channel_id, address,
                                              channel.token, options_.channel_ttl);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    // Not live: it must not pass for a channel that is.
    auto ended = co_await pool_.begin();
    co_await repository_.stop_channel(ended, channel.channel_id);
    co_await ended.commit();
    std::rethrow_exception(failure);
  }
  co_await repository_.channel_registered(tx, channel.channel_id, watched->resource_id,
                                          timestamp_of(watched->expiration));
  spdlog::info("drive: push channel {} registered until {}", channel.channel_id,
               format_rfc3339(timestamp_of(watched->expiration)));
}

asio::awaitable<void> DriveSync::renew_channels() {
  if (options_.public_url.empty()) co_return;
  auto tx = co_await pool_.begin();
  co_await repository_.lock_channels(tx);
  const auto margin = std::chrono::duration_cast<Timestamp::duration>(options_.channel_ttl / 4);
  const auto channels = co_await repository_.active_channels(&tx);
  const auto ending = std::find_if(channels.begin(), channels.end(),
                                   [&](const auto& c) { return c.expires_at < now() + margin; });
  if (ending == channels.end() && !channels.empty()) co_return;
  const auto state = co_await repository_.state();
  co_await register_channel(tx, state.page_token.value_or(""));
  co_await tx.commit();
  // The new one is live: the old ones go (Google may have let them lapse).
  auto stopping = co_await pool_.begin();
  for (const auto& old : channels) {
    // Google lets an unstopped channel lapse by itself: a failed stop is
    // logged, and the channel no longer followed all the same.
    std::optional<std::string> failure;
    try {
      if (old.resource_id) co_await gateway_.stop_channel(old.channel_id, *old.resource_id);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (failure) spdlog::warn("drive: stopping channel {} failed: {}", old.channel_id, *failure);
    co_await repository_.stop_channel(stopping, old.channel_id);
  }
  co_await stopping.commit();
}

asio::awaitable<NotificationVerdict> DriveSync::receive(storage::DriveNotification n) {
  const auto channel = co_await repository_.channel(n.channel_id);
  if (!channel || !channel->active || channel->expires_at < now()) {
    spdlog::info("drive: a notification for unknown or ended channel {} ignored",
                 n.channel_id.substr(0, 64));
    co_return NotificationVerdict::ignored;
  }
  if (!constant_time_equal(n.token, channel->token)) {
    spdlog::warn("drive: a notification for channel {} with a wrong token refused", n.channel_id);
    co_return NotificationVerdict::forbidden;
  }
  const bool first_time = co_await repository_.log_notification(n);
  if (first_time && n.resource_state != "sync") wake();
  co_return NotificationVerdict::accepted;
}

void DriveSync::wake() {
  auto schedule = [this] {
    if (scheduled_ || stopped_) return;
    scheduled_ = true;
    asio::co_spawn(actor_.executor(), debounced(), asio::detached);
  };
  asio::post(actor_.executor(), std::move(schedule));
}

asio::awaitable<void> DriveSync::debounced() {
  timer_.expires_after(options_.debounce);
  boost::system::error_code ec;
  co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  scheduled_ = false;
  if (stopped_) co_return;
  if (pulling_) {
    again_ = true;
    co_return;
  }
  pulling_ = true;
  do {
    again_ = false;
    try {
      co_await pull();
    } catch (const std::exception& e) {
      spdlog::warn("drive: changes pull failed: {}", e.what());
    }
  } while (again_ && !stopped_);
  pulling_ = false;
}

asio::awaitable<std::size_t> DriveSync::pull() {
  std::size_t applied = 0;
  bool more = true;
  std::optional<Error> failure;
  try {
    while (more) applied += co_await pull_page(more);
  } catch (const Error& e) {
    failure = e;
  }
  if (failure) {
    co_await note_failure(*failure);
    throw *failure;
  }
  if (applied) co_await drive_.invalidate();
  co_return applied;
}

asio::awaitable<std::size_t> DriveSync::pull_page(bool& more) {
  auto tx = co_await pool_.begin();
  const auto state = co_await repository_.lock_state(tx);
  if (!state.page_token) {
    const auto first = co_await gateway_.start_page_token();
    co_await repository_.set_page_token(tx, first);
    co_await tx.commit();
    more = false;
    co_return 0;
  }
  const auto page = co_await gateway_.list_changes(*state.page_token);
  const identity::RequestContext system;
  ChangeApplier applier{drive_.repository(), repository_, tx, system};
  std::size_t applied = 0;
  for (const auto& change : page.changes)
    if (co_await applier.apply(change)) ++applied;
  const auto next = page.next_page_token ? page.next_page_token : page.new_start_page_token;
  if (next) co_await repository_.set_page_token(tx, *next);
  co_await tx.commit();
  more = page.next_page_token.has_value();
  co_return applied;
}

asio::awaitable<void> DriveSync::note_failure(const Error& error) {
  const bool reconnect = auth_.needs_reconnect();
  const auto message = reconnect ? auth_.last_error() : std::string(error.what());
  spdlog::warn("drive: Google Drive: {}", message);
  const std::string status = reconnect ? "needs_reconnect" : "failed";
  co_await repository_.set_status(status, message);
}

asio::awaitable<boost::json::object> DriveSync::status() {
  const auto state = co_await repository_.state();
  const auto channels = co_await repository_.active_channels();
  co_return status_json(state, channels, auth_.needs_reconnect(), auth_.last_error());
}

}  // namespace crmd::actors
