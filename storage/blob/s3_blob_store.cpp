#include "storage/blob/s3_blob_store.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <filesystem>
#include <fstream>

#include "storage/blob_file.hpp"
#include "storage/blocking.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

asio::awaitable<void> abort_quietly(S3Client& client, std::string key, std::string upload_id) {
  try {
    co_await client.abort_multipart(key, upload_id);
  } catch (const std::exception& e) {
    spdlog::warn("blob store: aborting the multipart upload of {} failed: {}", key, e.what());
  }
}

asio::awaitable<void> remove_quietly(S3Client& client, std::string key) {
  try {
    co_await client.remove(key);
  } catch (const std::exception& e) {
    spdlog::warn("blob store: removing {} failed: {}", key, e.what());
  }
}

// Bytes gathered until a part is full; the object is made by finish().
class S3Sink final : public BlobSink {
 public:
  S3Sink(S3Client& client, asio::any_io_executor io, std::string key)
      : client_(client), io_(std::move(io)), key_(std::move(key)) {}
  ~S3Sink() override {
    if (upload_id_ && !done_)
      asio::co_spawn(io_, abort_quietly(client_, key_, *upload_id_), asio::detached);
  }

  asio::awaitable<void> open() override { co_return; }

  asio::awaitable<void> append(std::string chunk) override {
    bytes_ += chunk.size();
    if (pending_.empty())
      pending_ = std::move(chunk);
    else
      pending_ += chunk;
    const auto part = client_.options().part_size;
    while (pending_.size() >= part) {
      std::string body = pending_.substr(0, part);
      pending_.erase(0, part);
      co_await send_part(std::move(body));
    }
  }

  asio::awaitable<void> finish() override {
    if (!upload_id_) {
      co_await client_.put(key_, std::move(pending_));
      done_ = true;
      co_return;
    }
    if (!pending_.empty()) co_await send_part(std::move(pending_));
    pending_.clear();
    co_await client_.complete_multipart(key_, *upload_id_, parts_);
    done_ = true;
  }

  asio::awaitable<void> discard() override {
    pending_.clear();
    done_ = true;
    if (upload_id_) co_await abort_quietly(client_, key_, *upload_id_);
  }

  std::uint64_t bytes() const override { return bytes_; }

 private:
  asio::awaitable<void> send_part(std::string body) {
    if (!upload_id_) upload_id_ = co_await client_.create_multipart(key_);
    const int number = static_cast<int>(parts_.size()) + 1;
    auto etag = co_await client_.upload_part(key_, *upload_id_, number, std::move(body));
    s3::CompletedPart done;
    done.number = number;
    done.etag = std::move(etag);
    parts_.push_back(std::move(done));
  }

  S3Client& client_;
  asio::any_io_executor io_;
  std::string key_;
  std::string pending_;
  std::optional<std::string> upload_id_;
  std::vector<s3::CompletedPart> parts_;
  std::uint64_t bytes_ = 0;
  bool done_ = false;
};

// Ranged GETs of read_chunk bytes, handed out max at a time.
class S3Reader final : public BlobReader {
 public:
  S3Reader(S3Client& client, std::string key, std::uint64_t size)
      : client_(client), key_(std::move(key)), size_(size) {}

  asio::awaitable<void> seek(std::uint64_t offset) override {
    offset_ = std::min(offset, size_);
    buffer_.clear();
    used_ = 0;
    co_return;
  }

  asio::awaitable<std::string> read(std::size_t max) override {
    if (used_ == buffer_.size()) {
      buffer_.clear();
      used_ = 0;
      if (offset_ >= size_) co_return std::string();
      const auto last = std::min<std::uint64_t>(offset_ + client_.options().read_chunk, size_) - 1;
      buffer_ = co_await client_.get_range(key_, offset_, last);
      if (buffer_.empty()) throw std::runtime_error("the blob " + key_ + " ended early");
    }
    const auto n = std::min(max, buffer_.size() - used_);
    std::string out = buffer_.substr(used_, n);
    used_ += n;
    offset_ += n;
    co_return out;
  }

 private:
  S3Client& client_;
  std::string key_;
  std::uint64_t size_ = 0, offset_ = 0;
  std::string buffer_;
  std::size_t used_ = 0;
};

}  // namespace

std::unique_ptr<BlobSink> S3BlobStore::create(std::string key) {
  return std::make_unique<S3Sink>(client_, io_, std::move(key));
}

asio::awaitable<void> S3BlobStore::put_file(std::string path, std::string key) {
  struct Source {
    std::ifstream in;
  };
  auto source = std::make_shared<Source>();
  auto open = [source, path] {
    source->in.open(path, std::ios::binary);
    if (!source->in) throw std::runtime_error("cannot read " + path);
  };
  co_await run_blocking(blocking_, std::move(open));
  S3Sink sink(client_, io_, key);
  const auto part = client_.options().part_size;
  std::exception_ptr failure;
  try {
    for (;;) {
      auto read = [source, part] {
        std::string chunk(part, '\0');
        source->in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        chunk.resize(static_cast<std::size_t>(source->in.gcount()));
        return chunk;
      };
      auto chunk = co_await run_blocking(blocking_, std::move(read));
      if (chunk.empty()) break;
      co_await sink.append(std::move(chunk));
    }
    co_await sink.finish();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_await sink.discard();
    std::rethrow_exception(failure);
  }
  remove_blob_later(blocking_, path);
}

asio::awaitable<std::optional<std::uint64_t>> S3BlobStore::size(std::string key) {
  co_return co_await client_.head(std::move(key));
}

asio::awaitable<std::string> S3BlobStore::read(std::string key, std::uint64_t first,
                                               std::uint64_t last) {
  co_return co_await client_.get_range(std::move(key), first, last);
}

asio::awaitable<std::unique_ptr<BlobReader>> S3BlobStore::open_reader(std::string key) {
  const auto size = co_await client_.head(key);
  if (!size) co_return nullptr;
  co_return std::make_unique<S3Reader>(client_, std::move(key), *size);
}

asio::awaitable<void> S3BlobStore::remove(std::vector<std::string> keys) {
  for (auto& key : keys) co_await client_.remove(std::move(key));
}

void S3BlobStore::remove_later(std::string key) {
  asio::co_spawn(io_, remove_quietly(client_, std::move(key)), asio::detached);
}

asio::awaitable<std::vector<BlobEntry>> S3BlobStore::list(std::string folder) {
  std::vector<BlobEntry> entries;
  std::optional<std::string> token;
  do {
    auto page = co_await client_.list(folder, token);
    for (auto& object : page.objects) {
      if (!object.key.starts_with(folder)) continue;
      auto name = object.key.substr(folder.size());
      if (name.empty() || name.find('/') != std::string::npos) continue;
      BlobEntry entry;
      entry.name = std::move(name);
      entry.modified = object.last_modified;
      entries.push_back(std::move(entry));
    }
    token = std::move(page.next_token);
  } while (token);
  co_return entries;
}

std::optional<std::string> S3BlobStore::presigned_get(const std::string& key,
                                                      std::chrono::seconds ttl,
                                                      const DownloadHeaders& headers) const {
  std::vector<s3::Param> extra;
  if (!headers.content_type.empty())
    extra.emplace_back("response-content-type", headers.content_type);
  if (!headers.content_disposition.empty())
    extra.emplace_back("response-content-disposition", headers.content_disposition);
  return client_.presigned_get(key, ttl, std::move(extra));
}

}  // namespace crmd::storage
