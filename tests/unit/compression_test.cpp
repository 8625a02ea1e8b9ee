#include "server/http/compression.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <deque>

namespace crmd::http {
namespace {

namespace asio = boost::asio;
using beast_http::field;

// Every gzip member of coded, inflated; throws on corrupt data.
std::string gunzip(const std::string& coded) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(coded.data()));
  z.avail_in = static_cast<uInt>(coded.size());
  std::string out;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    char buffer[16384];
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      throw std::runtime_error("corrupt gzip stream");
    }
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  const bool trailing = z.avail_in != 0;
  inflateEnd(&z);
  if (trailing) throw std::runtime_error("bytes after the gzip stream");
  return out;
}

// Text that compresses a little, not a repeated byte.
std::string sample(std::size_t bytes, unsigned seed = 1) {
  std::string text;
  std::uint32_t x = seed;
  while (text.size() < bytes) {
    x = x * 1664525u + 1013904223u;
    text += "{\"id\":" + std::to_string(x % 100000) + ",\"name\":\"contact\"},";
  }
  text.resize(bytes);
  return text;
}

TEST(CompressionAcceptEncoding, FollowsTheWeightsOfRfc9110) {
  for (const char* yes : {"gzip", "GZIP", "x-gzip", "deflate, gzip", "gzip;q=1", "gzip; q=0.001",
                          " gzip ;q=0.5 ", "*", "br;q=1.0, gzip;q=0.5", "gzip;Q=1.000",
                          "gzip;q=0.5, identity;q=0.5", "identity, gzip", ",,gzip,"})
    EXPECT_TRUE(accepts_gzip(yes)) << yes;
  for (const char* no : {"", "identity", "br, deflate", "gzip;q=0", "gzip;q=0.000", "*;q=0",
                         "*, gzip;q=0", "gzip;q=0, *", "identity;q=1, gzip;q=0.5",
                         "gzip;q=0.5, *",  // * covers identity, preferred
                         "gzip;q=2", "gzip;q=1.5", "gzip;q=abc", "gzip;q=0.5555",
                         "gzip;q=", "gzipx", "gzip;q=0, gzip"})  // the first mention counts
    EXPECT_FALSE(accepts_gzip(no)) << no;
}

TEST(CompressionContentType, LeavesCompressedMediaAlone) {
  for (const char* yes :
       {"application/json", "text/csv; charset=utf-8", "text/plain; version=0.0.4",
        "Application/JSON", "application/problem+json"})
    EXPECT_TRUE(compressible_type(yes)) << yes;
  for (const char* no : {"", "image/png", "IMAGE/jpeg", "video/mp4", "audio/ogg", "application/zip",
                         "application/gzip", "application/x-gzip", "application/octet-stream",
                         "application/zip; charset=binary"})
    EXPECT_FALSE(compressible_type(no)) << no;
}

TEST(CompressionEtag, TheGzipTagIsAnotherStrongTag) {
  EXPECT_EQ(gzip_etag("\"17\""), "\"17-gzip\"");
  EXPECT_EQ(gzip_etag("W/\"17\""), "W/\"17\"");
  EXPECT_EQ(gzip_etag(""), "");
}

TEST(CompressionGzipEncoder, RoundTripsInOneGoAndInManyChunks) {
  EXPECT_EQ(gunzip(gzip("")), "");
  const auto text = sample(300 * 1024);
  const auto once = gzip(text);
  ASSERT_GE(once.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(once[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(once[1]), 0x8b);
  EXPECT_LT(once.size(), text.size() / 2);
  EXPECT_EQ(gunzip(once), text);

  GzipEncoder encoder;
  std::string coded, plain;
  for (unsigned i = 0; i < 500; ++i) {
    const auto chunk = sample(1 + (i * 7919) % 5000, i);
    plain += chunk;
    coded += encoder.update(chunk);
    coded += encoder.update("");
  }
  coded += encoder.finish();
  EXPECT_EQ(gunzip(coded), plain);
  EXPECT_THROW(encoder.update("x"), std::logic_error);
}

// A streamed body from chunks held in memory.
class Chunks : public BodySource {
 public:
  explicit Chunks(std::deque<std::string> chunks) : chunks_(std::move(chunks)) {}
  asio::awaitable<std::string> next() override {
    if (chunks_.empty()) co_return std::string();
    auto chunk = std::move(chunks_.front());
    chunks_.pop_front();
    co_return chunk;
  }

 private:
  std::deque<std::string> chunks_;
};

Message request_with(const std::string& headers) {
  Message request(beast_http::verb::get, "/x", 11);
  auto rest = std::string_view(headers);
  while (!rest.empty()) {
    const auto line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    const auto colon = line.find(':');
    request.insert(line.substr(0, colon), line.substr(colon + 2));
  }
  return request;
}

Response json_answer(std::size_t bytes) {
  Response response(beast_http::status::ok, 11);
  response.set(field::content_type, "application/json");
  response.body() = sample(bytes);
  response.prepare_payload();
  return response;
}

class CompressionAnswerCoding : public ::testing::Test {
 protected:
  void apply(const AnswerCoding& coding, Response& response,
             std::shared_ptr<BodySource> streamed = nullptr) {
    auto run = [&]() -> asio::awaitable<void> {
      co_await coding.apply(response, streamed, blocking);
    };
    auto done = asio::co_spawn(io, run(), asio::use_future);
    io.restart();
    io.run();
    done.get();
    this->streamed = std::move(streamed);
  }
  // All of the streamed body's bytes.
  std::string drain() {
    std::string all;
    auto run = [&]() -> asio::awaitable<void> {
      for (;;) {
        auto chunk = co_await streamed->next();
        if (chunk.empty()) break;
        all += chunk;
      }
    };
    auto done = asio::co_spawn(io, run(), asio::use_future);
    io.restart();
    io.run();
    done.get();
    return all;
  }

  asio::io_context io;
  asio::thread_pool blocking{1};
  std::shared_ptr<BodySource> streamed;
};

TEST_F(CompressionAnswerCoding, CompressesLargeAnswersAndSaysItVaries) {
  for (const std::size_t bytes : {2000u, 200000u}) {  // on the I/O thread, on the pool
    auto request = request_with("Accept-Encoding: gzip, br");
    const AnswerCoding coding(request);
    auto response = json_answer(bytes);
    const auto plain = response.body();
    response.set(field::vary, "Origin");
    response.set(field::etag, "\"42\"");
    apply(coding, response);
    EXPECT_EQ(response[field::content_encoding], "gzip");
    EXPECT_EQ(response[field::vary], "Origin, Accept-Encoding");
    EXPECT_EQ(response[field::etag], "\"42-gzip\"");
    EXPECT_EQ(response[field::content_length], std::to_string(response.body().size()));
    EXPECT_EQ(gunzip(response.body()), plain);
  }
}

TEST_F(CompressionAnswerCoding, LeavesWhatMustStayIdentityAlone) {
  struct Case {
    std::string headers;
    std::size_t bytes;
    const char* type;
    bool varies;
  };
  for (const auto& c : std::vector<Case>{
           {"", 5000, "application/json", true},
           {"Accept-Encoding: gzip;q=0", 5000, "application/json", true},
           {"Accept-Encoding: gzip", 1024, "application/json", true},
           {"Accept-Encoding: gzip", 5000, "image/png", false},
           {"Accept-Encoding: gzip\nRange: bytes=0-9", 5000, "application/json", true}}) {
    auto request = request_with(c.headers);
    const AnswerCoding coding(request);
    auto response = json_answer(c.bytes);
    response.set(field::content_type, c.type);
    const auto plain = response.body();
    apply(coding, response);
    EXPECT_EQ(response.count(field::content_encoding), 0u) << c.headers;
    EXPECT_EQ(response.body(), plain);
    EXPECT_EQ(response.count(field::vary), c.varies ? 1u : 0u) << c.headers << c.type;
  }
  // Coded already, a partial answer, an answer to HEAD.
  auto request = request_with("Accept-Encoding: gzip");
  const AnswerCoding coding(request);
  auto coded = json_answer(5000);
  coded.set(field::content_encoding, "br");
  apply(coding, coded);
  EXPECT_EQ(coded[field::content_encoding], "br");
  auto partial = json_answer(5000);
  partial.result(beast_http::status::partial_content);
  apply(coding, partial);
  EXPECT_EQ(partial.count(field::content_encoding), 0u);
  auto head_request = request_with("Accept-Encoding: gzip");
  head_request.method(beast_http::verb::head);
  const AnswerCoding head(head_request);
  auto head_answer = json_answer(5000);
  apply(head, head_answer);
  EXPECT_EQ(head_answer.count(field::content_encoding), 0u);
  EXPECT_EQ(head_answer[field::vary], "Accept-Encoding");
}

TEST_F(CompressionAnswerCoding, ConditionalTagsLoseTheSuffixAndA304NamesTheTagHeld) {
  auto request =
      request_with("Accept-Encoding: gzip\nIf-None-Match: \"7-gzip\"\nIf-Match: \"5\", \"6-gzip\"");
  const AnswerCoding coding(request);
  EXPECT_EQ(request[field::if_none_match], "\"7\"");
  EXPECT_EQ(request[field::if_match], "\"5\", \"6\"");
  Response unchanged(beast_http::status::not_modified, 11);
  unchanged.set(field::etag, "\"7\"");
  apply(coding, unchanged);
  EXPECT_EQ(unchanged[field::etag], "\"7-gzip\"");
  EXPECT_EQ(unchanged[field::vary], "Accept-Encoding");

  auto plain_request = request_with("If-None-Match: \"7\"");
  const AnswerCoding plain(plain_request);
  Response identity(beast_http::status::not_modified, 11);
  identity.set(field::etag, "\"7\"");
  apply(plain, identity);
  EXPECT_EQ(identity[field::etag], "\"7\"");
}

// Hex size, CRLF, data, CRLF ... "0" CRLF CRLF, undone.
std::string unchunk(std::string_view framed) {
  std::string body;
  for (;;) {
    const auto line_end = framed.find("\r\n");
    if (line_end == std::string_view::npos) throw std::runtime_error("no chunk size line");
    const auto size = std::stoul(std::string(framed.substr(0, line_end)), nullptr, 16);
    framed.remove_prefix(line_end + 2);
    if (size == 0) {
      if (framed != "\r\n") throw std::runtime_error("bad last chunk");
      return body;
    }
    body += framed.substr(0, size);
    if (framed.substr(size, 2) != "\r\n") throw std::runtime_error("bad chunk end");
    framed.remove_prefix(size + 2);
  }
}

TEST_F(CompressionAnswerCoding, StreamsChunkedGzipChunkByChunk) {
  auto request = request_with("Accept-Encoding: gzip");
  const AnswerCoding coding(request);
  std::deque<std::string> chunks;
  std::string plain;
  for (unsigned i = 0; i < 40; ++i) {  // small ones zlib holds back, and 100 KiB ones
    chunks.push_back(sample(i % 4 == 0 ? 100 * 1024 : 10 + i, i));
    plain += chunks.back();
  }
  Response response(beast_http::status::ok, 11);
  response.set(field::content_type, "text/csv; charset=utf-8");
  response.content_length(plain.size());
  apply(coding, response, std::make_shared<Chunks>(chunks));
  EXPECT_EQ(response[field::content_encoding], "gzip");
  EXPECT_EQ(response.count(field::content_length), 0u);
  EXPECT_TRUE(response.chunked());
  EXPECT_EQ(gunzip(unchunk(drain())), plain);

  // HTTP/1.0 has no chunks: the stream stays identity.
  auto old_request = request_with("Accept-Encoding: gzip");
  old_request.version(10);
  const AnswerCoding old(old_request);
  Response identity(beast_http::status::ok, 10);
  identity.set(field::content_type, "text/csv; charset=utf-8");
  identity.content_length(plain.size());
  apply(old, identity, std::make_shared<Chunks>(chunks));
  EXPECT_EQ(identity.count(field::content_encoding), 0u);
  EXPECT_EQ(drain(), plain);
}

}  // namespace
}  // namespace crmd::http
