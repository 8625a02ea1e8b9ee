// A response body too large to hold in memory. A handler that sets
// Request::streamed_body answers a response with an empty body and its
// Content-Length set; the connection writes that header, then each chunk
// next() answers until it answers an empty one.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <memory>
#include <string>

namespace crmd::http {

class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual boost::asio::awaitable<std::string> next() = 0;
};

// length bytes of the file at path from offset, read on the blocking pool;
// throws std::runtime_error when the file cannot be opened.
boost::asio::awaitable<std::shared_ptr<BodySource>> file_source(boost::asio::thread_pool& blocking,
                                                                std::string path,
                                                                std::uint64_t offset,
                                                                std::uint64_t length);

}  // namespace crmd::http
