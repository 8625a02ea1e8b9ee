#include "storage/drive/sync_repository.hpp"

#include "storage/drive/rows.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

constexpr const char* kStateColumns = "page_token, status, last_error, last_success_at";
constexpr const char* kChannelColumns = "channel_id, resource_id, token, expires_at, active";

DriveSyncState state_from(const pg::Row& r) {
  return {r.get<std::optional<std::string>>(0), r.get<std::string>(1),
          r.get<std::optional<std::string>>(2), r.get<std::optional<Timestamp>>(3)};
}

DriveChannel channel_from(const pg::Row& r) {
  return {r.get<std::string>(0), r.get<std::optional<std::string>>(1), r.get<std::string>(2),
          r.get<Timestamp>(3), r.get<bool>(4)};
}

}  // namespace

asio::awaitable<DriveSyncState> DriveSyncRepository::state() {
  const auto result =
      co_await pool_.read(std::string("SELECT ") + kStateColumns + " FROM drive_sync_state");
  co_return state_from(result.one());
}

asio::awaitable<DriveSyncState> DriveSyncRepository::lock_state(pg::Transaction& tx) {
  const auto result = co_await tx.query(std::string("SELECT ") + kStateColumns +
                                        " FROM drive_sync_state FOR UPDATE");
  co_return state_from(result.one());
}

asio::awaitable<void> DriveSyncRepository::set_page_token(pg::Transaction& tx,
                                                          const std::string& token) {
  co_await tx.query(
      "UPDATE drive_sync_state SET page_token = $1, status = 'active', last_error = NULL,"
      " last_success_at = now(), updated_at = now()",
      token);
}

asio::awaitable<void> DriveSyncRepository::set_status(const std::string& status,
                                                      const std::optional<std::string>& error) {
  co_await pool_.query(
      "UPDATE drive_sync_state SET status = $1, last_error = $2, updated_at = now()", status,
      error);
}

asio::awaitable<void> DriveSyncRepository::lock_channels(pg::Transaction& tx) {
  co_await tx.query("SELECT pg_advisory_xact_lock(hashtext('crmd_drive_channels'))");
}

asio::awaitable<void> DriveSyncRepository::insert_channel(pg::Transaction& tx,
                                                          const DriveChannel& c) {
  co_await tx.query(
      "INSERT INTO drive_webhook_channels (channel_id, resource_id, token, expires_at)"
      " VALUES ($1, $2, $3, $4)",
      c.channel_id, c.resource_id, c.token, c.expires_at);
}

asio::awaitable<void> DriveSyncRepository::channel_registered(pg::Transaction& tx,
                                                              const std::string& channel_id,
                                                              const std::string& resource_id,
                                                              Timestamp expires_at) {
  co_await tx.query(
      "UPDATE drive_webhook_channels SET resource_id = $2, expires_at = $3, updated_at = now()"
      " WHERE channel_id = $1",
      channel_id, resource_id, expires_at);
}

asio::awaitable<std::optional<DriveChannel>> DriveSyncRepository::channel(
    const std::string& channel_id) {
  const auto result = co_await pool_.read(std::string("SELECT ") + kChannelColumns +
                                               " FROM drive_webhook_channels WHERE channel_id = $1",
                                           channel_id);
  if (result.empty()) co_return std::nullopt;
  co_return channel_from(result.one());
}

asio::awaitable<std::vector<DriveChannel>> DriveSyncRepository::active_channels(
    pg::Transaction* tx) {
  const auto sql = std::string("SELECT ") + kChannelColumns +
                   " FROM drive_webhook_channels WHERE active ORDER BY expires_at";
  pg::Result result;
  if (tx)
    result = co_await tx->query(sql);
  else
    result = co_await pool_.read(sql);
  std::vector<DriveChannel> channels;
  for (auto r : result) channels.push_back(channel_from(r));
  co_return channels;
}

asio::awaitable<void> DriveSyncRepository::stop_channel(pg::Transaction& tx,
                                                        const std::string& channel_id) {
  co_await tx.query(
      "UPDATE drive_webhook_channels SET active = false, stopped_at = now(), updated_at = now()"
      " WHERE channel_id = $1",
      channel_id);
}

asio::awaitable<bool> DriveSyncRepository::log_notification(const DriveNotification& n) {
  pg::Params params;
  params.add(n.channel_id);
  params.add(n.resource_id);
  params.add(n.resource_state);
  params.add(n.message_number);
  params.add(n.changed);
  params.add(boost::json::value(n.headers));
  const auto result = co_await pool_.query(
      "INSERT INTO drive_change_logs (channel_id, resource_id, resource_state, message_number,"
      " changed, raw_headers) VALUES ($1, $2, $3, $4, $5, $6)"
      " ON CONFLICT (channel_id, message_number) DO NOTHING RETURNING id",
      std::move(params));
  co_return !result.empty();
}

asio::awaitable<std::optional<drive::Folder>> DriveSyncRepository::lock_folder_by_google_id(
    pg::Transaction& tx, const std::string& google_id) {
  const auto result =
      co_await tx.query(std::string("SELECT ") + drive_rows::kFolderColumns +
                            " FROM drive_folders f WHERE f.google_id = $1 FOR UPDATE",
                        google_id);
  if (result.empty()) co_return std::nullopt;
  co_return drive_rows::folder_from(result.one());
}

asio::awaitable<std::optional<drive::File>> DriveSyncRepository::lock_file_by_google_id(
    pg::Transaction& tx, const std::string& google_id) {
  const auto result = co_await tx.query(std::string("SELECT ") + drive_rows::kFileColumns +
                                            " FROM drive_files d WHERE d.google_id = $1 FOR UPDATE",
                                        google_id);
  if (result.empty()) co_return std::nullopt;
  co_return drive_rows::file_from(result.one());
}

}  // namespace crmd::storage
