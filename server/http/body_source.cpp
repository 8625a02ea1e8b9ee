#include "server/http/body_source.hpp"

#include <fstream>

#include "storage/blocking.hpp"

namespace crmd::http {
namespace asio = boost::asio;

namespace {

constexpr std::uint64_t kChunkBytes = 256 * 1024;

class FileSource : public BodySource {
 public:
  FileSource(asio::thread_pool& blocking, std::shared_ptr<std::ifstream> file, std::uint64_t length)
      : blocking_(blocking), file_(std::move(file)), left_(length) {}

  asio::awaitable<std::string> next() override {
    if (left_ == 0) co_return std::string();
    const auto n = std::min(left_, kChunkBytes);
    auto read = [file = file_, n] {
      std::string chunk(n, '\0');
      file->read(chunk.data(), static_cast<std::streamsize>(n));
      if (static_cast<std::uint64_t>(file->gcount()) != n)
        throw std::runtime_error("the file ended early");
      return chunk;
    };
    auto chunk = co_await run_blocking(blocking_, std::move(read));
    left_ -= n;
    co_return chunk;
  }

 private:
  asio::thread_pool& blocking_;
  std::shared_ptr<std::ifstream> file_;
  std::uint64_t left_;
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
