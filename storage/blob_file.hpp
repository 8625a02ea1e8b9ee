// A file being written into the blob store (an upload, an export), its disk
// work on the blocking pool. It is written as "<path>.part" and appears
// under its final name only when finished; one never finished is removed.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "domain/common/crypto.hpp"
#include "domain/imports/multipart.hpp"
#include "storage/started_task.hpp"

namespace crmd::storage {

class BlobWriter {
 public:
  BlobWriter(std::string path, boost::asio::thread_pool& blocking);
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Creates (or truncates) the part file.
  boost::asio::awaitable<void> open();
  // Starts writing chunk and returns: the disk writes it while the next
  // one arrives (the next append, or finish, waits for it first).
  boost::asio::awaitable<void> append(std::string chunk);
  // A string of size bytes for the next chunk, of a written chunk's storage
  // when one is free (its bytes are not zeroed).
  std::string buffer(std::size_t size);
  // Closes the file and gives it its final name.
  boost::asio::awaitable<void> finish();
  // Closes and removes the part file now (else the destructor removes it
  // later).
  boost::asio::awaitable<void> discard();

  const std::string& path() const { return path_; }
  std::uint64_t bytes() const { return bytes_; }
  // SHA-256 of what was appended, in hex; once finished.
  std::string digest() const { return digest_->hex_digest(); }

 private:
  std::string path_, part_;
  boost::asio::thread_pool& blocking_;
  std::shared_ptr<std::ofstream> out_ = std::make_shared<std::ofstream>();
  std::shared_ptr<Sha256> digest_ = std::make_shared<Sha256>();
  std::uint64_t bytes_ = 0;
  bool finished_ = false;
  // The last chunk's, awaited before the next (see append).
  std::shared_ptr<StartedTask<void>> hashing_, writing_;
  std::shared_ptr<std::string> last_;
  std::string spare_;
  boost::asio::awaitable<void> settle();
};

// The file a multipart/form-data body carried.
struct ExtractedFile {
  std::uint64_t size = 0;
  std::string sha256;  // hex
  imports::PartHeaders headers;
};

// Copies the file part of the multipart/form-data body kept at from (one
// pass to find it, one to copy it) to to. Error{validation} when the body
// holds no file part or is not multipart as announced.
boost::asio::awaitable<ExtractedFile> extract_multipart_file(boost::asio::thread_pool& blocking,
                                                             std::string from, std::string boundary,
                                                             std::string to);

// Removes a file of the blob store on the blocking pool, without waiting.
void remove_blob_later(boost::asio::thread_pool& blocking, std::string path);

}  // namespace crmd::storage
