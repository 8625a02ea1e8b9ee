// The blob store in a local directory (CRMD_DATA_DIR/blobs): a key is a
// path below it; disk work runs on the blocking pool.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "storage/blob/blob_store.hpp"

namespace crmd::storage {

class LocalBlobStore final : public BlobStore {
 public:
  LocalBlobStore(std::string root, boost::asio::thread_pool& blocking)
      : root_(std::move(root)), blocking_(blocking) {}

  std::string_view kind() const override { return "local"; }
  std::unique_ptr<BlobSink> create(std::string key) override;
  boost::asio::awaitable<void> put_file(std::string path, std::string key) override;
  boost::asio::awaitable<std::optional<std::uint64_t>> size(std::string key) override;
  boost::asio::awaitable<std::string> read(std::string key, std::uint64_t first,
                                           std::uint64_t last) override;
  boost::asio::awaitable<std::unique_ptr<BlobReader>> open_reader(std::string key) override;
  boost::asio::awaitable<void> remove(std::vector<std::string> keys) override;
  void remove_later(std::string key) override;
  boost::asio::awaitable<std::vector<BlobEntry>> list(std::string folder) override;
  std::optional<std::string> local_path(const std::string& key) const override {
    return path_of(key);
  }
  std::optional<std::string> presigned_get(const std::string&, std::chrono::seconds,
                                           const DownloadHeaders&) const override {
    return std::nullopt;
  }

  const std::string& root() const { return root_; }

 private:
  std::string path_of(const std::string& key) const { return root_ + "/" + key; }

  std::string root_;
  boost::asio::thread_pool& blocking_;
};

}  // namespace crmd::storage
