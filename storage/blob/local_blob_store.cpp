#include "storage/blob/local_blob_store.hpp"

#include <filesystem>
#include <fstream>

#include "storage/blob_file.hpp"
#include "storage/blocking.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

class LocalSink final : public BlobSink {
 public:
  LocalSink(std::string path, asio::thread_pool& blocking) : writer_(std::move(path), blocking) {}
  asio::awaitable<void> open() override { co_await writer_.open(); }
  asio::awaitable<void> append(std::string chunk) override {
    co_await writer_.append(std::move(chunk));
  }
  asio::awaitable<void> finish() override { co_await writer_.finish(); }
  asio::awaitable<void> discard() override { co_await writer_.discard(); }
  std::uint64_t bytes() const override { return writer_.bytes(); }

 private:
  BlobWriter writer_;
};

class LocalReader final : public BlobReader {
 public:
  LocalReader(std::shared_ptr<std::ifstream> file, asio::thread_pool& blocking)
      : file_(std::move(file)), blocking_(blocking) {}
  asio::awaitable<void> seek(std::uint64_t offset) override {
    auto seek = [file = file_, offset] {
      file->clear();
      file->seekg(static_cast<std::streamoff>(offset));
    };
    co_await run_blocking(blocking_, std::move(seek));
  }
  asio::awaitable<std::string> read(std::size_t max) override {
    auto read = [file = file_, max] {
      std::string chunk(max, '\0');
      file->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.resize(static_cast<std::size_t>(file->gcount()));
      return chunk;
    };
    co_return co_await run_blocking(blocking_, std::move(read));
  }

 private:
  std::shared_ptr<std::ifstream> file_;
  asio::thread_pool& blocking_;
};

Timestamp timestamp_of(fs::file_time_type written) {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::file_clock::to_sys(written));
}

}  // namespace

std::unique_ptr<BlobSink> LocalBlobStore::create(std::string key) {
  return std::make_unique<LocalSink>(path_of(key), blocking_);
}

asio::awaitable<void> LocalBlobStore::put_file(std::string path, std::string key) {
  auto target = path_of(key);
  if (path == target) co_return;
  auto move = [path = std::move(path), target = std::move(target)] { fs::rename(path, target); };
  co_await run_blocking(blocking_, std::move(move));
}

asio::awaitable<std::optional<std::uint64_t>> LocalBlobStore::size(std::string key) {
  auto stat = [path = path_of(key)] {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    return ec ? std::optional<std::uint64_t>() : std::optional<std::uint64_t>(size);
  };
  co_return co_await run_blocking(blocking_, std::move(stat));
}

asio::awaitable<std::string> LocalBlobStore::read(std::string key, std::uint64_t first,
                                                  std::uint64_t last) {
  auto read = [path = path_of(key), first, last] {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    in.seekg(static_cast<std::streamoff>(first));
    std::string out(last - first + 1, '\0');
    in.read(out.data(), static_cast<std::streamsize>(out.size()));
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
  };
  co_return co_await run_blocking(blocking_, std::move(read));
}

asio::awaitable<std::unique_ptr<BlobReader>> LocalBlobStore::open_reader(std::string key) {
  auto open = [path = path_of(key)] {
    auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
    return *file ? file : nullptr;
  };
  auto file = co_await run_blocking(blocking_, std::move(open));
  if (!file) co_return nullptr;
  co_return std::make_unique<LocalReader>(std::move(file), blocking_);
}

asio::awaitable<void> LocalBlobStore::remove(std::vector<std::string> keys) {
  std::vector<std::string> paths;
  for (const auto& key : keys) paths.push_back(path_of(key));
  auto remove = [paths = std::move(paths)] {
    std::error_code ignored;
    for (const auto& path : paths) fs::remove(path, ignored);
  };
  co_await run_blocking(blocking_, std::move(remove));
}

void LocalBlobStore::remove_later(std::string key) {
  remove_blob_later(blocking_, path_of(key));
}

asio::awaitable<std::vector<BlobEntry>> LocalBlobStore::list(std::string folder) {
  auto list = [dir = path_of(folder)] {
    std::vector<BlobEntry> entries;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (!entry.is_regular_file(ec)) continue;
      const auto written = entry.last_write_time(ec);
      if (ec) continue;
      entries.push_back({entry.path().filename().string(), timestamp_of(written)});
    }
    return entries;
  };
  co_return co_await run_blocking(blocking_, std::move(list));
}

}  // namespace crmd::storage
