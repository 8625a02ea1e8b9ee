#include "storage/blob/s3_client.hpp"

#include <stdexcept>

#include "domain/common/crypto.hpp"
#include "domain/common/error.hpp"
#include "storage/blocking.hpp"

namespace crmd::storage {
namespace asio = boost::asio;

namespace {

constexpr std::string_view kService = "s3";

// host[:port] of scheme://host[:port], the default port left out as curl
// leaves it out of Host.
std::string host_of(const std::string& endpoint) {
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("an endpoint without a scheme");
  const auto scheme = endpoint.substr(0, scheme_end);
  auto host = endpoint.substr(scheme_end + 3);
  if (const auto slash = host.find('/'); slash != std::string::npos) host.resize(slash);
  if ((scheme == "http" && host.ends_with(":80")) || (scheme == "https" && host.ends_with(":443")))
    host.resize(host.rfind(':'));
  return host;
}

web::RetryPolicy s3_policy() {
  web::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.base_delay = std::chrono::milliseconds(200);
  policy.max_delay = std::chrono::milliseconds(5000);
  policy.max_elapsed = std::chrono::milliseconds(30000);
  return policy;
}

}  // namespace

S3Client::S3Client(web::HttpClient& http, S3Options options, asio::thread_pool* hashing)
    : http_(http),
      options_(std::move(options)),
      hashing_(hashing),
      host_(host_of(options_.endpoint)) {}

std::string S3Client::path_of(const std::string& key) const {
  std::string path = "/" + s3::uri_encode(options_.bucket);
  if (!key.empty()) path += "/" + s3::uri_encode(options_.prefix + key, false);
  return path;
}

asio::awaitable<web::HttpResponse> S3Client::send(Call call) {
  const auto date = s3::amz_date(std::chrono::system_clock::now());
  // A part's digest takes milliseconds: not on an I/O thread.
  constexpr std::size_t kHashInline = 256 * 1024;
  std::string payload_hash;
  if (hashing_ && call.body.size() > kHashInline) {
    auto hash = [&body = call.body] { return sha256_hex(body); };
    payload_hash = co_await run_blocking(*hashing_, std::move(hash));
  } else {
    payload_hash = sha256_hex(call.body);
  }
  web::HttpRequest request;
  request.method = call.method;
  request.service = std::string(kService);
  const auto path = path_of(call.key);
  const auto query = s3::canonical_query(call.query);
  request.url = options_.endpoint + path + (query.empty() ? "" : "?" + query);
  auto headers = call.headers;
  headers.emplace_back("host", host_);
  headers.emplace_back("x-amz-date", date);
  headers.emplace_back("x-amz-content-sha256", payload_hash);
  s3::SignedRequest signed_request;
  signed_request.method = call.method;
  signed_request.path = path;
  signed_request.query = call.query;
  signed_request.headers = headers;
  signed_request.payload_hash = payload_hash;
  const auto authorization = s3::authorization(options_.credentials, signed_request, date);
  for (auto& [name, value] : headers)
    if (name != "host") request.headers.emplace_back(name, value);
  request.headers.emplace_back("Authorization", authorization);
  // curl would add its own form type to a POST body.
  if (!call.body.empty()) request.headers.emplace_back("Content-Type", "application/octet-stream");
  request.body = std::move(call.body);
  request.max_response_bytes = call.max_response;
  request.timeout = call.timeout;
  // One policy for every call, not a temporary held by reference across
  // the co_await (see the g++ 12 rules in README.md).
  static const web::RetryPolicy policy = s3_policy();
  co_return co_await http_.send_with_retries(std::move(request), policy, kService);
}

namespace {

Error failure_of(std::string_view what, const std::string& key, const web::HttpResponse& response) {
  std::string detail =
      "S3 " + std::string(what) + " " + key + ": HTTP " + std::to_string(response.status);
  if (const auto doc = s3::parse_error(response.body))
    detail += " " + doc->code + (doc->message.empty() ? "" : ": " + doc->message);
  return Error(ErrorKind::unavailable, "blob_store_failed", detail);
}

bool ok(const web::HttpResponse& response) {
  return response.status / 100 == 2;
}

}  // namespace

asio::awaitable<void> S3Client::put(std::string key, std::string body) {
  Call call;
  call.method = "PUT";
  call.key = key;
  call.body = std::move(body);
  call.timeout = std::chrono::milliseconds(300000);
  const auto response = co_await send(std::move(call));
  if (!ok(response)) throw failure_of("PUT", key, response);
}

asio::awaitable<std::optional<std::uint64_t>> S3Client::head(std::string key) {
  Call call;
  call.method = "HEAD";
  call.key = key;
  const auto response = co_await send(std::move(call));
  if (response.status == 404) co_return std::nullopt;
  if (!ok(response)) throw failure_of("HEAD", key, response);
  const auto length = response.header("content-length");
  if (!length) throw failure_of("HEAD (no Content-Length)", key, response);
  co_return std::stoull(std::string(*length));
}

asio::awaitable<std::string> S3Client::get_range(std::string key, std::uint64_t first,
                                                 std::uint64_t last) {
  Call call;
  call.method = "GET";
  call.key = key;
  call.headers.emplace_back("range", "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  call.max_response = static_cast<std::size_t>(last - first + 1) + 4096;
  auto response = co_await send(std::move(call));
  if (response.status == 404)
    throw Error(ErrorKind::not_found, "blob_not_found", "no blob " + key + " in the store");
  if (response.status != 206 && response.status != 200) throw failure_of("GET", key, response);
  // A 200 is the whole object (a server ignoring Range): cut the range out.
  if (response.status == 200) {
    if (first >= response.body.size()) co_return std::string();
    co_return response.body.substr(static_cast<std::size_t>(first),
                                   static_cast<std::size_t>(last - first + 1));
  }
  co_return std::move(response.body);
}

asio::awaitable<void> S3Client::remove(std::string key) {
  Call call;
  call.method = "DELETE";
  call.key = key;
  const auto response = co_await send(std::move(call));
  if (!ok(response) && response.status != 404) throw failure_of("DELETE", key, response);
}

asio::awaitable<std::string> S3Client::create_multipart(std::string key) {
  Call call;
  call.method = "POST";
  call.key = key;
  call.query.emplace_back("uploads", "");
  const auto response = co_await send(std::move(call));
  if (!ok(response)) throw failure_of("CreateMultipartUpload", key, response);
  auto id = s3::parse_upload_id(response.body);
  if (!id) throw failure_of("CreateMultipartUpload (no UploadId)", key, response);
  co_return std::move(*id);
}

asio::awaitable<std::string> S3Client::upload_part(std::string key, std::string upload_id,
                                                   int number, std::string body) {
  Call call;
  call.method = "PUT";
  call.key = key;
  call.query.emplace_back("partNumber", std::to_string(number));
  call.query.emplace_back("uploadId", std::move(upload_id));
  call.body = std::move(body);
  call.timeout = std::chrono::milliseconds(300000);
  const auto response = co_await send(std::move(call));
  if (!ok(response)) throw failure_of("UploadPart", key, response);
  const auto etag = response.header("etag");
  if (!etag) throw failure_of("UploadPart (no ETag)", key, response);
  co_return std::string(*etag);
}

asio::awaitable<void> S3Client::complete_multipart(std::string key, std::string upload_id,
                                                   std::vector<s3::CompletedPart> parts) {
  Call call;
  call.method = "POST";
  call.key = key;
  call.query.emplace_back("uploadId", std::move(upload_id));
  call.body = s3::complete_multipart_body(parts);
  call.timeout = std::chrono::milliseconds(300000);
  const auto response = co_await send(std::move(call));
  // S3 may answer 200 with an error document when the completion fails late.
  if (!ok(response) || s3::parse_error(response.body))
    throw failure_of("CompleteMultipartUpload", key, response);
}

asio::awaitable<void> S3Client::abort_multipart(std::string key, std::string upload_id) {
  Call call;
  call.method = "DELETE";
  call.key = key;
  call.query.emplace_back("uploadId", std::move(upload_id));
  const auto response = co_await send(std::move(call));
  if (!ok(response) && response.status != 404)
    throw failure_of("AbortMultipartUpload", key, response);
}

asio::awaitable<s3::ListPage> S3Client::list(std::string folder, std::optional<std::string> token) {
  Call call;
  call.method = "GET";
  call.query = {{"list-type", "2"},
                {"prefix", options_.prefix + folder},
                {"delimiter", "/"},
                {"max-keys", std::to_string(options_.list_page)}};
  if (token) call.query.emplace_back("continuation-token", *token);
  call.max_response = 16 * 1024 * 1024;
  const auto response = co_await send(std::move(call));
  if (!ok(response)) throw failure_of("ListObjectsV2", folder, response);
  s3::ListPage page;
  try {
    page = s3::parse_list_page(response.body);
  } catch (const std::invalid_argument& e) {
    throw Error(ErrorKind::unavailable, "blob_store_failed",
                std::string("S3 ListObjectsV2: ") + e.what());
  }
  for (auto& object : page.objects)
    if (object.key.starts_with(options_.prefix)) object.key.erase(0, options_.prefix.size());
  co_return page;
}

std::string S3Client::presigned_get(const std::string& key, std::chrono::seconds ttl,
                                    std::vector<s3::Param> extra) const {
  const auto path = path_of(key);
  const auto date = s3::amz_date(std::chrono::system_clock::now());
  return options_.endpoint + path + "?" +
         s3::presigned_query(options_.credentials, "GET", path, std::move(extra), host_, date, ttl);
}

}  // namespace crmd::storage
