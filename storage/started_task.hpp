// Blocking work started now and awaited later: one stage of a pipeline, so
// that the disk takes the next chunk of an upload, or reads the next chunk
// of a download, while the network carries this one.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>

namespace crmd {

template <class T>
class StartedTask {
 public:
  // Runs f() on pool; result() is awaited on io.
  template <class F>
  static std::shared_ptr<StartedTask> start(boost::asio::thread_pool& pool,
                                            boost::asio::any_io_executor io, F f) {
    auto task = std::shared_ptr<StartedTask>(new StartedTask(std::move(io)));
    boost::asio::post(pool, [task, f = std::move(f)]() mutable {
      try {
        if constexpr (std::is_void_v<T>)
          f();
        else
          task->value_.emplace(f());
      } catch (...) {
        task->error_ = std::current_exception();
      }
      task->done_.try_send(boost::system::error_code{});
    });
    return task;
  }

  // The work's result (or its exception), once it has run.
  boost::asio::awaitable<T> result() {
    co_await done_.async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<T>) co_return std::move(*value_);
  }

 private:
  explicit StartedTask(boost::asio::any_io_executor io) : done_(std::move(io), 1) {}

  using Value = std::conditional_t<std::is_void_v<T>, bool, T>;
  // The channel's send and receive order the writes above before the reads.
  boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> done_;
  std::optional<Value> value_;
  std::exception_ptr error_;
};

}  // namespace crmd
