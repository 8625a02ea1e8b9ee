#include "server/http/download.hpp"

#include "server/http/byte_range.hpp"
#include "server/http/errors.hpp"

namespace crmd::http {
namespace asio = boost::asio;
using beast_http::field;
using beast_http::status;

namespace {

class RangeSource : public BodySource {
 public:
  RangeSource(RangeReader read, std::uint64_t first, std::uint64_t length, std::uint64_t chunk)
      : read_(std::move(read)), next_(first), left_(length), chunk_(chunk) {}

  asio::awaitable<std::string> next() override {
    if (left_ == 0) co_return std::string();
    const auto n = std::min(left_, chunk_);
    auto bytes = co_await read_(next_, next_ + n - 1);
    if (bytes.size() != n) throw std::runtime_error("the remote file ended early");
    next_ += n;
    left_ -= n;
    co_return bytes;
  }

 private:
  RangeReader read_;
  std::uint64_t next_, left_, chunk_;
};

}  // namespace

std::shared_ptr<BodySource> range_source(RangeReader read, std::uint64_t first,
                                         std::uint64_t length, std::uint64_t chunk) {
  return std::make_shared<RangeSource>(std::move(read), first, length, chunk);
}

std::string attachment_disposition(std::string_view file_name) {
  std::string ascii, encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : file_name) {
    const bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    ascii.push_back(plain ? static_cast<char>(c) : '_');
    if (std::isalnum(c) ||
        std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 15]);
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

asio::awaitable<Response> download_response(Request& request, Download download) {
  const auto size = download.size;
  ByteRange range{0, size ? size - 1 : 0};
  const auto answer = read_range(request.message[field::range], size, range);
  if (answer == RangeAnswer::unsatisfiable) {
    auto response =
        error_response(Error(ErrorKind::range_not_satisfiable, "range_not_satisfiable",
                             "the range is outside the file's " + std::to_string(size) + " bytes"),
                       request.request_id);
    response.set(field::content_range, "bytes */" + std::to_string(size));
    co_return response;
  }
  const bool partial = answer == RangeAnswer::partial;
  const std::uint64_t length = size ? range.length() : 0;
  Response response(partial ? status::partial_content : status::ok, request.message.version());
  response.set(field::content_type, download.content_type);
  response.set(field::content_disposition, attachment_disposition(download.file_name));
  response.set(field::accept_ranges, "bytes");
  response.set(field::cache_control, "private, no-store");
  response.set("X-Content-Type-Options", "nosniff");
  if (partial)
    response.set(field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                           std::to_string(range.last) + "/" + std::to_string(size));
  response.content_length(length);
  if (length > 0) request.streamed_body = co_await download.open(range.first, length);
  co_return response;
}

}  // namespace crmd::http
