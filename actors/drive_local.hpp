// The local drive backend, crmd's default: folders are rows only, file
// contents are files of the blob store (CRMD_DATA_DIR/drive/<file id>).
#pragma once

#include "actors/drive_backend.hpp"

namespace crmd::actors {

class LocalDriveBackend final : public DriveBackend {
 public:
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
  boost::asio::awaitable<std::string> read(std::string, std::uint64_t, std::uint64_t) override {
    co_return std::string();
  }
};

}  // namespace crmd::actors
