// The blob store: where uploads waiting for their import, finished exports
// and the local drive's file contents are kept, by key ("<uuid>.csv",
// "exports/<uuid>.csv", "drive/<file id>"). Two backends: a local directory
// (CRMD_DATA_DIR/blobs, the default) and an S3-compatible bucket
// (CRMD_BLOB_URL=s3://bucket/prefix), which processes on several machines
// share.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/time.hpp"

namespace crmd::storage {

// A blob being written. It appears under its key only once finished; one
// discarded (or destroyed unfinished) leaves nothing behind.
class BlobSink {
 public:
  virtual ~BlobSink() = default;
  virtual boost::asio::awaitable<void> open() = 0;
  virtual boost::asio::awaitable<void> append(std::string chunk) = 0;
  virtual boost::asio::awaitable<void> finish() = 0;
  virtual boost::asio::awaitable<void> discard() = 0;
  virtual std::uint64_t bytes() const = 0;
};

// A blob read from front to back, from any offset, a chunk at a time,
// never held whole.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual boost::asio::awaitable<void> seek(std::uint64_t offset) = 0;
  // Up to max bytes from the current offset; empty at the end.
  virtual boost::asio::awaitable<std::string> read(std::size_t max) = 0;
};

struct BlobEntry {
  std::string name;  // below the listed folder
  Timestamp modified{};
};

// What a presigned download answers with besides the bytes.
struct DownloadHeaders {
  std::string content_type;
  std::string content_disposition;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  virtual std::string_view kind() const = 0;  // "local" or "s3"

  virtual std::unique_ptr<BlobSink> create(std::string key) = 0;
  // Takes the local file at path in as key: afterwards the file is gone,
  // or (local store, path being the key's own) is the blob itself.
  virtual boost::asio::awaitable<void> put_file(std::string path, std::string key) = 0;
  // The blob's size; nullopt when there is none under key.
  virtual boost::asio::awaitable<std::optional<std::uint64_t>> size(std::string key) = 0;
  // Bytes [first, last] (inclusive) of the blob.
  virtual boost::asio::awaitable<std::string> read(std::string key, std::uint64_t first,
                                                   std::uint64_t last) = 0;
  // A reader from offset 0; nullptr when there is no blob under key.
  virtual boost::asio::awaitable<std::unique_ptr<BlobReader>> open_reader(std::string key) = 0;
  // Removes the blobs (one missing is no error).
  virtual boost::asio::awaitable<void> remove(std::vector<std::string> keys) = 0;
  // The same without waiting; failures are only logged.
  virtual void remove_later(std::string key) = 0;
  // The blobs directly in folder ("" or "exports/"), not those below it.
  virtual boost::asio::awaitable<std::vector<BlobEntry>> list(std::string folder) = 0;

  // Where the blob is on this machine's disk, for the local store.
  virtual std::optional<std::string> local_path(const std::string& key) const = 0;
  // A URL that GETs the blob without other credentials for ttl, for the
  // S3 store; nullopt for the local one.
  virtual std::optional<std::string> presigned_get(const std::string& key, std::chrono::seconds ttl,
                                                   const DownloadHeaders& headers) const = 0;
};

}  // namespace crmd::storage
