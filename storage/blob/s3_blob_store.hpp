// The blob store in an S3-compatible bucket (CRMD_BLOB_URL=s3://bucket/
// prefix): a blob is the object prefix + key. Blobs up to a part's size go
// in one PUT, larger ones as a multipart upload of part_size parts (aborted
// when the blob is discarded or a part fails); reads are ranged GETs of
// read_chunk bytes, never the whole object.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include "storage/blob/blob_store.hpp"
#include "storage/blob/s3_client.hpp"

namespace crmd::storage {

class S3BlobStore final : public BlobStore {
 public:
  // io: where remove_later and the abort of a sink destroyed unfinished
  // run; blocking: reads of local files put into the store.
  S3BlobStore(S3Client& client, boost::asio::any_io_executor io, boost::asio::thread_pool& blocking)
      : client_(client), io_(std::move(io)), blocking_(blocking) {}

  std::string_view kind() const override { return "s3"; }
  std::unique_ptr<BlobSink> create(std::string key) override;
  boost::asio::awaitable<void> put_file(std::string path, std::string key) override;
  boost::asio::awaitable<std::optional<std::uint64_t>> size(std::string key) override;
  boost::asio::awaitable<std::string> read(std::string key, std::uint64_t first,
                                           std::uint64_t last) override;
  boost::asio::awaitable<std::unique_ptr<BlobReader>> open_reader(std::string key) override;
  boost::asio::awaitable<void> remove(std::vector<std::string> keys) override;
  void remove_later(std::string key) override;
  boost::asio::awaitable<std::vector<BlobEntry>> list(std::string folder) override;
  std::optional<std::string> local_path(const std::string&) const override { return std::nullopt; }
  std::optional<std::string> presigned_get(const std::string& key, std::chrono::seconds ttl,
                                           const DownloadHeaders& headers) const override;

 private:
  S3Client& client_;
  boost::asio::any_io_executor io_;
  boost::asio::thread_pool& blocking_;
};

}  // namespace crmd::storage
