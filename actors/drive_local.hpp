// The local drive backend, crmd's default: folders are rows only, file
// contents are files of the blob store (CRMD_DATA_DIR/drive/<file id>).
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "actors/drive_backend.hpp"
#include "storage/blob_file.hpp"

namespace crmd::actors {

class LocalDriveBackend final : public DriveBackend {
 public:
  // directory: where the blobs are (CRMD_DATA_DIR/blobs/drive).
  LocalDriveBackend(boost::asio::thread_pool& blocking, std::string directory)
      : blocking_(blocking), directory_(std::move(directory)) {}

  std::string_view name() const override { return "local"; }
  bool stores_remotely() const override { return false; }
  boost::asio::awaitable<std::optional<std::string>> create_folder(
      std::string, std::optional<std::string>) override {
    co_return std::nullopt;
  }
  boost::asio::awaitable<void> rename(std::optional<std::string>, std::string) override {
    co_return;
  }
  boost::asio::awaitable<void> move(std::optional<std::string>, std::optional<std::string>,
                                    std::optional<std::string>) override {
    co_return;
  }
  boost::asio::awaitable<void> set_trashed(std::optional<std::string>, bool) override { co_return; }
  // The staged file already is the blob.
  boost::asio::awaitable<StoredContent> store(StagedFile staged, std::string, std::string,
                                              std::optional<std::string>,
                                              std::optional<std::string>, SessionHook) override {
    co_return StoredContent{staged.id.str(), std::nullopt};
  }
  boost::asio::awaitable<void> purge(std::optional<std::string> blob,
                                     std::optional<std::string>) override {
    if (blob) storage::remove_blob_later(blocking_, directory_ + "/" + *blob);
    co_return;
  }
  boost::asio::awaitable<std::string> read(std::string, std::uint64_t, std::uint64_t) override {
    co_return std::string();
  }

 private:
  boost::asio::thread_pool& blocking_;
  std::string directory_;
};

}  // namespace crmd::actors
