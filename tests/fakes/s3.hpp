// An in-process S3 on FakeServer, path-style (/bucket/key), for the S3 blob
// store: PUT, GET (with Range), HEAD, DELETE, ListObjectsV2 (prefix,
// delimiter, max-keys, continuation tokens), and multipart uploads
// (CreateMultipartUpload, UploadPart, CompleteMultipartUpload with S3's
// 5 MiB minimum for every part but the last, AbortMultipartUpload).
//
// Every request's AWS Signature V4 is verified, as S3 does: the
// Authorization header (credential scope, signed headers, and the body
// against x-amz-content-sha256), or a presigned query (X-Amz-*, expiry
// included). A request that fails is answered with S3's XML error: 403
// SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied (expired), 400
// XAmzContentSHA256Mismatch or AuthorizationHeaderMalformed. State lives in
// memory under one mutex: the server answers on its own thread while the
// test looks.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/crypto.hpp"
#include "domain/s3/sigv4.hpp"
#include "domain/s3/xml.hpp"
#include "fakes/http_server.hpp"

namespace crmd::test {

class FakeS3 {
 public:
  static constexpr std::size_t kMinPart = 5 * 1024 * 1024;
  using Response = bhttp::response<bhttp::string_body>;

  explicit FakeS3(std::string bucket = "crmd-test", std::string access_key = "AKIDFAKES3TEST",
                  std::string secret = "fake/s3+secret/key", std::string region = "eu-test-1")
      : bucket_(std::move(bucket)),
        credentials_{std::move(access_key), std::move(secret), std::move(region)},
        server_([this](const Request& request) { return handle(request); }, nullptr,
                FakeServerOptions{false, 256 * 1024 * 1024}) {}

  // http://127.0.0.1:port, for CRMD_S3_ENDPOINT.
  std::string endpoint() const {
    std::string base = server_.url("/");
    base.pop_back();
    return base;
  }
  unsigned short port() const { return server_.port(); }
  const std::string& bucket() const { return bucket_; }
  const s3::Credentials& credentials() const { return credentials_; }

  // A config that points crmd's blob store at this fake, under prefix.
  template <class Config>
  void configure(Config& config, const std::string& prefix = "blobs") const {
    config.blob_url = "s3://" + bucket_ + "/" + prefix;
    config.s3_bucket = bucket_;
    config.s3_prefix = prefix.empty() ? "" : prefix + "/";
    config.s3_endpoint = endpoint();
    config.s3_region = credentials_.region;
    config.s3_access_key_id = credentials_.access_key_id;
    config.s3_secret_access_key = credentials_.secret_access_key;
  }

  // --- what the test sees and scripts -------------------------------------
  std::optional<std::string> object(const std::string& key) const {
    std::lock_guard lock(mutex_);
    const auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    return it->second.data;
  }
  std::vector<std::string> keys() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [key, object] : objects_) out.push_back(key);
    return out;
  }
  void put_object(
      const std::string& key, std::string data,
      std::chrono::system_clock::time_point modified = std::chrono::system_clock::now()) {
    std::lock_guard lock(mutex_);
    objects_[key] = Object{std::move(data), modified};
  }
  void set_modified(const std::string& key, std::chrono::system_clock::time_point modified) {
    std::lock_guard lock(mutex_);
    objects_.at(key).modified = modified;
  }
  // How many requests of an operation ("PutObject", "UploadPart", ...)
  // were served (signature accepted).
  std::size_t count(const std::string& operation) const {
    std::lock_guard lock(mutex_);
    const auto it = counts_.find(operation);
    return it == counts_.end() ? 0 : it->second;
  }
  std::size_t open_uploads() const {
    std::lock_guard lock(mutex_);
    return uploads_.size();
  }
  // Requests refused for their signature or credentials.
  std::size_t rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
  }
  // The largest body of one request received (a part, a PUT).
  std::size_t largest_body() const {
    std::lock_guard lock(mutex_);
    return largest_body_;
  }
  // The next n UploadPart requests fail with a 500.
  void fail_parts(int n) {
    std::lock_guard lock(mutex_);
    failing_parts_ = n;
  }

  // A GET of an absolute URL of this fake (a presigned one), as a browser
  // would send it.
  Response get(const std::string& url, const std::vector<Header>& headers = {}) const {
    const auto base = endpoint();
    if (!url.starts_with(base)) throw std::invalid_argument("not this fake's URL: " + url);
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, url.substr(base.size()), 11};
    request.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port()));
    for (const auto& [name, value] : headers) request.set(name, value);
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    bhttp::read(stream, buffer, parser);
    return parser.release();
  }

 private:
  struct Object {
    std::string data;
    std::chrono::system_clock::time_point modified;
  };
  struct Upload {
    std::string key;
    std::map<int, std::pair<std::string, std::string>> parts;  // number: data, etag
  };
  using Params = std::map<std::string, std::string>;

  static Answer error(unsigned status, const std::string& code, const std::string& message,
                      const std::string& resource) {
    return {
        status, {{"Content-Type", "application/xml"}}, s3::error_document(code, message, resource)};
  }
  static Answer xml(std::string body) {
    return {200, {{"Content-Type", "application/xml"}}, std::move(body)};
  }
  static std::string etag_of(const std::string& data) {
    return "\"" + sha256_hex(data).substr(0, 32) + "\"";
  }
  static std::string http_date(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
  }
  static std::string iso(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return buf;
  }

  // The signature check; nullopt when the request is authentic.
  std::optional<Answer> refuse(const Request& request, const std::string& path, const Params& query,
                               const std::string& resource) const {
    const auto scope_ok = [&](const std::string& key, const std::string& date,
                              const std::string& region, const std::string& service) {
      if (key != credentials_.access_key_id)
        return std::optional<Answer>(error(403, "InvalidAccessKeyId",
                                           "The AWS Access Key Id you provided does not exist in "
                                           "our records.",
                                           resource));
      if (region != credentials_.region || service != "s3" || date.size() != 8)
        return std::optional<Answer>(error(400, "AuthorizationHeaderMalformed",
                                           "The authorization header is malformed; the region "
                                           "or scope is wrong.",
                                           resource));
      return std::optional<Answer>();
    };
    const auto header_values = [&](const std::vector<std::string>& names) {
      std::vector<s3::Param> headers;
      for (const auto& name : names)
        for (const auto& field : request)
          if (lower(std::string(field.name_string())) == name)
            headers.emplace_back(name, std::string(field.value()));
      return headers;
    };
    const auto mismatch = error(403, "SignatureDoesNotMatch",
                                "The request signature we calculated does not match the signature "
                                "you provided. Check your key and signing method.",
                                resource);
    const std::string method(request.method_string());

    if (const auto sig = query.find("X-Amz-Signature"); sig != query.end()) {
      const auto get = [&](const char* name) {
        const auto it = query.find(name);
        return it == query.end() ? std::string() : it->second;
      };
      if (get("X-Amz-Algorithm") != s3::kAlgorithm)
        return error(400, "AuthorizationQueryParametersError", "X-Amz-Algorithm", resource);
      const auto credential = get("X-Amz-Credential");
      std::vector<std::string> scope;
      std::string_view rest = credential;
      for (;;) {
        const auto slash = rest.find('/');
        scope.emplace_back(rest.substr(0, slash));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
      }
      if (scope.size() != 5 || scope[4] != "aws4_request")
        return error(400, "AuthorizationQueryParametersError", "X-Amz-Credential", resource);
      if (auto refused = scope_ok(scope[0], scope[1], scope[2], scope[3])) return refused;
      const auto date = s3::parse_amz_date(get("X-Amz-Date"));
      const auto expires = std::atoll(get("X-Amz-Expires").c_str());
      if (!date || expires <= 0 || expires > 604800 || get("X-Amz-Date").substr(0, 8) != scope[1])
        return error(400, "AuthorizationQueryParametersError", "X-Amz-Date or -Expires", resource);
      if (std::chrono::system_clock::now() > *date + std::chrono::seconds(expires))
        return error(403, "AccessDenied", "Request has expired", resource);
      std::vector<std::string> names;
      const auto signed_headers = get("X-Amz-SignedHeaders");
      std::string_view list = signed_headers;
      while (!list.empty()) {
        const auto semi = std::min(list.find(';'), list.size());
        names.emplace_back(list.substr(0, semi));
        list.remove_prefix(std::min(semi + 1, list.size()));
      }
      std::vector<s3::Param> signed_query;
      for (const auto& [name, value] : query)
        if (name != "X-Amz-Signature") signed_query.emplace_back(name, value);
      const s3::SignedRequest canonical{method, path, signed_query, header_values(names),
                                        std::string(s3::kUnsignedPayload)};
      const auto to_sign = s3::string_to_sign(get("X-Amz-Date"),
                                              s3::credential_scope(credentials_, get("X-Amz-Date")),
                                              s3::canonical_request(canonical));
      if (!constant_time_equal(s3::signature(credentials_, get("X-Amz-Date"), to_sign),
                               sig->second))
        return mismatch;
      return std::nullopt;
    }

    const auto authorization = request[bhttp::field::authorization];
    if (authorization.empty())
      return error(403, "AccessDenied", "Anonymous access is not allowed", resource);
    const auto parts = s3::parse_authorization(authorization);
    if (!parts)
      return error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed",
                   resource);
    if (auto refused = scope_ok(parts->access_key_id, parts->date, parts->region, parts->service))
      return refused;
    const std::string date(request["x-amz-date"]);
    const std::string payload(request["x-amz-content-sha256"]);
    const auto& names = parts->signed_headers;
    const auto signs = [&](const char* name) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    if (date.empty() || !s3::parse_amz_date(date) || date.substr(0, 8) != parts->date ||
        !signs("host") || !signs("x-amz-date") || !signs("x-amz-content-sha256"))
      return error(400, "AuthorizationHeaderMalformed",
                   "host, x-amz-date and x-amz-content-sha256 must be signed", resource);
    if (payload != s3::kUnsignedPayload && payload != sha256_hex(request.body()))
      return error(400, "XAmzContentSHA256Mismatch",
                   "The provided 'x-amz-content-sha256' header does not match what was computed.",
                   resource);
    std::vector<s3::Param> query_list(query.begin(), query.end());
    const s3::SignedRequest canonical{method, path, query_list, header_values(names), payload};
    const auto to_sign = s3::string_to_sign(date, s3::credential_scope(credentials_, date),
                                            s3::canonical_request(canonical));
    if (!constant_time_equal(s3::signature(credentials_, date, to_sign), parts->signature))
      return mismatch;
    return std::nullopt;
  }

  static std::string lower(std::string text) {
    for (auto& c : text)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return text;
  }

  Answer handle(const Request& request) {
    const std::string target(request.target());
    const auto question = target.find('?');
    const std::string path = target.substr(0, question);
    const auto query = question == std::string::npos
                           ? Params()
                           : query_params(std::string_view(target).substr(question + 1));
    const std::string resource = url_decode(path);
    std::lock_guard lock(mutex_);
    largest_body_ = std::max(largest_body_, request.body().size());
    if (auto refused = refuse(request, path, query, resource)) {
      ++rejected_;
      return *refused;
    }
    // /bucket[/key]
    const auto decoded = url_decode(path);
    const auto slash = decoded.find('/', 1);
    const std::string bucket = decoded.substr(1, slash == std::string::npos ? slash : slash - 1);
    const std::string key = slash == std::string::npos ? "" : decoded.substr(slash + 1);
    if (bucket != bucket_)
      return error(404, "NoSuchBucket", "The specified bucket does not exist", resource);
    const auto method = request.method();
    if (key.empty()) {
      if (method == bhttp::verb::get && query.count("list-type") && query.at("list-type") == "2")
        return list(query);
      return error(501, "NotImplemented", "not in this fake", resource);
    }
    switch (method) {
      case bhttp::verb::put:
        if (query.count("uploadId")) return upload_part(request, key, query, resource);
        ++counts_["PutObject"];
        objects_[key] = Object{request.body(), std::chrono::system_clock::now()};
        return {200, {{"ETag", etag_of(request.body())}}, ""};
      case bhttp::verb::post:
        if (query.count("uploads")) {
          ++counts_["CreateMultipartUpload"];
          const auto id = "upload-" + std::to_string(++next_upload_);
          uploads_[id] = Upload{key, {}};
          return xml(
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>"
              "<Bucket>" +
              bucket_ + "</Bucket><Key>" + s3::xml_escape(key) + "</Key><UploadId>" + id +
              "</UploadId></InitiateMultipartUploadResult>");
        }
        if (query.count("uploadId")) return complete(request, key, query.at("uploadId"), resource);
        return error(501, "NotImplemented", "not in this fake", resource);
      case bhttp::verb::delete_:
        if (query.count("uploadId")) {
          ++counts_["AbortMultipartUpload"];
          if (!uploads_.erase(query.at("uploadId")))
            return error(404, "NoSuchUpload", "The specified upload does not exist.", resource);
          return {204, {}, ""};
        }
        ++counts_["DeleteObject"];
        objects_.erase(key);
        return {204, {}, ""};
      case bhttp::verb::head: {
        ++counts_["HeadObject"];
        const auto it = objects_.find(key);
        if (it == objects_.end()) return {404, {}, ""};
        return {200,
                {{"Content-Length", std::to_string(it->second.data.size())},
                 {"ETag", etag_of(it->second.data)},
                 {"Last-Modified", http_date(it->second.modified)}},
                ""};
      }
      case bhttp::verb::get:
        return get_object(request, key, query, resource);
      default:
        return error(405, "MethodNotAllowed", "not allowed", resource);
    }
  }

  Answer get_object(const Request& request, const std::string& key, const Params& query,
                    const std::string& resource) {
    ++counts_["GetObject"];
    const auto it = objects_.find(key);
    if (it == objects_.end())
      return error(404, "NoSuchKey", "The specified key does not exist.", resource);
    const auto& data = it->second.data;
    std::vector<Header> headers{{"ETag", etag_of(data)},
                                {"Last-Modified", http_date(it->second.modified)},
                                {"Accept-Ranges", "bytes"}};
    const auto override = [&](const char* param, const char* header) {
      if (const auto found = query.find(param); found != query.end())
        headers.emplace_back(header, found->second);
    };
    override("response-content-type", "Content-Type");
    override("response-content-disposition", "Content-Disposition");
    const std::string range(request[bhttp::field::range]);
    if (range.empty()) return {200, headers, data};
    ++counts_["RangedGet"];
    // bytes=first-last or bytes=first-
    const auto dash = range.find('-');
    if (!range.starts_with("bytes=") || dash == std::string::npos) return {200, headers, data};
    const auto first = std::stoull(range.substr(6, dash - 6));
    auto last = dash + 1 < range.size() ? std::stoull(range.substr(dash + 1)) : data.size() - 1;
    if (first >= data.size() || last < first)
      return error(416, "InvalidRange", "The requested range is not satisfiable", resource);
    last = std::min<std::uint64_t>(last, data.size() - 1);
    headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" +
                                              std::to_string(last) + "/" +
                                              std::to_string(data.size()));
    return {206, headers, data.substr(first, last - first + 1)};
  }

  Answer upload_part(const Request& request, const std::string& key, const Params& query,
                     const std::string& resource) {
    ++counts_["UploadPart"];
    if (failing_parts_ > 0) {
      --failing_parts_;
      return error(500, "InternalError", "We encountered an internal error. Please try again.",
                   resource);
    }
    const auto it = uploads_.find(query.at("uploadId"));
    if (it == uploads_.end() || it->second.key != key)
      return error(404, "NoSuchUpload", "The specified upload does not exist.", resource);
    const int number = std::atoi(query.count("partNumber") ? query.at("partNumber").c_str() : "0");
    if (number < 1 || number > 10000)
      return error(400, "InvalidArgument", "Part number must be from 1 to 10000", resource);
    const auto etag = etag_of(request.body());
    it->second.parts[number] = {request.body(), etag};
    return {200, {{"ETag", etag}}, ""};
  }

  Answer complete(const Request& request, const std::string& key, const std::string& id,
                  const std::string& resource) {
    ++counts_["CompleteMultipartUpload"];
    const auto it = uploads_.find(id);
    if (it == uploads_.end() || it->second.key != key)
      return error(404, "NoSuchUpload", "The specified upload does not exist.", resource);
    const auto parts = s3::parse_complete_multipart(request.body());
    if (!parts || parts->empty())
      return error(400, "MalformedXML", "The XML you provided was not well-formed", resource);
    std::string data;
    int previous = 0;
    for (std::size_t i = 0; i < parts->size(); ++i) {
      const auto& part = (*parts)[i];
      if (part.number <= previous)
        return error(400, "InvalidPartOrder", "The list of parts was not in ascending order.",
                     resource);
      previous = part.number;
      const auto found = it->second.parts.find(part.number);
      if (found == it->second.parts.end() || found->second.second != part.etag)
        return error(400, "InvalidPart", "One or more of the specified parts could not be found.",
                     resource);
      if (i + 1 < parts->size() && found->second.first.size() < kMinPart)
        return error(400, "EntityTooSmall",
                     "Your proposed upload is smaller than the minimum allowed object size.",
                     resource);
      data += found->second.first;
    }
    objects_[key] = Object{std::move(data), std::chrono::system_clock::now()};
    uploads_.erase(it);
    return xml("<CompleteMultipartUploadResult><Bucket>" + bucket_ + "</Bucket><Key>" +
               s3::xml_escape(key) + "</Key><ETag>\"done\"</ETag></CompleteMultipartUploadResult>");
  }

  Answer list(const Params& query) {
    ++counts_["ListObjectsV2"];
    const auto param = [&](const char* name) {
      const auto it = query.find(name);
      return it == query.end() ? std::string() : it->second;
    };
    const auto prefix = param("prefix"), delimiter = param("delimiter"),
               token = param("continuation-token");
    const std::size_t max_keys = query.count("max-keys") ? std::stoul(param("max-keys")) : 1000;
    std::string contents, prefixes;
    std::vector<std::string> common;
    std::size_t n = 0;
    std::optional<std::string> next;
    for (auto it = objects_.upper_bound(token); it != objects_.end(); ++it) {
      const auto& [key, object] = *it;
      if (!key.starts_with(prefix)) continue;
      if (!delimiter.empty()) {
        const auto cut = key.find(delimiter, prefix.size());
        if (cut != std::string::npos) {
          const auto common_prefix = key.substr(0, cut + delimiter.size());
          if (std::find(common.begin(), common.end(), common_prefix) == common.end())
            common.push_back(common_prefix);
          continue;
        }
      }
      if (n == max_keys) {
        next = std::prev(it)->first;
        break;
      }
      ++n;
      contents += "<Contents><Key>" + s3::xml_escape(key) + "</Key><LastModified>" +
                  iso(object.modified) + "</LastModified><ETag>" + etag_of(object.data) +
                  "</ETag><Size>" + std::to_string(object.data.size()) +
                  "</Size><StorageClass>STANDARD</StorageClass></Contents>";
    }
    for (const auto& p : common)
      prefixes += "<CommonPrefixes><Prefix>" + s3::xml_escape(p) + "</Prefix></CommonPrefixes>";
    return xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult><Name>" + bucket_ +
               "</Name><Prefix>" + s3::xml_escape(prefix) + "</Prefix><KeyCount>" +
               std::to_string(n) + "</KeyCount><MaxKeys>" + std::to_string(max_keys) +
               "</MaxKeys><IsTruncated>" + (next ? "true" : "false") + "</IsTruncated>" +
               (next
                    ? "<NextContinuationToken>" + s3::xml_escape(*next) + "</NextContinuationToken>"
                    : "") +
               contents + prefixes + "</ListBucketResult>");
  }

  std::string bucket_;
  s3::Credentials credentials_;
  mutable std::mutex mutex_;
  std::map<std::string, Object> objects_;
  std::map<std::string, Upload> uploads_;
  std::map<std::string, std::size_t> counts_;
  std::size_t rejected_ = 0, largest_body_ = 0;
  int next_upload_ = 0, failing_parts_ = 0;
  FakeServer server_;  // last: it answers from its thread until destroyed first
};

}  // namespace crmd::test
