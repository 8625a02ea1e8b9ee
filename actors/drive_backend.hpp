// Where the drive's folders and file contents live besides their rows: the
// local blob store, or Google Drive. The drive service keeps the rows and
// calls the backend for the other side of each change; the local backend
// has no folders of its own, so its folder calls do nothing.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>

#include "domain/common/uuid.hpp"

namespace crmd::actors {

// An upload kept in the blob store, under the id its file row will have.
struct StagedFile {
  Uuid id;
  std::string path;
  std::uint64_t size = 0;
  std::string sha256;
};

// Where a stored file's content is now.
struct StoredContent {
  std::optional<std::string> blob;       // the local backend's file name
  std::optional<std::string> google_id;  // the Google backend's file
};

class DriveBackend {
 public:
  virtual ~DriveBackend() = default;

  virtual std::string_view name() const = 0;
  // Whether contents leave the blob store (then an upload's row is written
  // before its content goes, so that a restarted process can resume it).
  virtual bool stores_remotely() const = 0;

  // The remote id of a new folder named name in the remote folder parent
  // (nullopt: the backend's own root); nullopt when the backend has none.
  // Made idempotent: a folder of that name there is reused.
  virtual boost::asio::awaitable<std::optional<std::string>> create_folder(
      std::string name, std::optional<std::string> parent) = 0;
  virtual boost::asio::awaitable<void> rename(std::optional<std::string> remote,
                                              std::string name) = 0;
  virtual boost::asio::awaitable<void> move(std::optional<std::string> remote,
                                            std::optional<std::string> from,
                                            std::optional<std::string> to) = 0;
  virtual boost::asio::awaitable<void> set_trashed(std::optional<std::string> remote,
                                                   bool trashed) = 0;

  // Deletes a file's content for good: the blob, or the Drive file.
  virtual boost::asio::awaitable<void> purge(std::optional<std::string> blob,
                                             std::optional<std::string> remote) = 0;
  // Takes the staged file into the backend; the content is then where the
  // answer says (a remote backend leaves the staged file to the caller).
  // resume: a resumable upload's session to go on with; on_session is told
  // each new one, to persist.
  using SessionHook = std::function<boost::asio::awaitable<void>(std::string)>;
  virtual boost::asio::awaitable<StoredContent> store(StagedFile staged, std::string name,
                                                      std::string mime_type,
                                                      std::optional<std::string> parent,
                                                      std::optional<std::string> resume,
                                                      SessionHook on_session) = 0;
  // Bytes [first, last] of a stored file's content (Google; the local
  // backend's files are read from disk by the one who asks).
  virtual boost::asio::awaitable<std::string> read(std::string google_id, std::uint64_t first,
                                                   std::uint64_t last) = 0;
};

}  // namespace crmd::actors
