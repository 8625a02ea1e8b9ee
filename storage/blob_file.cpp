#include "storage/blob_file.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
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

asio::awaitable<void> BlobWriter::settle() {
  auto hashing = std::move(hashing_);
  auto writing = std::move(writing_);
  if (hashing) co_await hashing->result();
  if (writing) co_await writing->result();
  hashing.reset();
  writing.reset();
  // Both tasks are done with it: its storage serves the next chunk.
  if (last_ && last_.use_count() == 1) spare_ = std::move(*last_);
  last_.reset();
}

std::string BlobWriter::buffer(std::size_t size) {
  std::string out = std::move(spare_);
  spare_.clear();
  out.resize(size);
  return out;
}

asio::awaitable<void> BlobWriter::append(std::string chunk) {
  co_await settle();
  bytes_ += chunk.size();
  // Hashed and written at once, on two threads of the pool: the digest
  // costs about as much as the write.
  last_ = std::make_shared<std::string>(std::move(chunk));
  auto hash = [digest = digest_, chunk = last_] { digest->update(*chunk); };
  auto write = [out = out_, chunk = last_, part = part_] {
    out->write(chunk->data(), static_cast<std::streamsize>(chunk->size()));
    if (!*out) throw std::runtime_error("cannot write " + part);
  };
  const auto io = co_await asio::this_coro::executor;
  hashing_ = StartedTask<void>::start(blocking_, io, std::move(hash));
  writing_ = StartedTask<void>::start(blocking_, io, std::move(write));
}

asio::awaitable<void> BlobWriter::finish() {
  co_await settle();
  auto close = [out = out_, part = part_, path = path_] {
    out->close();
    if (!*out) throw std::runtime_error("cannot write " + part);
    std::filesystem::rename(part, path);
  };
  co_await run_blocking(blocking_, std::move(close));
  finished_ = true;
}

asio::awaitable<ExtractedFile> extract_multipart_file(asio::thread_pool& blocking, std::string from,
                                                      std::string boundary, std::string to) {
  // One task per chunk, not one over the whole upload (up to 1 GiB): the
  // disk pool stays free for downloads and other uploads between chunks.
  constexpr std::size_t kChunk = 256 * 1024;
  struct Files {
    std::ifstream in;
    std::ofstream out;
    std::string chunk = std::string(kChunk, '\0');
    Sha256 digest;
  };
  auto files = std::make_shared<Files>();
  auto open = [files, from] {
    files->in.open(from, std::ios::binary);
    if (!files->in) throw std::runtime_error("cannot read " + from);
  };
  co_await run_blocking(blocking, std::move(open));

  imports::MultipartScanner scanner(boundary);
  auto read = [files] {
    files->in.read(files->chunk.data(), kChunk);
    return std::string_view(files->chunk.data(), static_cast<std::size_t>(files->in.gcount()));
  };
  bool more = true;
  while (more && !scanner.file() && !scanner.error()) {
    const auto chunk = co_await run_blocking(blocking, read);
    scanner.feed(chunk);
    more = static_cast<bool>(files->in);
  }
  if (!scanner.file() && !scanner.error()) scanner.finish();
  if (scanner.error())
    throw Error(ErrorKind::validation, "invalid_upload", *scanner.error(),
                {{"file", *scanner.error()}});

  const auto span = *scanner.file();
  auto start = [files, to, begin = span.begin] {
    files->in.clear();
    files->in.seekg(static_cast<std::streamoff>(begin));
    files->out.open(to, std::ios::binary | std::ios::trunc);
  };
  co_await run_blocking(blocking, std::move(start));
  auto left = span.end - span.begin;
  while (left > 0) {
    auto copy = [files, n = std::min<std::uint64_t>(left, kChunk), to] {
      files->in.read(files->chunk.data(), static_cast<std::streamsize>(n));
      files->out.write(files->chunk.data(), files->in.gcount());
      files->digest.update(
          std::string_view(files->chunk.data(), static_cast<std::size_t>(files->in.gcount())));
      if (!files->in || !files->out)
        throw std::runtime_error("cannot copy the upload's file to " + to);
      return static_cast<std::uint64_t>(files->in.gcount());
    };
    const auto copied = co_await run_blocking(blocking, std::move(copy));
    left -= copied;
  }
  auto flush = [files, to] {
    if (!files->out.flush()) throw std::runtime_error("cannot copy the upload's file to " + to);
  };
  co_await run_blocking(blocking, std::move(flush));
  co_return ExtractedFile{span.end - span.begin, files->digest.hex_digest(),
                          imports::read_part_headers(scanner.file_headers())};
}

asio::awaitable<void> BlobWriter::discard() {
  try {
    co_await settle();
  } catch (const std::exception&) {
    // Discarded anyway.
  }
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
