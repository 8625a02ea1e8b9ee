// The end of a background loop, for a shutdown to wait on before it closes
// what the loop uses: a transaction cut off by a closing pool keeps its
// connection, and the loop's frame, alive for good.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace crmd::actors {

class LoopEnd {
 public:
  explicit LoopEnd(boost::asio::any_io_executor io) : ended_(std::move(io), 1) {}
  // From any thread, once.
  void ended() { ended_.try_send(boost::system::error_code{}); }
  boost::asio::awaitable<void> wait() {
    co_await ended_.async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
  }

 private:
  boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> ended_;
};

}  // namespace crmd::actors
