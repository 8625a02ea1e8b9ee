// The answer of a file download: 200 with the whole file, 206 with the one
// range a Range header asked for, 416 for a range outside it; the body
// streamed from wherever open() reads it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/http/body_source.hpp"
#include "server/http/request.hpp"

namespace crmd::http {

struct Download {
  std::uint64_t size = 0;
  std::string content_type;
  std::string file_name;  // for Content-Disposition: attachment
  // The body of `length` bytes from `first`.
  std::function<boost::asio::awaitable<std::shared_ptr<BodySource>>(std::uint64_t first,
                                                                    std::uint64_t length)>
      open;
};

boost::asio::awaitable<Response> download_response(Request& request, Download download);

// Content-Disposition: attachment with the name as an ASCII fallback and as
// RFC 8187 UTF-8 (filename*), quotes and controls left out of the former.
std::string attachment_disposition(std::string_view file_name);

// length bytes from first, read `chunk` bytes at a time by read(first,
// last) (inclusive): a remote file streamed without being held whole.
using RangeReader =
    std::function<boost::asio::awaitable<std::string>(std::uint64_t first, std::uint64_t last)>;
std::shared_ptr<BodySource> range_source(RangeReader read, std::uint64_t first,
                                         std::uint64_t length, std::uint64_t chunk);

}  // namespace crmd::http
