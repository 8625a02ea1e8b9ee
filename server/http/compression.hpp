// gzip answers (RFC 9110 §8.4, §12.5.3): an answer over 1 KiB is sent gzip
// when the request's Accept-Encoding allows it; a streamed download goes
// through the encoder chunk by chunk, as chunked transfer coding.
//
// Entity tags: the gzip representation gets the identity's strong tag with
// "-gzip" inside the quotes ("17-gzip"), and the suffix comes off the tags
// of If-None-Match and If-Match before a handler sees them. A weak tag
// (W/"17") would have been simpler, but If-Match compares strongly
// (domain/common/version.hpp): a client that read a record compressed could
// then never write it. The suffix keeps the two representations' strong
// tags distinct, as RFC 9110 §8.8.3 asks, while handlers keep comparing the
// tags they made; a 304 names the tag the client holds.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "server/http/body_source.hpp"
#include "server/http/request.hpp"

struct z_stream_s;

namespace crmd::http {

// Smaller answers gain too little for the CPU and the gzip frame.
constexpr std::size_t kCompressMinBytes = 1024;
// Level 5 took a sixth less CPU than zlib's default 6 for 2% more bytes on a
// page of contacts JSON (about 150 MB/s here); crmd shares 2 cores with
// PostgreSQL.
constexpr int kGzipLevel = 5;
// More at once than this (about half a millisecond at level 5) is compressed
// on the blocking pool rather than stall the I/O thread, which on 2 cores
// serves every connection; the hop costs far less than that.
constexpr std::size_t kCompressInlineMaxBytes = 64 * 1024;

// Whether an Accept-Encoding value (its fields joined by commas) accepts gzip
// (or x-gzip, or *) with a q above 0 and not below identity's.
bool accepts_gzip(std::string_view accept_encoding);

// Whether a Content-Type is worth compressing: not media or archives that
// are compressed already, and not opaque bytes.
bool compressible_type(std::string_view content_type);

// "\"17\"" -> "\"17-gzip\""; a weak tag stays as it is (weak comparison
// already holds across codings).
std::string gzip_etag(std::string_view etag);

// A gzip stream (zlib, windowBits 15+16); not thread-safe, but it may move
// between threads between calls.
class GzipEncoder {
 public:
  explicit GzipEncoder(int level = kGzipLevel);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // The compressed bytes zlib has ready after chunk (often none: it buffers).
  std::string update(std::string_view chunk);
  // The rest of the stream, trailer included; nothing may follow.
  std::string finish();

 private:
  void deflate_into(std::string_view input, int flush, std::string& out);
  std::unique_ptr<z_stream_s> stream_;
  bool finished_ = false;
};

// data as one gzip stream.
std::string gzip(std::string_view data, int level = kGzipLevel);

// The coding of one answer: read from the request before its handler runs,
// applied to the answer after.
class AnswerCoding {
 public:
  // Takes "-gzip" off the entity tags of If-None-Match and If-Match (see
  // above) and remembers what the client accepts.
  explicit AnswerCoding(Message& request);

  struct Plan {
    bool vary = false;  // the answer depends on Accept-Encoding
    bool gzip = false;
  };
  // streamed: the body comes from a BodySource (its size in Content-Length).
  Plan plan(const Response& response, bool streamed) const;

  // Codes the answer as planned, adding Vary and adjusting ETag and
  // Content-Length. A streamed body is replaced by its gzip coding framed as
  // HTTP/1.1 chunks and the response marked chunked: the connection then
  // writes the header alone, followed by the source's bytes.
  boost::asio::awaitable<void> apply(Response& response, std::shared_ptr<BodySource>& streamed,
                                     boost::asio::thread_pool& blocking) const;

 private:
  bool gzip_accepted_ = false;
  bool head_ = false;
  bool ranged_ = false;        // a byte range indexes the stored bytes
  bool chunkable_ = false;     // HTTP/1.1
  std::string if_none_match_;  // as sent, suffixes and all
};

}  // namespace crmd::http
