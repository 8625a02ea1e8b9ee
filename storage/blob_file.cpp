#include "storage/blob_file.hpp"

#include <boost/asio/post.hpp>
#include <filesystem>

#include "domain/common/error.hpp"
#include "domain/imports/multipart.hpp"
#include "storage/blocking.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

BlobWriter::BlobWriter(std::string path, asio::thread_pool& blocking)
    : path_(std::move(path)), part_(path_ + ".part"), blocking_(blocking) {}

BlobWriter::~BlobWriter() {
  if (!finished_) remove_blob_later(blocking_, part_);
}

asio::awaitable<void> BlobWriter::open() {
  auto open = [out = out_, part = part_] {
    out->open(part, std::ios::binary | std::ios::trunc);
    if (!*out) throw std::runtime_error("cannot create " + part);
  };
  co_await run_blocking(blocking_, std::move(open));
}

asio::awaitable<void> BlobWriter::append(std::string chunk) {
  bytes_ += chunk.size();
  auto write = [out = out_, digest = digest_, chunk = std::move(chunk), part = part_] {
    digest->update(chunk);
    out->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!*out) throw std::runtime_error("cannot write " + part);
  };
  co_await run_blocking(blocking_, std::move(write));
}

asio::awaitable<void> BlobWriter::finish() {
  auto close = [out = out_, part = part_, path = path_] {
    out->close();
    if (!*out) throw std::runtime_error("cannot write " + part);
    std::filesystem::rename(part, path);
  };
  co_await run_blocking(blocking_, std::move(close));
  finished_ = true;
}

asio::awaitable<void> extract_multipart_file(asio::thread_pool& blocking, std::string from,
                                             std::string boundary, std::string to) {
  auto extract = [from = std::move(from), boundary = std::move(boundary), to = std::move(to)] {
    constexpr std::size_t kChunk = 256 * 1024;
    std::ifstream in(from, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + from);
    imports::MultipartScanner scanner(boundary);
    std::string chunk(kChunk, '\0');
    while (in && !scanner.file()) {
      in.read(chunk.data(), kChunk);
      scanner.feed(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
      if (scanner.error()) break;
    }
    if (!scanner.file()) scanner.finish();
    if (scanner.error())
      throw Error(ErrorKind::validation, "invalid_upload", *scanner.error(),
                  {{"file", *scanner.error()}});
    const auto span = *scanner.file();
    in.clear();
    in.seekg(static_cast<std::streamoff>(span.begin));
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    for (auto left = span.end - span.begin; left > 0 && in && out;) {
      const auto n = std::min<std::uint64_t>(left, kChunk);
      in.read(chunk.data(), static_cast<std::streamsize>(n));
      out.write(chunk.data(), in.gcount());
      left -= static_cast<std::uint64_t>(in.gcount());
    }
    if (!in || !out.flush()) throw std::runtime_error("cannot copy the upload's file to " + to);
  };
  co_await run_blocking(blocking, std::move(extract));
}

asio::awaitable<void> BlobWriter::discard() {
  auto remove = [out = out_, part = part_] {
    out->close();
    std::error_code ignored;
    std::filesystem::remove(part, ignored);
  };
  co_await run_blocking(blocking_, std::move(remove));
  finished_ = true;
}

void remove_blob_later(asio::thread_pool& blocking, std::string path) {
  asio::post(blocking, [path = std::move(path)] {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  });
}

}  // namespace crmd::storage
