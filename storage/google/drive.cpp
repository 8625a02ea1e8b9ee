#include "storage/google/drive.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <random>

#include "domain/common/error.hpp"
#include "storage/blocking.hpp"

namespace crmd::google {

namespace asio = boost::asio;
namespace json = boost::json;
using web::HttpRequest;
using web::HttpResponse;

namespace {

constexpr std::string_view file_fields = "id,name,mimeType,parents,trashed,size,md5Checksum";
constexpr std::size_t resumable_granule = 256 * 1024;

std::string files_url(const std::string& base) {
  return base + "/files";
}

std::string file_url(const std::string& base, std::string_view id) {
  return base + "/files/" + percent_encode(id);
}

std::string with_fields(std::string url) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "supportsAllDrives=true&fields=";
  url += percent_encode(file_fields);
  return url;
}

json::object metadata_of(std::string_view name, std::string_view parent, std::string_view mime) {
  json::object metadata;
  metadata["name"] = name;
  metadata["mimeType"] = mime;
  json::array parents;
  parents.emplace_back(parent);
  metadata["parents"] = std::move(parents);
  return metadata;
}

constexpr std::string_view service = "Google Drive";

[[noreturn]] void unreadable(std::string_view what) {
  google::unreadable(service, what);
}

json::object object_of_body(std::string_view body, std::string_view what) {
  return google::object_of_body(body, service, what);
}

DriveObject drive_object_from(const json::object& file) {
  DriveObject object;
  object.id = string_of(file, "id");
  if (object.id.empty()) unreadable("a file resource without an id");
  object.name = string_of(file, "name");
  object.mime_type = string_of(file, "mimeType");
  if (const auto* parents = file.if_contains("parents"); parents && parents->is_array())
    for (const auto& parent : parents->get_array())
      if (parent.is_string()) object.parents.emplace_back(parent.get_string());
  if (const auto* trashed = file.if_contains("trashed"); trashed && trashed->is_bool())
    object.trashed = trashed->get_bool();
  if (const auto size = integer_of(file.if_contains("size")); size && *size >= 0)
    object.size = static_cast<std::uint64_t>(*size);
  object.md5 = string_of(file, "md5Checksum");
  return object;
}

[[noreturn]] void throw_answer(const HttpResponse& response) {
  std::string message = "Google Drive answered " + std::to_string(response.status);
  if (auto reason = google_error_reason(response.body)) message += " " + *reason;
  if (response.status == 404) throw Error(ErrorKind::not_found, "google_not_found", message);
  if (response.status == 416)
    throw Error(ErrorKind::range_not_satisfiable, "google_range_not_satisfiable", message);
  throw Error(ErrorKind::unavailable, "google_error", message);
}

void expect_success(const HttpResponse& response) {
  if (response.status < 200 || response.status >= 300) throw_answer(response);
}

HttpRequest folder_search(const DriveUrls& urls, const std::string& name, const std::string& parent,
                          const std::optional<std::string>& page_token) {
  const std::string q = "name = " + drive_query_literal(name) + " and " +
                        drive_query_literal(parent) +
                        " in parents and mimeType = " + drive_query_literal(folder_mime_type) +
                        " and trashed = false";
  std::string url =
      files_url(urls.api) + "?q=" + percent_encode(q) +
      "&supportsAllDrives=true&includeItemsFromAllDrives=true&pageSize=100" +
      "&fields=" + percent_encode("nextPageToken,files(" + std::string(file_fields) + ")");
  if (page_token) url += "&pageToken=" + percent_encode(*page_token);
  HttpRequest request = request_of("GET", std::move(url));
  request.max_response_bytes = 1024 * 1024;
  return request;
}

struct FilePage {
  std::vector<DriveObject> files;
  std::optional<std::string> next_page_token;
};

FilePage file_page_of(std::string_view body) {
  const json::object page = object_of_body(body, "a file list");
  FilePage out;
  if (const auto* files = page.if_contains("files"); files && files->is_array())
    for (const auto& file : files->get_array())
      if (file.is_object()) out.files.push_back(drive_object_from(file.get_object()));
  if (auto token = string_of(page, "nextPageToken"); !token.empty())
    out.next_page_token = std::move(token);
  return out;
}

HttpRequest folder_create(const DriveUrls& urls, const std::string& name,
                          const std::string& parent) {
  return json_request("POST", with_fields(files_url(urls.api)),
                      metadata_of(name, parent, folder_mime_type));
}

json::object name_body(const std::string& name) {
  json::object body;
  body["name"] = name;
  return body;
}

json::object trashed_body(bool trashed) {
  json::object body;
  body["trashed"] = trashed;
  return body;
}

std::string move_query(const std::string& from_parent, const std::string& to_parent) {
  return "addParents=" + percent_encode(to_parent) +
         "&removeParents=" + percent_encode(from_parent);
}

std::string random_boundary() {
  std::random_device random;
  std::string boundary = "crmd_boundary_";
  for (int i = 0; i < 4; ++i) boundary += std::to_string(random());
  return boundary;
}

HttpRequest multipart_request(const DriveUrls& urls, const std::string& name,
                              const std::string& parent, const std::string& mime,
                              std::string content, std::chrono::milliseconds timeout) {
  std::string boundary = random_boundary();
  while (content.find(boundary) != std::string::npos) boundary = random_boundary();
  const std::string metadata = json::serialize(metadata_of(name, parent, mime));
  HttpRequest request =
      request_of("POST", with_fields(files_url(urls.upload) + "?uploadType=multipart"));
  request.headers.emplace_back("Content-Type", "multipart/related; boundary=" + boundary);
  request.timeout = timeout;
  std::string& body = request.body;
  body.reserve(content.size() + metadata.size() + 3 * boundary.size() + 128);
  body += "--" + boundary + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n";
  body += metadata;
  body += "\r\n--" + boundary + "\r\nContent-Type: " + mime + "\r\n\r\n";
  body += content;
  content.clear();
  content.shrink_to_fit();
  body += "\r\n--" + boundary + "--\r\n";
  return request;
}

HttpRequest resumable_start(const DriveUrls& urls, const std::string& name,
                            const std::string& parent, const std::string& mime,
                            std::uint64_t size) {
  HttpRequest request =
      json_request("POST", with_fields(files_url(urls.upload) + "?uploadType=resumable"),
                   metadata_of(name, parent, mime));
  request.headers.emplace_back("X-Upload-Content-Type", mime);
  request.headers.emplace_back("X-Upload-Content-Length", std::to_string(size));
  return request;
}

HttpRequest chunk_request(const std::string& session_uri, std::uint64_t offset, std::string data,
                          std::uint64_t total, std::chrono::milliseconds timeout) {
  HttpRequest request = request_of("PUT", session_uri);
  const std::uint64_t last = offset + data.size() - 1;
  request.headers.emplace_back(
      "Content-Range",
      "bytes " + std::to_string(offset) + "-" + std::to_string(last) + "/" + std::to_string(total));
  request.body = std::move(data);
  request.timeout = timeout;
  return request;
}

HttpRequest probe_request(const std::string& session_uri, std::uint64_t total) {
  HttpRequest request = request_of("PUT", session_uri);
  request.headers.emplace_back("Content-Range", "bytes */" + std::to_string(total));
  return request;
}

UploadProgress progress_of(const HttpResponse& response, const web::RetryPolicy& policy) {
  UploadProgress progress;
  if (response.status == 200 || response.status == 201) {
    progress.done = drive_object_of(response.body);
    return progress;
  }
  if (response.status == 308) {
    if (auto range = response.header("range")) {
      const auto end = parse_range_end(*range);
      if (!end) unreadable("a Range header");
      progress.next_offset = *end + 1;
    }
    return progress;
  }
  if (response.status == 404 || response.status == 410)
    throw Error(
        ErrorKind::gone, "upload_session_expired",
        "Google Drive answered " + std::to_string(response.status) + " for the upload session");
  if (web::classify(policy, response) == web::Verdict::retryable)
    throw Error(ErrorKind::unavailable, "upload_interrupted",
                "Google Drive answered " + std::to_string(response.status) + " to a chunk");
  throw_answer(response);
}

std::string read_range(const std::string& path, std::uint64_t offset, std::size_t length) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorKind::internal, "upload_file_unreadable",
                "the file to upload cannot be opened");
  in.seekg(static_cast<std::streamoff>(offset));
  std::string data(length, '\0');
  in.read(data.data(), static_cast<std::streamsize>(length));
  if (static_cast<std::size_t>(in.gcount()) != length)
    throw Error(ErrorKind::internal, "upload_file_changed",
                "the file to upload is shorter than the size given");
  return data;
}

HttpRequest download_request(const DriveUrls& urls, const std::string& id, std::uint64_t first,
                             std::uint64_t last) {
  HttpRequest request =
      request_of("GET", file_url(urls.api, id) + "?alt=media&supportsAllDrives=true");
  request.headers = {{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}};
  // Room for an error envelope when the span is tiny.
  request.max_response_bytes = std::max<std::size_t>(last - first + 1, 64 * 1024);
  request.timeout = std::chrono::milliseconds(300000);
  return request;
}

HttpRequest changes_request(const DriveUrls& urls, const std::string& page_token) {
  const std::string fields =
      "nextPageToken,newStartPageToken,changes(changeType,removed,fileId,"
      "time,file(" +
      std::string(file_fields) + "))";
  HttpRequest request = request_of(
      "GET", urls.api + "/changes?pageToken=" + percent_encode(page_token) +
                 "&includeRemoved=true&supportsAllDrives=true&includeItemsFromAllDrives=true" +
                 "&fields=" + percent_encode(fields));
  request.max_response_bytes = 4 * 1024 * 1024;
  return request;
}

ChangePage change_page_of(std::string_view body) {
  const json::object page = object_of_body(body, "a change list");
  ChangePage out;
  if (const auto* changes = page.if_contains("changes"); changes && changes->is_array())
    for (const auto& item : changes->get_array()) {
      if (!item.is_object()) continue;
      const auto& change = item.get_object();
      // Shared-drive changes name a drive, not a file.
      if (string_of(change, "changeType") == "drive") continue;
      Change c;
      c.file_id = string_of(change, "fileId");
      if (const auto* removed = change.if_contains("removed"); removed && removed->is_bool())
        c.removed = removed->get_bool();
      if (const auto* file = change.if_contains("file"); file && file->is_object())
        c.file = drive_object_from(file->get_object());
      if (c.file_id.empty() && c.file) c.file_id = c.file->id;
      if (!c.file_id.empty()) out.changes.push_back(std::move(c));
    }
  if (auto next = string_of(page, "nextPageToken"); !next.empty()) out.next_page_token = next;
  if (auto start = string_of(page, "newStartPageToken"); !start.empty())
    out.new_start_page_token = start;
  if (!out.next_page_token && !out.new_start_page_token)
    unreadable("a change list with neither nextPageToken nor newStartPageToken");
  return out;
}

HttpRequest watch_request(const DriveUrls& urls, const std::string& page_token,
                          const std::string& channel_id, const std::string& address,
                          const std::string& token, std::chrono::seconds ttl) {
  return json_request("POST",
                      urls.api + "/changes/watch?pageToken=" + percent_encode(page_token) +
                          "&includeRemoved=true&supportsAllDrives=true" +
                          "&includeItemsFromAllDrives=true",
                      channel_watch_body(channel_id, address, token, ttl));
}

HttpRequest stop_request(const DriveUrls& urls, const std::string& id,
                         const std::string& resource_id) {
  return json_request("POST", urls.api + "/channels/stop", channel_stop_body(id, resource_id));
}

std::string start_token_of(std::string_view body) {
  auto token = string_of(object_of_body(body, "a start page token"), "startPageToken");
  if (token.empty()) unreadable("no startPageToken");
  return token;
}

}  // namespace

std::string drive_query_literal(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

DriveObject drive_object_of(std::string_view body) {
  return drive_object_from(object_of_body(body, "a file resource"));
}

GoogleDrive::GoogleDrive(web::HttpClient& http, GoogleAuth& auth, DriveUrls urls,
                         web::RetryPolicy policy, UploadOptions upload)
    : http_(http),
      auth_(auth),
      urls_(std::move(urls)),
      policy_(std::move(policy)),
      single_attempt_(policy_),
      upload_(upload) {
  single_attempt_.max_attempts = 1;
  if (upload_.chunk_bytes == 0 || upload_.chunk_bytes % resumable_granule != 0)
    throw std::invalid_argument("UploadOptions::chunk_bytes must be a multiple of 256 KiB");
}

asio::awaitable<HttpResponse> GoogleDrive::send(HttpRequest request,
                                                const web::RetryPolicy& policy) {
  const std::string token = co_await auth_.access_token();
  request.headers.emplace_back("Authorization", "Bearer " + token);
  web::Reauthorize reauthorize = auth_.reauthorize();
  co_return co_await http_.send_with_retries(std::move(request), policy, "google_drive",
                                             std::move(reauthorize));
}

asio::awaitable<HttpResponse> GoogleDrive::call(HttpRequest request) {
  HttpResponse response = co_await send(std::move(request), policy_);
  expect_success(response);
  co_return response;
}

asio::awaitable<std::optional<DriveObject>> GoogleDrive::find_folder(std::string name,
                                                                     std::string parent_id) {
  std::optional<std::string> page_token;
  for (;;) {
    HttpRequest request = folder_search(urls_, name, parent_id, page_token);
    const HttpResponse response = co_await call(std::move(request));
    FilePage page = file_page_of(response.body);
    for (auto& file : page.files)
      if (file.is_folder() && !file.trashed) co_return std::move(file);
    // Partial and even empty pages come before the end.
    if (!page.next_page_token) co_return std::nullopt;
    page_token = std::move(page.next_page_token);
  }
}

asio::awaitable<DriveObject> GoogleDrive::ensure_folder(std::string name, std::string parent_id) {
  std::optional<DriveObject> found = co_await find_folder(name, parent_id);
  if (found) co_return std::move(*found);
  HttpRequest request = folder_create(urls_, name, parent_id);
  const HttpResponse response = co_await call(std::move(request));
  co_return drive_object_of(response.body);
}

asio::awaitable<DriveObject> GoogleDrive::get(std::string id) {
  HttpRequest request = request_of("GET", with_fields(file_url(urls_.api, id)));
  const HttpResponse response = co_await call(std::move(request));
  co_return drive_object_of(response.body);
}

asio::awaitable<DriveObject> GoogleDrive::patch(std::string id, std::string query,
                                                std::string body) {
  std::string url = file_url(urls_.api, id);
  if (!query.empty()) url += "?" + query;
  HttpRequest request = request_of("PATCH", with_fields(std::move(url)));
  request.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
  request.body = std::move(body);
  const HttpResponse response = co_await call(std::move(request));
  co_return drive_object_of(response.body);
}

asio::awaitable<DriveObject> GoogleDrive::rename(std::string id, std::string name) {
  std::string body = json::serialize(name_body(name));
  co_return co_await patch(std::move(id), "", std::move(body));
}

asio::awaitable<DriveObject> GoogleDrive::move(std::string id, std::string from_parent,
                                               std::string to_parent) {
  std::string query = move_query(from_parent, to_parent);
  co_return co_await patch(std::move(id), std::move(query), "{}");
}

asio::awaitable<DriveObject> GoogleDrive::set_trashed(std::string id, bool trashed) {
  std::string body = json::serialize(trashed_body(trashed));
  co_return co_await patch(std::move(id), "", std::move(body));
}

asio::awaitable<DriveObject> GoogleDrive::upload_multipart(std::string name, std::string parent,
                                                           std::string mime, std::string content) {
  HttpRequest request =
      multipart_request(urls_, name, parent, mime, std::move(content), upload_.chunk_timeout);
  const HttpResponse response = co_await call(std::move(request));
  co_return drive_object_of(response.body);
}

asio::awaitable<std::string> GoogleDrive::start_resumable(std::string name, std::string parent,
                                                          std::string mime, std::uint64_t size) {
  HttpRequest request = resumable_start(urls_, name, parent, mime, size);
  const HttpResponse response = co_await call(std::move(request));
  const auto location = response.header("location");
  if (!location || location->empty()) unreadable("a resumable session without a Location");
  co_return std::string(*location);
}

asio::awaitable<UploadProgress> GoogleDrive::put_chunk(std::string session_uri,
                                                       std::uint64_t offset, std::string data,
                                                       std::uint64_t total) {
  if (data.empty() || offset + data.size() > total)
    throw std::invalid_argument("put_chunk: the chunk is empty or beyond the total");
  HttpRequest request =
      chunk_request(session_uri, offset, std::move(data), total, upload_.chunk_timeout);
  const HttpResponse response = co_await send(std::move(request), single_attempt_);
  co_return progress_of(response, policy_);
}

asio::awaitable<UploadProgress> GoogleDrive::probe(std::string session_uri, std::uint64_t total) {
  HttpRequest request = probe_request(session_uri, total);
  const HttpResponse response = co_await send(std::move(request), policy_);
  co_return progress_of(response, policy_);
}

asio::awaitable<DriveObject> GoogleDrive::upload_file(asio::thread_pool& blocking, std::string path,
                                                      std::uint64_t size, std::string name,
                                                      std::string parent, std::string mime,
                                                      std::optional<std::string> resume_session,
                                                      ResumableHooks hooks) {
  if (size > upload_.multipart_limit || resume_session) {
    co_return co_await upload_resumable(blocking, std::move(path), size, std::move(name),
                                        std::move(parent), std::move(mime),
                                        std::move(resume_session), std::move(hooks));
  }
  const std::size_t length = static_cast<std::size_t>(size);
  auto read = [path, length] { return read_range(path, 0, length); };
  std::string content = co_await run_blocking(blocking, std::move(read));
  co_return co_await upload_multipart(std::move(name), std::move(parent), std::move(mime),
                                      std::move(content));
}

asio::awaitable<DriveObject> GoogleDrive::upload_resumable(
    asio::thread_pool& blocking, std::string path, std::uint64_t size, std::string name,
    std::string parent, std::string mime, std::optional<std::string> resume_session,
    ResumableHooks hooks) {
  std::optional<std::string> session = std::move(resume_session);
  bool need_probe = session.has_value();
  std::uint64_t offset = 0;
  int restarts = 0;
  int interruptions = 0;
  for (;;) {
    if (!session) {
      std::string started = co_await start_resumable(name, parent, mime, size);
      session = started;
      offset = 0;
      need_probe = false;
      if (hooks.session_started) co_await hooks.session_started(std::move(started));
    }
    std::optional<UploadProgress> progress;
    bool expired = false;
    bool interrupted = false;
    const bool probing = need_probe || offset >= size;
    try {
      if (probing) {
        progress = co_await probe(*session, size);
      } else {
        const auto length =
            static_cast<std::size_t>(std::min<std::uint64_t>(upload_.chunk_bytes, size - offset));
        auto read = [path, offset, length] { return read_range(path, offset, length); };
        std::string data = co_await run_blocking(blocking, std::move(read));
        progress = co_await put_chunk(*session, offset, std::move(data), size);
      }
    } catch (const Error& e) {
      if (e.code() == "upload_session_expired")
        expired = true;
      else if (e.code() == "upload_interrupted" ||
               web::classify_failure(e) == web::Verdict::retryable)
        interrupted = true;
      else
        throw;
    }
    if (expired) {
      if (++restarts > upload_.max_session_restarts)
        throw Error(ErrorKind::gone, "upload_session_expired",
                    "Google Drive dropped " + std::to_string(restarts) + " upload sessions");
      session.reset();
      continue;
    }
    if (!interrupted && progress->done) co_return std::move(*progress->done);
    // A chunk that moved nothing forward is as lost as one that failed.
    if (!interrupted && !probing && progress->next_offset <= offset) interrupted = true;
    if (interrupted) {
      if (++interruptions > upload_.max_interruptions)
        throw Error(ErrorKind::unavailable, "upload_interrupted",
                    "the upload to Google Drive failed " + std::to_string(interruptions) +
                        " times in a row");
      need_probe = true;
      continue;
    }
    if (progress->next_offset > size) unreadable("a Range beyond the file's size");
    if (!probing) interruptions = 0;
    need_probe = false;
    offset = progress->next_offset;
  }
}

asio::awaitable<std::string> GoogleDrive::download_range(std::string id, std::uint64_t first,
                                                         std::uint64_t last) {
  if (last < first) throw std::invalid_argument("download_range: last is before first");
  HttpRequest request = download_request(urls_, id, first, last);
  HttpResponse response = co_await call(std::move(request));
  // A server that ignores Range sends the whole content.
  if (response.status == 200 && first > 0) {
    if (first >= response.body.size()) co_return std::string();
    co_return response.body.substr(first, last - first + 1);
  }
  co_return std::move(response.body);
}

asio::awaitable<std::string> GoogleDrive::start_page_token() {
  HttpRequest request =
      request_of("GET", urls_.api + "/changes/startPageToken?supportsAllDrives=true");
  const HttpResponse response = co_await call(std::move(request));
  co_return start_token_of(response.body);
}

asio::awaitable<ChangePage> GoogleDrive::list_changes(std::string page_token) {
  HttpRequest request = changes_request(urls_, page_token);
  const HttpResponse response = co_await call(std::move(request));
  co_return change_page_of(response.body);
}

asio::awaitable<Channel> GoogleDrive::watch_changes(std::string page_token, std::string channel_id,
                                                    std::string address, std::string token,
                                                    std::chrono::seconds ttl) {
  HttpRequest request = watch_request(urls_, page_token, channel_id, address, token, ttl);
  const HttpResponse response = co_await call(std::move(request));
  co_return channel_of(response.body, service);
}

asio::awaitable<void> GoogleDrive::delete_file(std::string id) {
  HttpRequest request = request_of("DELETE", file_url(urls_.api, id) + "?supportsAllDrives=true");
  const HttpResponse response = co_await send(std::move(request), policy_);
  if (response.status == 404) co_return;
  expect_success(response);
}

asio::awaitable<void> GoogleDrive::stop_channel(std::string id, std::string resource_id) {
  HttpRequest request = stop_request(urls_, id, resource_id);
  const HttpResponse response = co_await send(std::move(request), policy_);
  if (response.status == 404) co_return;
  expect_success(response);
}

}  // namespace crmd::google
