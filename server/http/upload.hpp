// A request body the connection streamed to a file because its route takes
// uploads (RouteOptions::upload): the handler moves the file where it
// belongs, else it is removed with the request.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <string>

namespace crmd::http {

class Upload {
 public:
  Upload(std::string path, std::uint64_t size, std::string digest,
         boost::asio::thread_pool& blocking)
      : path_(std::move(path)), size_(size), digest_(std::move(digest)), blocking_(blocking) {}
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  const std::string& digest() const { return digest_; }  // SHA-256, hex

  // Renames the file to path; from then on it is the caller's.
  boost::asio::awaitable<void> move_to(std::string path);

 private:
  std::string path_;
  std::uint64_t size_;
  std::string digest_;
  boost::asio::thread_pool& blocking_;
  bool moved_ = false;
};

}  // namespace crmd::http
