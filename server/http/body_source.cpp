#include "server/http/body_source.hpp"

#include <boost/asio/this_coro.hpp>
#include <fstream>

#include "storage/blocking.hpp"
#include "storage/started_task.hpp"

namespace crmd::http {
namespace asio = boost::asio;

namespace {

constexpr std::uint64_t kChunkBytes = 256 * 1024;

class FileSource : public BodySource {
 public:
  FileSource(asio::thread_pool& blocking, std::shared_ptr<std::ifstream> file, std::uint64_t length)
      : blocking_(blocking), file_(std::move(file)), unread_(length) {}

  // Each chunk is read while the one before it goes out.
  asio::awaitable<std::string> next() override {
    const auto io = co_await asio::this_coro::executor;
    if (!reading_) reading_ = read_next(io);
    if (!reading_) co_return std::string();
    auto current = std::move(reading_);
    auto chunk = co_await current->result();
    // The next read runs while this chunk is written to the socket (one at
    // a time: they share the stream).
    reading_ = read_next(io);
    co_return chunk;
  }

 private:
  std::shared_ptr<StartedTask<std::string>> read_next(const asio::any_io_executor& io) {
    if (unread_ == 0) return nullptr;
    const auto n = std::min(unread_, kChunkBytes);
    unread_ -= n;
    auto read = [file = file_, n] {
      std::string chunk(n, '\0');
      file->read(chunk.data(), static_cast<std::streamsize>(n));
      if (static_cast<std::uint64_t>(file->gcount()) != n)
        throw std::runtime_error("the file ended early");
      return chunk;
    };
    return StartedTask<std::string>::start(blocking_, io, std::move(read));
  }

  asio::thread_pool& blocking_;
  std::shared_ptr<std::ifstream> file_;
  std::uint64_t unread_;  // not yet asked of the disk
  std::shared_ptr<StartedTask<std::string>> reading_;
};

}  // namespace

asio::awaitable<std::shared_ptr<BodySource>> file_source(asio::thread_pool& blocking,
                                                         std::string path, std::uint64_t offset,
                                                         std::uint64_t length) {
  auto open = [path = std::move(path), offset] {
    auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
    if (!*file) throw std::runtime_error("cannot open " + path);
    file->seekg(static_cast<std::streamoff>(offset));
    return file;
  };
  auto file = co_await run_blocking(blocking, std::move(open));
  co_return std::make_shared<FileSource>(blocking, std::move(file), length);
}

}  // namespace crmd::http
