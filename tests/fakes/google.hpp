// A stateful in-process Google: the OAuth token endpoint and the part of
// Drive v3 crmd uses, on the real wire format (files and folders, q-string
// lists, multipart and resumable uploads, ranged media, the changes feed,
// push channels), with faults a test can script; Calendar v3 is FakeCalendar
// (fakes/google_calendar.hpp) behind the same token check. State lives in
// memory, guarded by one mutex: the server answers on its own thread.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "domain/identity/jwt.hpp"
#include "fakes/google_calendar.hpp"
#include "fakes/google_wire.hpp"
#include "fakes/http_server.hpp"

namespace crmd::test {

struct FakeDriveFile {
  std::string id, name, mime_type;
  std::vector<std::string> parents;
  bool trashed = false;
  bool removed = false;  // deleted: left only in the change log
  std::string content;
  bool is_folder() const { return mime_type == "application/vnd.google-apps.folder"; }
};

struct FakeUploadSession {
  std::string id, name, mime_type;
  std::vector<std::string> parents;
  std::uint64_t total = 0;
  std::uint64_t received = 0;              // bytes kept so far
  std::vector<std::uint64_t> chunk_sizes;  // of each chunk sent, as sent
  std::vector<std::uint64_t> chunk_offsets;
  std::size_t probes = 0;
  bool gone = false;                   // answers 410
  std::optional<std::string> file_id;  // complete
};

struct FakeChannel {
  std::string id, resource_id, address, token, page_token;
  std::int64_t expiration_ms = 0;
  bool stopped = false;
};

class FakeGoogle {
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(mutex_);
    return f();
  }

 public:
  FakeGoogle()
      : server_([this](const Request& request) { return handle(request); }, nullptr,
                FakeServerOptions{.keep_bodies = false}) {}

  std::string url(const std::string& path) const { return server_.url(path); }
  unsigned short port() const { return server_.port(); }
  std::string token_url() const { return url("/token"); }
  std::string drive_url() const { return url("/drive/v3"); }
  std::string upload_url() const { return url("/upload/drive/v3"); }
  std::string calendar_url() const { return url("/calendar/v3"); }
  FakeCalendar& calendar() { return calendar_; }

  // A Drive error envelope as Google writes it.
  static std::string error_body(unsigned code, const std::string& reason,
                                const std::string& message = "error") {
    return google_error_body(code, reason, message);
  }

  // --- scripting -----------------------------------------------------------
  void answer_invalid_grant(bool on) {
    locked([&] { invalid_grant_ = on; });
  }
  void set_token_lifetime(std::chrono::seconds lifetime) {
    locked([&] { token_lifetime_ = lifetime; });
  }
  void set_token_delay(std::chrono::milliseconds delay) {
    locked([&] { token_delay_ = delay; });
  }
  // Every access token issued so far is refused (401) from now on.
  void revoke_access_tokens() {
    locked([&] { valid_tokens_.clear(); });
  }
  // Answered, in order, to the next Drive requests (after the token check).
  void fail_next_drive(Answer answer) {
    locked([&] { faults_.push_back(std::move(answer)); });
  }
  // The most files.list and changes.list put on one page.
  void set_page_size(std::size_t size) {
    locked([&] { page_size_ = size; });
  }
  // The first page of every files.list is empty (with a nextPageToken).
  void set_empty_first_list_page(bool on) {
    locked([&] { empty_first_page_ = on; });
  }
  // What happens to chunk PUT number n (from 0, over all sessions).
  struct ChunkFault {
    enum Kind { keep_part, drop_connection, expire_session, server_error } kind = keep_part;
    std::uint64_t keep = 0;  // bytes of the chunk kept
  };
  void on_chunk(std::size_t n, ChunkFault fault) {
    locked([&] { chunk_faults_[n] = fault; });
  }
  // The next chunk keeps only its first bytes (308 with a shorter Range).
  void accept_partial_next_chunk(std::uint64_t bytes) {
    locked([&] { chunk_faults_[chunk_puts_] = {ChunkFault::keep_part, bytes}; });
  }
  // The next chunk keeps its first keep bytes, then the connection drops.
  void drop_next_chunk(std::uint64_t keep = 0) {
    locked([&] { chunk_faults_[chunk_puts_] = {ChunkFault::drop_connection, keep}; });
  }
  // The session of the next chunk is gone (410) from then on.
  void expire_next_chunk() {
    locked([&] { chunk_faults_[chunk_puts_] = {ChunkFault::expire_session, 0}; });
  }
  void expire_session(const std::string& upload_id) {
    locked([&] { sessions_.at(upload_id).gone = true; });
  }

  // --- what happens in Google, outside crmd (in the change log) -----------
  std::string add_in_google(const std::string& name, const std::string& parent,
                            const std::string& mime, std::string content = "") {
    std::lock_guard lock(mutex_);
    return add_file(name, {parent}, mime, std::move(content));
  }
  void rename_in_google(const std::string& id, const std::string& name) {
    std::lock_guard lock(mutex_);
    files_.at(id).name = name;
    log_change(id, false);
  }
  void trash_in_google(const std::string& id) {
    std::lock_guard lock(mutex_);
    files_.at(id).trashed = true;
    log_change(id, false);
  }
  void remove_in_google(const std::string& id) {
    std::lock_guard lock(mutex_);
    files_.at(id).removed = true;
    log_change(id, true);
  }

  // --- what the test reads -------------------------------------------------
  std::optional<FakeDriveFile> file(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = files_.find(id);
    if (it == files_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<FakeDriveFile> files() {
    std::lock_guard lock(mutex_);
    std::vector<FakeDriveFile> out;
    for (const auto& [id, file] : files_) out.push_back(file);
    return out;
  }
  std::vector<FakeDriveFile> folders_named(const std::string& name) {
    std::lock_guard lock(mutex_);
    std::vector<FakeDriveFile> out;
    for (const auto& [id, file] : files_)
      if (file.is_folder() && file.name == name && !file.removed) out.push_back(file);
    return out;
  }
  std::vector<FakeUploadSession> upload_sessions() {
    std::lock_guard lock(mutex_);
    std::vector<FakeUploadSession> out;
    for (const auto& id : session_order_) out.push_back(sessions_.at(id));
    return out;
  }
  std::vector<FakeChannel> channels() {
    return locked([&] { return channels_; });
  }
  std::vector<std::pair<std::string, std::string>> stops() {
    return locked([&] { return stops_; });
  }
  std::size_t token_requests() {
    return locked([&] { return token_requests_; });
  }
  std::vector<std::string> grant_types() {
    return locked([&] { return grant_types_; });
  }
  std::vector<boost::json::object> jwt_claims() {
    return locked([&] { return jwt_claims_; });
  }
  std::size_t drive_requests() {
    return locked([&] { return drive_log_.size(); });
  }
  // "METHOD /path?query" of each Drive request, in order.
  std::vector<std::string> drive_log() {
    return locked([&] { return drive_log_; });
  }
  // The q of each files.list, decoded.
  std::vector<std::string> queries() {
    return locked([&] { return queries_; });
  }

 private:
  using Params = std::map<std::string, std::string>;
  struct LoggedChange {
    std::string file_id;
    bool removed = false;
  };

  static Answer json_answer(unsigned status, const boost::json::value& body) {
    return Answer{status,
                  {{"Content-Type", "application/json; charset=UTF-8"}},
                  boost::json::serialize(body)};
  }
  static Answer error(unsigned status, const std::string& reason, const std::string& message) {
    return Answer{
        status, {{"Content-Type", "application/json"}}, error_body(status, reason, message)};
  }
  static std::string md5_of(const std::string& content) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(content.data(), content.size(), digest, &length, EVP_md5(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
      out += hex[digest[i] >> 4];
      out += hex[digest[i] & 0x0F];
    }
    return out;
  }
  static boost::json::object resource(const FakeDriveFile& file) {
    boost::json::object out;
    out["kind"] = "drive#file";
    out["id"] = file.id;
    out["name"] = file.name;
    out["mimeType"] = file.mime_type;
    boost::json::array parents;
    for (const auto& parent : file.parents) parents.emplace_back(parent);
    out["parents"] = std::move(parents);
    out["trashed"] = file.trashed;
    if (!file.is_folder()) {
      out["size"] = std::to_string(file.content.size());
      out["md5Checksum"] = md5_of(file.content);
    }
    return out;
  }
  static std::string string_of(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : "";
  }

  std::string add_file(const std::string& name, std::vector<std::string> parents,
                       const std::string& mime, std::string content) {
    FakeDriveFile file;
    file.id = "file" + id_prefix_ + std::to_string(++next_id_);
    file.name = name;
    file.mime_type = mime;
    file.parents = std::move(parents);
    file.content = std::move(content);
    const std::string id = file.id;
    files_[id] = std::move(file);
    log_change(id, false);
    return id;
  }
  void log_change(const std::string& id, bool removed) { changes_.push_back({id, removed}); }

  Answer handle(const Request& request) {
    std::lock_guard lock(mutex_);
    const std::string target(request.target());
    const auto question = target.find('?');
    const std::string path = target.substr(0, question);
    const Params params =
        question == std::string::npos ? Params{} : test::query_params(target.substr(question + 1));
    const std::string method(request.method_string());
    if (path == "/token") return token(request);
    if (path.starts_with("/calendar/v3/")) {
      if (!authorized(request)) return error(401, "authError", "Invalid Credentials");
      return calendar_.handle(method, target, path.substr(12), params, request.body());
    }
    const bool upload = path.starts_with("/upload/drive/v3/");
    if (!upload && !path.starts_with("/drive/v3/")) return Answer{404};
    drive_log_.push_back(method + " " + target);
    if (!authorized(request)) return error(401, "authError", "Invalid Credentials");
    if (!faults_.empty()) {
      Answer answer = std::move(faults_.front());
      faults_.pop_front();
      return answer;
    }
    const std::string rest = path.substr(upload ? 16 : 9);  // after ".../v3"
    try {
      if (upload && rest == "/files" && method == "POST") {
        const auto type = params.find("uploadType");
        if (type != params.end() && type->second == "multipart") return multipart(request);
        if (type != params.end() && type->second == "resumable") return start_session(request);
        return error(400, "badRequest", "uploadType");
      }
      if (upload && rest == "/files" && method == "PUT") return session_put(request, params);
      if (upload) return Answer{404};
      if (rest == "/files" && method == "GET") return list(params);
      if (rest == "/files" && method == "POST") return create(request);
      if (rest.starts_with("/files/")) {
        const std::string id = test::url_decode(rest.substr(7));
        auto it = files_.find(id);
        if (it == files_.end() || it->second.removed)
          return error(404, "notFound", "File not found: " + id);
        if (method == "GET") {
          const auto alt = params.find("alt");
          if (alt != params.end() && alt->second == "media") return media(request, it->second);
          return json_answer(200, resource(it->second));
        }
        if (method == "PATCH") return patch(request, params, it->second);
        if (method == "DELETE") {
          it->second.removed = true;
          log_change(id, true);
          return Answer{204};
        }
      }
      if (rest == "/changes/startPageToken" && method == "GET") {
        boost::json::object body;
        body["kind"] = "drive#startPageToken";
        body["startPageToken"] = std::to_string(changes_.size());
        return json_answer(200, body);
      }
      if (rest == "/changes" && method == "GET") return list_changes(params);
      if (rest == "/changes/watch" && method == "POST") return watch(request, params);
      if (rest == "/channels/stop" && method == "POST") return stop(request);
    } catch (const std::exception& e) {
      return error(400, "badRequest", e.what());
    }
    return Answer{404};
  }

  bool authorized(const Request& request) const {
    const auto authorization = request[bhttp::field::authorization];
    return authorization.starts_with("Bearer ") &&
           valid_tokens_.contains(std::string(authorization.substr(7)));
  }

  Answer token(const Request& request) {
    ++token_requests_;
    const Params form = test::query_params(request.body());
    const std::string grant = form.contains("grant_type") ? form.at("grant_type") : "";
    grant_types_.push_back(grant);
    auto refuse = [&](unsigned status, const char* code, const char* description) {
      boost::json::object body;
      body["error"] = code;
      body["error_description"] = description;
      Answer answer = json_answer(status, body);
      answer.delay = token_delay_;
      return answer;
    };
    if (invalid_grant_) return refuse(400, "invalid_grant", "Token has been expired or revoked.");
    if (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      auto claims = assertion_claims(form.contains("assertion") ? form.at("assertion") : "");
      if (!claims) return refuse(400, "invalid_grant", "Invalid JWT Signature.");
      jwt_claims_.push_back(std::move(*claims));
    } else if (grant == "refresh_token") {
      for (const char* name : {"client_id", "client_secret", "refresh_token"})
        if (!form.contains(name) || form.at(name).empty())
          return refuse(400, "invalid_request", "a field is missing");
    } else {
      return refuse(400, "unsupported_grant_type", "Invalid grant_type");
    }
    const std::string token = "ya29.fake-" + std::to_string(++issued_);
    valid_tokens_.insert(token);
    boost::json::object body;
    body["access_token"] = token;
    body["expires_in"] = token_lifetime_.count();
    body["token_type"] = "Bearer";
    Answer answer = json_answer(200, body);
    answer.delay = token_delay_;
    return answer;
  }

  // The claims of a well-formed RS256 assertion with Google's required
  // claims (the signature is checked by the unit tests, not here).
  static std::optional<boost::json::object> assertion_claims(const std::string& jwt) {
    const auto first = jwt.find('.');
    const auto second = jwt.find('.', first == std::string::npos ? first : first + 1);
    if (first == std::string::npos || second == std::string::npos) return std::nullopt;
    const auto header = identity::base64url_decode(std::string_view(jwt).substr(0, first));
    const auto claims =
        identity::base64url_decode(std::string_view(jwt).substr(first + 1, second - first - 1));
    const auto signature = identity::base64url_decode(std::string_view(jwt).substr(second + 1));
    if (!header || !claims || !signature || signature->empty()) return std::nullopt;
    boost::system::error_code ec;
    auto h = boost::json::parse(*header, ec);
    if (ec || !h.is_object() || string_of(h.get_object(), "alg") != "RS256") return std::nullopt;
    auto c = boost::json::parse(*claims, ec);
    if (ec || !c.is_object()) return std::nullopt;
    auto& object = c.get_object();
    for (const char* name : {"iss", "scope", "aud"})
      if (string_of(object, name).empty()) return std::nullopt;
    const auto* iat = object.if_contains("iat");
    const auto* exp = object.if_contains("exp");
    if (!iat || !exp || !iat->is_int64() || !exp->is_int64() ||
        exp->get_int64() - iat->get_int64() > 3600)
      return std::nullopt;
    return std::move(object);
  }

  // A q-string of terms joined by "and": name = '…', mimeType = '…',
  // '…' in parents, trashed = true|false. Anything else is a 400, as an
  // unescaped quote would be at Google.
  struct Filter {
    std::optional<std::string> name, mime_type, parent;
    std::optional<bool> trashed;
  };
  static Filter parse_q(const std::string& q) {
    std::vector<std::pair<bool, std::string>> tokens;  // (literal?, text)
    for (std::size_t i = 0; i < q.size();) {
      if (q[i] == ' ') {
        ++i;
      } else if (q[i] == '\'') {
        std::string literal;
        for (++i;; ++i) {
          if (i >= q.size()) throw std::runtime_error("unterminated string in q");
          if (q[i] == '\\') {
            if (++i >= q.size()) throw std::runtime_error("bad escape in q");
            literal += q[i];
          } else if (q[i] == '\'') {
            ++i;
            break;
          } else {
            literal += q[i];
          }
        }
        tokens.emplace_back(true, std::move(literal));
      } else {
        const auto end = q.find_first_of(" '", i);
        tokens.emplace_back(false, q.substr(i, end == std::string::npos ? end : end - i));
        i = end == std::string::npos ? q.size() : end;
      }
    }
    Filter filter;
    std::size_t i = 0;
    auto word = [&](std::size_t at, const char* text) {
      return at < tokens.size() && !tokens[at].first && tokens[at].second == text;
    };
    while (i < tokens.size()) {
      if (tokens[i].first && word(i + 1, "in") && word(i + 2, "parents")) {
        filter.parent = tokens[i].second;
        i += 3;
      } else if (word(i, "name") && word(i + 1, "=") && i + 2 < tokens.size() &&
                 tokens[i + 2].first) {
        filter.name = tokens[i + 2].second;
        i += 3;
      } else if (word(i, "mimeType") && word(i + 1, "=") && i + 2 < tokens.size() &&
                 tokens[i + 2].first) {
        filter.mime_type = tokens[i + 2].second;
        i += 3;
      } else if (word(i, "trashed") && word(i + 1, "=") &&
                 (word(i + 2, "true") || word(i + 2, "false"))) {
        filter.trashed = tokens[i + 2].second == "true";
        i += 3;
      } else {
        throw std::runtime_error("Invalid Value: q");
      }
      if (i < tokens.size()) {
        if (!word(i, "and")) throw std::runtime_error("Invalid Value: q");
        ++i;
      }
    }
    return filter;
  }

  std::size_t page_size(const Params& params) const {
    std::size_t size = 100;
    if (auto it = params.find("pageSize"); it != params.end()) size = std::stoul(it->second);
    return std::max<std::size_t>(1, std::min(size, page_size_));
  }

  Answer list(const Params& params) {
    const std::string q = params.contains("q") ? params.at("q") : "";
    queries_.push_back(q);
    const Filter filter = parse_q(q);
    std::vector<const FakeDriveFile*> matches;
    for (const auto& [id, file] : files_) {
      if (file.removed) continue;
      if (filter.name && file.name != *filter.name) continue;
      if (filter.mime_type && file.mime_type != *filter.mime_type) continue;
      if (filter.trashed && file.trashed != *filter.trashed) continue;
      if (filter.parent &&
          std::find(file.parents.begin(), file.parents.end(), *filter.parent) == file.parents.end())
        continue;
      matches.push_back(&file);
    }
    boost::json::object body;
    body["kind"] = "drive#fileList";
    boost::json::array files;
    const auto token = params.find("pageToken");
    if (token == params.end() && empty_first_page_) {
      body["nextPageToken"] = "o0";
    } else {
      const std::size_t from = token == params.end() ? 0 : std::stoul(token->second.substr(1));
      const std::size_t to = std::min(matches.size(), from + page_size(params));
      for (std::size_t i = from; i < to; ++i) files.push_back(resource(*matches[i]));
      if (to < matches.size()) body["nextPageToken"] = "o" + std::to_string(to);
    }
    body["files"] = std::move(files);
    return json_answer(200, body);
  }

  FakeDriveFile metadata_file(const std::string& json) {
    FakeDriveFile file;
    if (json.empty()) return file;
    const auto value = boost::json::parse(json);
    const auto& object = value.as_object();
    file.name = string_of(object, "name");
    file.mime_type = string_of(object, "mimeType");
    if (const auto* parents = object.if_contains("parents"); parents && parents->is_array())
      for (const auto& parent : parents->get_array()) file.parents.emplace_back(parent.as_string());
    if (file.parents.empty()) file.parents.push_back("root");
    return file;
  }

  Answer create(const Request& request) {
    FakeDriveFile file = metadata_file(request.body());
    const std::string id = add_file(file.name, file.parents, file.mime_type, "");
    return json_answer(200, resource(files_.at(id)));
  }

  Answer patch(const Request& request, const Params& params, FakeDriveFile& file) {
    if (!request.body().empty()) {
      const auto value = boost::json::parse(request.body());
      const auto& object = value.as_object();
      if (const auto* name = object.if_contains("name")) file.name = std::string(name->as_string());
      if (const auto* trashed = object.if_contains("trashed")) file.trashed = trashed->as_bool();
    }
    auto each = [](const std::string& list, auto f) {
      std::size_t start = 0;
      while (start <= list.size() && !list.empty()) {
        const auto comma = list.find(',', start);
        f(list.substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    };
    if (auto it = params.find("removeParents"); it != params.end())
      each(it->second, [&](const std::string& parent) { std::erase(file.parents, parent); });
    if (auto it = params.find("addParents"); it != params.end())
      each(it->second, [&](const std::string& parent) {
        if (std::find(file.parents.begin(), file.parents.end(), parent) == file.parents.end())
          file.parents.push_back(parent);
      });
    log_change(file.id, false);
    return json_answer(200, resource(file));
  }

  Answer media(const Request& request, const FakeDriveFile& file) {
    const auto range = request[bhttp::field::range];
    if (range.empty()) return Answer{200, {{"Content-Type", file.mime_type}}, file.content};
    const std::string spec(range.substr(6));  // after "bytes="
    const auto dash = spec.find('-');
    const std::uint64_t first = std::stoull(spec.substr(0, dash));
    std::uint64_t last =
        dash + 1 < spec.size() ? std::stoull(spec.substr(dash + 1)) : file.content.size() - 1;
    if (first >= file.content.size())
      return Answer{416, {{"Content-Range", "bytes */" + std::to_string(file.content.size())}}};
    last = std::min<std::uint64_t>(last, file.content.size() - 1);
    return Answer{206,
                  {{"Content-Type", file.mime_type},
                   {"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                         "/" + std::to_string(file.content.size())}},
                  file.content.substr(first, last - first + 1)};
  }

  Answer multipart(const Request& request) {
    const std::string type(request[bhttp::field::content_type]);
    const auto at = type.find("boundary=");
    if (!type.starts_with("multipart/related") || at == std::string::npos)
      return error(400, "badContent", "not multipart/related");
    const std::string boundary = "--" + type.substr(at + 9);
    const std::string& body = request.body();
    std::vector<std::pair<std::string, std::string>> parts;  // (headers, content)
    std::size_t pos = body.find(boundary);
    while (pos != std::string::npos) {
      pos += boundary.size();
      if (body.compare(pos, 2, "--") == 0) break;
      const auto head_end = body.find("\r\n\r\n", pos);
      const auto next = body.find("\r\n" + boundary, head_end);
      if (head_end == std::string::npos || next == std::string::npos)
        return error(400, "badContent", "bad multipart body");
      parts.emplace_back(body.substr(pos, head_end - pos),
                         body.substr(head_end + 4, next - head_end - 4));
      pos = next + 2;
    }
    if (parts.size() != 2 || parts[0].first.find("application/json") == std::string::npos)
      return error(400, "badContent", "a multipart upload has a JSON part and a media part");
    FakeDriveFile file = metadata_file(parts[0].second);
    const std::string id =
        add_file(file.name, file.parents, file.mime_type, std::move(parts[1].second));
    return json_answer(200, resource(files_.at(id)));
  }

  Answer start_session(const Request& request) {
    FakeDriveFile file = metadata_file(request.body());
    FakeUploadSession session;
    session.id = "up" + std::to_string(++next_id_);
    session.name = file.name;
    session.mime_type = std::string(request["X-Upload-Content-Type"]);
    if (session.mime_type.empty()) session.mime_type = file.mime_type;
    session.parents = file.parents;
    session.total = std::stoull(std::string(request["X-Upload-Content-Length"]));
    const std::string id = session.id;
    sessions_[id] = std::move(session);
    session_order_.push_back(id);
    content_[id].clear();
    return Answer{200,
                  {{"Location", url("/upload/drive/v3/files?uploadType=resumable&upload_id=" + id)},
                   {"X-GUploader-UploadID", id}}};
  }

  Answer session_put(const Request& request, const Params& params) {
    const auto id_param = params.find("upload_id");
    if (id_param == params.end() || !sessions_.contains(id_param->second))
      return error(404, "notFound", "no such upload session");
    FakeUploadSession& session = sessions_.at(id_param->second);
    std::string& content = content_[session.id];
    if (session.gone) return error(410, "gone", "the upload session is gone");
    const std::string range(request[bhttp::field::content_range]);
    if (!range.starts_with("bytes ")) return error(400, "badRequest", "no Content-Range");
    const auto slash = range.find('/');
    if (slash == std::string::npos || std::stoull(range.substr(slash + 1)) != session.total)
      return error(400, "badRequest", "Content-Range total differs");
    auto incomplete = [&] {
      Answer answer{308};
      if (session.received > 0)
        answer.headers.emplace_back("Range", "bytes=0-" + std::to_string(session.received - 1));
      return answer;
    };
    auto complete = [&] { return json_answer(200, resource(files_.at(*session.file_id))); };
    if (range.substr(6, slash - 6) == "*") {
      ++session.probes;
      if (session.file_id) return complete();
      return incomplete();
    }
    const std::string span = range.substr(6, slash - 6);
    const auto dash = span.find('-');
    const std::uint64_t first = std::stoull(span.substr(0, dash));
    const std::uint64_t last = std::stoull(span.substr(dash + 1));
    const std::string& data = request.body();
    session.chunk_sizes.push_back(data.size());
    session.chunk_offsets.push_back(first);
    std::optional<ChunkFault> fault;
    if (auto it = chunk_faults_.find(chunk_puts_++); it != chunk_faults_.end()) {
      fault = it->second;
      chunk_faults_.erase(it);
    }
    if (fault && fault->kind == ChunkFault::server_error)
      return error(503, "backendError", "Backend Error");
    if (fault && fault->kind == ChunkFault::expire_session) {
      session.gone = true;
      return error(410, "gone", "the upload session is gone");
    }
    if (session.file_id) return complete();
    if (last - first + 1 != data.size() || first != session.received || last >= session.total)
      return error(400, "badRequest", "the chunk does not start where the upload stands");
    if (last + 1 < session.total && data.size() % (256 * 1024) != 0)
      return error(400, "badRequest", "a chunk other than the last is not a multiple of 256 KiB");
    std::uint64_t keep = data.size();
    const bool drop = fault && fault->kind == ChunkFault::drop_connection;
    if (fault) keep = std::min(keep, fault->keep);
    content.append(data, 0, keep);
    session.received += keep;
    if (drop) return Answer{.reset_mid_body = true};
    if (session.received < session.total) return incomplete();
    const std::string file_id =
        add_file(session.name, session.parents, session.mime_type, std::move(content));
    content_.erase(session.id);
    session.file_id = file_id;
    return complete();
  }

  Answer list_changes(const Params& params) {
    const auto token = params.find("pageToken");
    if (token == params.end()) return error(400, "required", "pageToken is required");
    const std::size_t from = std::stoul(token->second);
    const std::size_t to = std::min(changes_.size(), from + page_size(params));
    boost::json::object body;
    body["kind"] = "drive#changeList";
    boost::json::array changes;
    for (std::size_t i = from; i < to; ++i) {
      const auto& logged = changes_[i];
      boost::json::object change;
      change["kind"] = "drive#change";
      change["changeType"] = "file";
      change["fileId"] = logged.file_id;
      // Entries show the file as it stands now; a deleted one has no resource.
      const FakeDriveFile& file = files_.at(logged.file_id);
      const bool removed = logged.removed || file.removed;
      change["removed"] = removed;
      change["time"] = "2026-01-01T00:00:00.000Z";
      if (!removed) change["file"] = resource(file);
      changes.push_back(std::move(change));
    }
    body["changes"] = std::move(changes);
    if (to < changes_.size())
      body["nextPageToken"] = std::to_string(to);
    else
      body["newStartPageToken"] = std::to_string(changes_.size());
    return json_answer(200, body);
  }

  Answer watch(const Request& request, const Params& params) {
    const auto token = params.find("pageToken");
    if (token == params.end()) return error(400, "required", "pageToken is required");
    const auto value = boost::json::parse(request.body());
    const auto& object = value.as_object();
    if (string_of(object, "type") != "web_hook")
      return error(400, "invalid", "type must be web_hook");
    FakeChannel channel;
    channel.id = string_of(object, "id");
    channel.address = string_of(object, "address");
    if (channel.id.empty() || !channel.address.starts_with("https://"))
      return error(400, "push.webhookUrlNotHttps", "WebHook callback must be HTTPS");
    channel.token = string_of(object, "token");
    channel.page_token = token->second;
    channel.resource_id = "res" + std::to_string(++next_id_);
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::int64_t expiration = now + 3600 * 1000;
    if (const auto* asked = object.if_contains("expiration")) {
      if (asked->is_int64()) expiration = asked->get_int64();
      if (asked->is_string()) expiration = std::stoll(std::string(asked->get_string()));
    }
    channel.expiration_ms = std::min<std::int64_t>(expiration, now + 604800 * 1000LL);
    channels_.push_back(channel);
    boost::json::object body;
    body["kind"] = "api#channel";
    body["id"] = channel.id;
    body["resourceId"] = channel.resource_id;
    body["resourceUri"] = url("/drive/v3/changes?alt=json&pageToken=" + channel.page_token);
    if (!channel.token.empty()) body["token"] = channel.token;
    body["expiration"] = std::to_string(channel.expiration_ms);
    return json_answer(200, body);
  }

  Answer stop(const Request& request) {
    const auto value = boost::json::parse(request.body());
    const auto& object = value.as_object();
    const std::string id = string_of(object, "id");
    const std::string resource_id = string_of(object, "resourceId");
    stops_.emplace_back(id, resource_id);
    for (auto& channel : channels_)
      if (channel.id == id && channel.resource_id == resource_id && !channel.stopped) {
        channel.stopped = true;
        return Answer{204};
      }
    return error(404, "notFound", "Channel '" + id + "' not found for project");
  }

  std::mutex mutex_;
  // Token endpoint.
  bool invalid_grant_ = false;
  std::chrono::seconds token_lifetime_{3599};
  std::chrono::milliseconds token_delay_{0};
  std::set<std::string> valid_tokens_;
  std::size_t token_requests_ = 0;
  std::size_t issued_ = 0;
  std::vector<std::string> grant_types_;
  std::vector<boost::json::object> jwt_claims_;
  // Drive.
  std::deque<Answer> faults_;
  std::size_t page_size_ = 1000;
  bool empty_first_page_ = false;
  std::map<std::size_t, ChunkFault> chunk_faults_;
  std::size_t chunk_puts_ = 0;
  std::size_t next_id_ = 0;
  // Ids unique across fakes, as Google's are: tests share one database.
  const std::string id_prefix_ = std::to_string(std::random_device{}()) + "-";
  std::map<std::string, FakeDriveFile> files_;
  std::map<std::string, FakeUploadSession> sessions_;
  std::map<std::string, std::string> content_;  // of each session in progress
  std::vector<std::string> session_order_;
  std::vector<LoggedChange> changes_;
  std::vector<FakeChannel> channels_;
  std::vector<std::pair<std::string, std::string>> stops_;
  std::vector<std::string> drive_log_;
  std::vector<std::string> queries_;
  FakeCalendar calendar_;
  FakeServer server_;  // last: its thread stops before the state goes
};

}  // namespace crmd::test
