// Google Drive v3 over the outbound client: folders, metadata, uploads
// (multipart, and resumable ones that survive lost connections and expired
// sessions), ranged downloads, the changes feed and its push channels. Only
// translation: the caller persists what must survive (session URIs, page
// tokens, channels) through the values and hooks here.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/google/api.hpp"
#include "storage/google/auth.hpp"
#include "storage/google/wire.hpp"
#include "storage/web/http_client.hpp"

namespace crmd::google {

inline constexpr std::string_view folder_mime_type = "application/vnd.google-apps.folder";

struct DriveUrls {
  std::string api = "https://www.googleapis.com/drive/v3";            // CRMD_GOOGLE_DRIVE_URL
  std::string upload = "https://www.googleapis.com/upload/drive/v3";  // CRMD_GOOGLE_UPLOAD_URL
};

struct UploadOptions {
  std::uint64_t multipart_limit = 5 * 1024 * 1024;  // larger files go resumable
  std::size_t chunk_bytes = 8 * 1024 * 1024;        // a multiple of 256 KiB
  int max_session_restarts = 3;                     // new sessions after 404/410
  int max_interruptions = 8;                        // lost chunks in a row
  std::chrono::milliseconds chunk_timeout{300000};
};

struct DriveObject {
  std::string id, name, mime_type;
  std::vector<std::string> parents;
  bool trashed = false;
  std::optional<std::uint64_t> size;  // none for folders and Google Docs
  std::string md5;
  bool is_folder() const { return mime_type == folder_mime_type; }
};

struct UploadProgress {
  std::optional<DriveObject> done;  // the upload is complete
  std::uint64_t next_offset = 0;    // else the first byte Google lacks
};

struct ResumableHooks {
  // Called with each new session's URI before its first byte is sent, so
  // the caller can persist it and resume after a restart.
  std::function<boost::asio::awaitable<void>(std::string session_uri)> session_started;
};

struct Change {
  std::string file_id;
  bool removed = false;
  std::optional<DriveObject> file;
};

struct ChangePage {
  std::vector<Change> changes;
  std::optional<std::string> next_page_token;       // more to read now
  std::optional<std::string> new_start_page_token;  // the end: the cursor to keep
};

// A q-string literal: 'text' with quotes and backslashes escaped.
std::string drive_query_literal(std::string_view text);

// A file resource as Drive sends it (size is a decimal string there).
DriveObject drive_object_of(std::string_view json);

class GoogleDrive {
 public:
  // http and auth must outlive the object.
  GoogleDrive(web::HttpClient& http, GoogleAuth& auth, DriveUrls urls = {},
              web::RetryPolicy policy = google_retry_policy(), UploadOptions upload = {});

  // Not trashed, of mime type folder, named name, in parent_id.
  boost::asio::awaitable<std::optional<DriveObject>> find_folder(std::string name,
                                                                 std::string parent_id);
  // find_folder, else a new folder.
  boost::asio::awaitable<DriveObject> ensure_folder(std::string name, std::string parent_id);
  boost::asio::awaitable<DriveObject> get(std::string id);
  boost::asio::awaitable<DriveObject> rename(std::string id, std::string name);
  boost::asio::awaitable<DriveObject> move(std::string id, std::string from_parent,
                                           std::string to_parent);
  boost::asio::awaitable<DriveObject> set_trashed(std::string id, bool trashed);

  // One request, metadata and content; for files up to multipart_limit.
  boost::asio::awaitable<DriveObject> upload_multipart(std::string name, std::string parent,
                                                       std::string mime, std::string content);
  // A resumable session for size bytes: its URI.
  boost::asio::awaitable<std::string> start_resumable(std::string name, std::string parent,
                                                      std::string mime, std::uint64_t size);
  // data from offset, of a file of total bytes. Throws
  // Error(gone, "upload_session_expired") on 404/410,
  // Error(unavailable, "upload_interrupted") on an answer worth a probe (5xx,
  // 429, rate limits), the outbound Error when the transfer fails.
  boost::asio::awaitable<UploadProgress> put_chunk(std::string session_uri, std::uint64_t offset,
                                                   std::string data, std::uint64_t total);
  // How much of the session's total bytes Google holds.
  boost::asio::awaitable<UploadProgress> probe(std::string session_uri, std::uint64_t total);
  // The file at path (size bytes, read on blocking) as a Drive file: multipart
  // up to multipart_limit, else resumable, resuming resume_session when given.
  boost::asio::awaitable<DriveObject> upload_file(boost::asio::thread_pool& blocking,
                                                  std::string path, std::uint64_t size,
                                                  std::string name, std::string parent,
                                                  std::string mime,
                                                  std::optional<std::string> resume_session,
                                                  ResumableHooks hooks);

  // Bytes first..last (inclusive) of a file's content; keep the span small
  // (8 MiB), the whole answer is held in memory.
  boost::asio::awaitable<std::string> download_range(std::string id, std::uint64_t first,
                                                     std::uint64_t last);

  boost::asio::awaitable<std::string> start_page_token();
  boost::asio::awaitable<ChangePage> list_changes(std::string page_token);

  // A web_hook channel on the changes after page_token, for ttl at most
  // (Google may shorten it: expiration is what it answered).
  boost::asio::awaitable<Channel> watch_changes(std::string page_token, std::string channel_id,
                                                std::string address, std::string token,
                                                std::chrono::seconds ttl);
  // Deletes the file for good (not to the trash); one already gone counts.
  boost::asio::awaitable<void> delete_file(std::string id);
  // A channel Google no longer knows (404) counts as stopped.
  boost::asio::awaitable<void> stop_channel(std::string id, std::string resource_id);

 private:
  boost::asio::awaitable<web::HttpResponse> send(web::HttpRequest request,
                                                 const web::RetryPolicy& policy);
  boost::asio::awaitable<web::HttpResponse> call(web::HttpRequest request);
  boost::asio::awaitable<DriveObject> patch(std::string id, std::string query, std::string body);
  boost::asio::awaitable<DriveObject> upload_resumable(boost::asio::thread_pool& blocking,
                                                       std::string path, std::uint64_t size,
                                                       std::string name, std::string parent,
                                                       std::string mime,
                                                       std::optional<std::string> resume_session,
                                                       ResumableHooks hooks);

  web::HttpClient& http_;
  GoogleAuth& auth_;
  const DriveUrls urls_;
  const web::RetryPolicy policy_;
  web::RetryPolicy single_attempt_;  // chunks: after a failure, probe instead
  const UploadOptions upload_;
};

}  // namespace crmd::google
