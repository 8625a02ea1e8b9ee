#include "server/http/upload.hpp"

#include <filesystem>

#include "storage/blob_file.hpp"
#include "storage/blocking.hpp"

namespace crmd::http {

Upload::~Upload() {
  if (!moved_) storage::remove_blob_later(blocking_, path_);
}

boost::asio::awaitable<void> Upload::move_to(std::string path) {
  auto rename = [from = path_, to = path] { std::filesystem::rename(from, to); };
  co_await run_blocking(blocking_, std::move(rename));
  path_ = std::move(path);
  moved_ = true;
}

}  // namespace crmd::http
