#include "actors/drive_google.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

asio::awaitable<std::optional<std::string>> GoogleDriveBackend::create_folder(
    std::string name, std::optional<std::string> parent) {
  auto folder = co_await drive_.ensure_folder(std::move(name), parent.value_or(root_));
  co_return folder.id;
}

asio::awaitable<void> GoogleDriveBackend::rename(std::optional<std::string> remote,
                                                 std::string name) {
  if (remote) co_await drive_.rename(*remote, std::move(name));
}

asio::awaitable<void> GoogleDriveBackend::move(std::optional<std::string> remote,
                                               std::optional<std::string> from,
                                               std::optional<std::string> to) {
  if (remote && from && to) co_await drive_.move(*remote, *from, *to);
}

asio::awaitable<void> GoogleDriveBackend::set_trashed(std::optional<std::string> remote,
                                                      bool trashed) {
  if (remote) co_await drive_.set_trashed(*remote, trashed);
}

asio::awaitable<StoredContent> GoogleDriveBackend::store(StagedFile staged, std::string name,
                                                         std::string mime_type,
                                                         std::optional<std::string> parent,
                                                         std::optional<std::string> resume,
                                                         SessionHook on_session) {
  google::ResumableHooks hooks{std::move(on_session)};
  auto file = co_await drive_.upload_file(blocking_, staged.path, staged.size, std::move(name),
                                          parent.value_or(root_), std::move(mime_type),
                                          std::move(resume), std::move(hooks));
  co_return StoredContent{std::nullopt, file.id};
}

asio::awaitable<void> GoogleDriveBackend::purge(std::optional<std::string>,
                                                std::optional<std::string> remote) {
  if (remote) co_await drive_.delete_file(*remote);
}

asio::awaitable<std::string> GoogleDriveBackend::read(std::string google_id, std::uint64_t first,
                                                      std::uint64_t last) {
  co_return co_await drive_.download_range(std::move(google_id), first, last);
}

}  // namespace crmd::actors
