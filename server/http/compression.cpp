#include "server/http/compression.hpp"

#define ZLIB_CONST
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "storage/blocking.hpp"

namespace crmd::http {
namespace asio = boost::asio;
using beast_http::field;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The next comma- (or semicolon-) separated item of list, taken off it.
std::string_view take_item(std::string_view& list, char separator) {
  const auto end = list.find(separator);
  const auto item = list.substr(0, end);
  list.remove_prefix(end == std::string_view::npos ? list.size() : end + 1);
  return trim(item);
}

// A qvalue in thousandths: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")].
std::optional<int> thousandths(std::string_view q) {
  if (q.empty() || (q[0] != '0' && q[0] != '1') || q.size() > 5) return std::nullopt;
  int value = (q[0] - '0') * 1000;
  if (q.size() == 1) return value;
  if (q[1] != '.') return std::nullopt;
  int scale = 100;
  for (const char c : q.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    value += (c - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return std::nullopt;
  return value;
}

// Media types whose bytes are compressed already, or unknown.
constexpr std::array<std::string_view, 10> kIncompressible = {"application/zip",
                                                              "application/gzip",
                                                              "application/x-gzip",
                                                              "application/octet-stream",
                                                              "application/zstd",
                                                              "application/x-bzip2",
                                                              "application/x-xz",
                                                              "application/x-7z-compressed",
                                                              "application/x-rar-compressed",
                                                              "font/woff2"};

void add_vary(Response& response) {
  const std::string_view listed = response[field::vary];
  if (listed.empty()) {
    response.set(field::vary, "Accept-Encoding");
    return;
  }
  for (auto rest = listed; !rest.empty();) {
    const auto name = take_item(rest, ',');
    if (name == "*" || boost::beast::iequals(name, "Accept-Encoding")) return;
  }
  response.set(field::vary, std::string(listed) + ", Accept-Encoding");
}

std::optional<std::uint64_t> declared_length(const Response& response) {
  const auto text = response[field::content_length];
  std::uint64_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return length;
}

// Hex size, CRLF, data, CRLF (RFC 9112 §7.1).
void append_chunk(std::string& out, std::string_view data) {
  std::array<char, 16> size;
  const auto end = std::to_chars(size.data(), size.data() + size.size(), data.size(), 16).ptr;
  out.append(size.data(), end);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

// The gzip coding of a streamed body, framed as chunks, the last chunk
// after the gzip trailer.
class GzipChunks : public BodySource {
 public:
  GzipChunks(std::shared_ptr<BodySource> plain, asio::thread_pool& blocking)
      : plain_(std::move(plain)), blocking_(blocking) {}

  asio::awaitable<std::string> next() override {
    std::string framed;
    while (!done_) {
      const auto plain = co_await plain_->next();
      if (plain.empty()) {
        const auto tail = encoder_.finish();  // never empty: the trailer
        append_chunk(framed, tail);
        framed += "0\r\n\r\n";
        done_ = true;
        break;
      }
      std::string coded;
      if (plain.size() > kCompressInlineMaxBytes) {
        auto compress = [this, &plain] { return encoder_.update(plain); };
        coded = co_await run_blocking(blocking_, std::move(compress));
      } else {
        coded = encoder_.update(plain);
      }
      // An empty chunk would end the body: zlib may hold all it was given.
      if (coded.empty()) continue;
      append_chunk(framed, coded);
      break;
    }
    co_return framed;
  }

 private:
  std::shared_ptr<BodySource> plain_;
  asio::thread_pool& blocking_;
  GzipEncoder encoder_;
  bool done_ = false;
};

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<int> gzip, identity, any;
  while (!accept_encoding.empty()) {
    auto member = take_item(accept_encoding, ',');
    if (member.empty()) continue;
    const auto coding = take_item(member, ';');
    std::optional<int> q = 1000;
    while (!member.empty()) {
      const auto param = take_item(member, ';');
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
        q = thousandths(trim(param.substr(2)));
    }
    if (!q) continue;  // a malformed weight: the member says nothing
    std::optional<int>* slot = nullptr;
    if (boost::beast::iequals(coding, "gzip") || boost::beast::iequals(coding, "x-gzip"))
      slot = &gzip;
    else if (boost::beast::iequals(coding, "identity"))
      slot = &identity;
    else if (coding == "*")
      slot = &any;
    if (slot && !*slot) *slot = q;  // the first mention counts
  }
  // "*" stands for every coding not named, identity included.
  const int gzip_q = gzip.value_or(any.value_or(0));
  const auto identity_q = identity ? identity : any;
  return gzip_q > 0 && (!identity_q || gzip_q >= *identity_q);
}

bool compressible_type(std::string_view content_type) {
  auto rest = content_type;
  const auto type = take_item(rest, ';');
  if (type.empty()) return false;
  for (const std::string_view prefix : {"image/", "video/", "audio/"})
    if (type.size() > prefix.size() && boost::beast::iequals(type.substr(0, prefix.size()), prefix))
      return false;
  return std::none_of(kIncompressible.begin(), kIncompressible.end(),
                      [&](std::string_view t) { return boost::beast::iequals(type, t); });
}

std::string gzip_etag(std::string_view etag) {
  if (etag.size() < 2 || etag.front() != '"' || etag.back() != '"') return std::string(etag);
  std::string tagged(etag.substr(0, etag.size() - 1));
  tagged += "-gzip\"";
  return tagged;
}

GzipEncoder::GzipEncoder(int level) : stream_(std::make_unique<z_stream>()) {
  if (deflateInit2(stream_.get(), level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
}

GzipEncoder::~GzipEncoder() {
  deflateEnd(stream_.get());
}

std::string GzipEncoder::update(std::string_view chunk) {
  std::string out;
  deflate_into(chunk, Z_NO_FLUSH, out);
  return out;
}

std::string GzipEncoder::finish() {
  std::string out;
  deflate_into({}, Z_FINISH, out);
  finished_ = true;
  return out;
}

void GzipEncoder::deflate_into(std::string_view input, int flush, std::string& out) {
  if (finished_) throw std::logic_error("the gzip stream is finished");
  // avail_in is 32 bits wide.
  constexpr std::size_t kSlice = std::size_t{1} << 30;
  auto& z = *stream_;
  do {
    const auto slice = input.substr(0, kSlice);
    input.remove_prefix(slice.size());
    const int mode = input.empty() ? flush : Z_NO_FLUSH;
    z.next_in = reinterpret_cast<const Bytef*>(slice.data());
    z.avail_in = static_cast<uInt>(slice.size());
    int rc = Z_OK;
    do {
      const auto used = out.size();
      const auto room = std::clamp<std::size_t>(deflateBound(&z, z.avail_in), 1024, 256 * 1024);
      out.resize(used + room);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      z.avail_out = static_cast<uInt>(room);
      rc = deflate(&z, mode);
      out.resize(used + room - z.avail_out);
      if (rc == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    } while (z.avail_out == 0 || (mode == Z_FINISH && rc != Z_STREAM_END));
  } while (!input.empty());
}

std::string gzip(std::string_view data, int level) {
  GzipEncoder encoder(level);
  auto out = encoder.update(data);
  out += encoder.finish();
  return out;
}

AnswerCoding::AnswerCoding(Message& request) {
  std::string accepted;
  const auto [first, last] = request.equal_range(field::accept_encoding);
  for (auto f = first; f != last; ++f) {
    if (!accepted.empty()) accepted += ',';
    accepted += f->value();
  }
  gzip_accepted_ = accepts_gzip(accepted);
  head_ = request.method() == beast_http::verb::head;
  ranged_ = request.count(field::range) > 0;
  chunkable_ = request.version() >= 11;
  if_none_match_ = std::string(request[field::if_none_match]);
  for (const auto name : {field::if_none_match, field::if_match}) {
    std::string tags(request[name]);
    bool changed = false;
    for (auto at = tags.find("-gzip\""); at != std::string::npos; at = tags.find("-gzip\"", at)) {
      tags.erase(at, 5);
      changed = true;
    }
    if (changed) request.set(name, tags);
  }
}

AnswerCoding::Plan AnswerCoding::plan(const Response& response, bool streamed) const {
  Plan plan;
  if (response.count(field::content_encoding)) return plan;
  const auto status = response.result();
  // A 304 carries the Vary of the 200 it stands for (RFC 9110 §15.4.5).
  if (status == beast_http::status::not_modified) {
    plan.vary = true;
    return plan;
  }
  if (response.result_int() < 200 || status == beast_http::status::no_content ||
      status == beast_http::status::partial_content)
    return plan;
  if (!compressible_type(response[field::content_type])) return plan;
  plan.vary = true;
  if (!gzip_accepted_ || head_ || ranged_ || response.chunked()) return plan;
  if (streamed) {
    const auto length = declared_length(response);
    plan.gzip = chunkable_ && (!length || *length > kCompressMinBytes);
  } else {
    plan.gzip = response.body().size() > kCompressMinBytes;
  }
  return plan;
}

asio::awaitable<void> AnswerCoding::apply(Response& response, std::shared_ptr<BodySource>& streamed,
                                          asio::thread_pool& blocking) const {
  const auto planned = plan(response, streamed != nullptr);
  if (planned.vary) add_vary(response);
  const std::string etag(response[field::etag]);
  if (response.result() == beast_http::status::not_modified && !etag.empty()) {
    auto held = gzip_etag(etag);
    if (if_none_match_.find(held) != std::string::npos) response.set(field::etag, held);
  }
  if (!planned.gzip) co_return;
  if (streamed) {
    streamed = std::make_shared<GzipChunks>(std::move(streamed), blocking);
    response.erase(field::content_length);
    response.chunked(true);
  } else {
    std::string coded;
    try {
      if (response.body().size() > kCompressInlineMaxBytes) {
        auto compress = [&plain = response.body()] { return gzip(plain); };
        coded = co_await run_blocking(blocking, std::move(compress));
      } else {
        coded = gzip(response.body());
      }
    } catch (const std::exception& e) {
      spdlog::error("an answer could not be compressed, sent as it is: {}", e.what());
      co_return;
    }
    response.body() = std::move(coded);
    response.content_length(response.body().size());
  }
  response.set(field::content_encoding, "gzip");
  if (!etag.empty()) response.set(field::etag, gzip_etag(etag));
}

}  // namespace crmd::http
