// The Google drive backend (CRMD_DRIVE_BACKEND=google): every folder and
// file is also a Google Drive object under CRMD_GOOGLE_DRIVE_ROOT_FOLDER,
// reached through storage/google's gateway.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "actors/drive_backend.hpp"
#include "storage/google/drive.hpp"

namespace crmd::actors {

class GoogleDriveBackend final : public DriveBackend {
 public:
  GoogleDriveBackend(google::GoogleDrive& drive, std::string root_folder,
                     boost::asio::thread_pool& blocking)
      : drive_(drive), root_(std::move(root_folder)), blocking_(blocking) {}

  std::string_view name() const override { return "google"; }
  bool stores_remotely() const override { return true; }
  google::GoogleDrive& gateway() { return drive_; }

  boost::asio::awaitable<std::optional<std::string>> create_folder(
      std::string name, std::optional<std::string> parent) override;
  boost::asio::awaitable<void> rename(std::optional<std::string> remote, std::string name) override;
  boost::asio::awaitable<void> move(std::optional<std::string> remote,
                                    std::optional<std::string> from,
                                    std::optional<std::string> to) override;
  boost::asio::awaitable<void> set_trashed(std::optional<std::string> remote,
                                           bool trashed) override;
  boost::asio::awaitable<StoredContent> store(StagedFile staged, std::string name,
                                              std::string mime_type,
                                              std::optional<std::string> parent,
                                              std::optional<std::string> resume,
                                              SessionHook on_session) override;
  boost::asio::awaitable<void> purge(std::optional<std::string> blob,
                                     std::optional<std::string> remote) override;
  boost::asio::awaitable<std::string> read(std::string google_id, std::uint64_t first,
                                           std::uint64_t last) override;

 private:
  google::GoogleDrive& drive_;
  std::string root_;
  boost::asio::thread_pool& blocking_;
};

}  // namespace crmd::actors
