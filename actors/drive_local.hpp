// The local drive backend, crmd's default: folders are rows only, file
// contents are blobs of the blob store ("drive/<file id>": the file
// CRMD_DATA_DIR/blobs/drive/<file id>, or that object of the S3 bucket).
#pragma once

#include "actors/drive_backend.hpp"
#include "storage/blob/blob_store.hpp"

namespace crmd::actors {

class LocalDriveBackend final : public DriveBackend {
 public:
  explicit LocalDriveBackend(storage::BlobStore& store) : store_(store) {}

  // The store's key of a file's blob.
  static std::string key_of(const std::string& blob) { return "drive/" + blob; }

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
  // The staged file becomes the blob (on the local store it already is).
  boost::asio::awaitable<StoredContent> store(StagedFile staged, std::string, std::string,
                                              std::optional<std::string>,
                                              std::optional<std::string>, SessionHook) override {
    auto blob = staged.id.str();
    co_await store_.put_file(staged.path, key_of(blob));
    co_return StoredContent{std::move(blob), std::nullopt};
  }
  boost::asio::awaitable<void> purge(std::optional<std::string> blob,
                                     std::optional<std::string>) override {
    if (blob) store_.remove_later(key_of(*blob));
    co_return;
  }
  boost::asio::awaitable<std::string> read(std::string, std::uint64_t, std::uint64_t) override {
    co_return std::string();
  }

 private:
  storage::BlobStore& store_;
};

}  // namespace crmd::actors
