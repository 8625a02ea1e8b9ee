// The S3 calls the blob store makes (path-style addressing, AWS Signature
// V4 by domain/s3/sigv4), sent through the one outbound client with its
// retry policy. A key is below the configured prefix; an answer S3 gives
// as an error becomes Error{unavailable, "blob_store_failed"} naming the
// call, S3's code and message, never the credentials.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "domain/s3/sigv4.hpp"
#include "domain/s3/xml.hpp"
#include "storage/web/http_client.hpp"

namespace crmd::storage {

struct S3Options {
  std::string endpoint;  // scheme://host[:port], no path
  std::string bucket;
  std::string prefix;  // "" or ending in '/'
  s3::Credentials credentials;
  // Multipart part size (S3 wants 5 MiB at least, but for the last part).
  std::size_t part_size = 8 * 1024 * 1024;
  std::size_t read_chunk = 1024 * 1024;  // bytes per ranged GET of a reader
  std::size_t list_page = 1000;          // keys per ListObjectsV2 page
};

class S3Client {
 public:
  // hashing: where large bodies are hashed for their signature (off the
  // I/O threads); null: on the caller's thread.
  S3Client(web::HttpClient& http, S3Options options, boost::asio::thread_pool* hashing = nullptr);

  const S3Options& options() const { return options_; }

  boost::asio::awaitable<void> put(std::string key, std::string body);
  boost::asio::awaitable<std::optional<std::uint64_t>> head(std::string key);
  // Bytes [first, last]; Error{not_found, "blob_not_found"} without the key.
  boost::asio::awaitable<std::string> get_range(std::string key, std::uint64_t first,
                                                std::uint64_t last);
  boost::asio::awaitable<void> remove(std::string key);

  boost::asio::awaitable<std::string> create_multipart(std::string key);
  // The part's ETag.
  boost::asio::awaitable<std::string> upload_part(std::string key, std::string upload_id,
                                                  int number, std::string body);
  boost::asio::awaitable<void> complete_multipart(std::string key, std::string upload_id,
                                                  std::vector<s3::CompletedPart> parts);
  boost::asio::awaitable<void> abort_multipart(std::string key, std::string upload_id);

  // One ListObjectsV2 page of the objects directly in folder (delimiter
  // '/'); keys come back without the prefix.
  boost::asio::awaitable<s3::ListPage> list(std::string folder, std::optional<std::string> token);

  // A presigned GET of key, valid ttl from now; extra: response-* overrides.
  std::string presigned_get(const std::string& key, std::chrono::seconds ttl,
                            std::vector<s3::Param> extra) const;

 private:
  struct Call {
    std::string method;
    std::string key;  // empty: the bucket itself
    std::vector<s3::Param> query;
    std::string body;
    std::vector<s3::Param> headers;  // signed too
    std::size_t max_response = 1024 * 1024;
    std::chrono::milliseconds timeout{60000};
  };
  boost::asio::awaitable<web::HttpResponse> send(Call call);
  std::string path_of(const std::string& key) const;

  web::HttpClient& http_;
  S3Options options_;
  boost::asio::thread_pool* hashing_;
  std::string host_;  // as the Host header says it
};

}  // namespace crmd::storage
