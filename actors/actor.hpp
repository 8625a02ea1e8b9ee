// The actor runtime: an actor is a strand plus the state it owns. call(fn)
// runs fn on the actor's strand and hands its result (or exception) back to
// the caller's executor. The mailbox is bounded: past the limit a call fails
// at once with 503 instead of queueing without end.
//
// fn may be a plain function or return an awaitable; across a co_await
// inside fn other calls on the same actor may run, so state must be
// re-checked after every suspension.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <type_traits>

#include "domain/common/error.hpp"
#include "storage/async.hpp"

namespace crmd::actors {

namespace detail {
template <class T>
struct awaitable_value {
  using type = T;
  static constexpr bool is_awaitable = false;
};
template <class T, class E>
struct awaitable_value<boost::asio::awaitable<T, E>> {
  using type = T;
  static constexpr bool is_awaitable = true;
};
}  // namespace detail

class Actor {
 public:
  using Executor = boost::asio::strand<boost::asio::any_io_executor>;

  Actor(const boost::asio::any_io_executor& io, std::string name, std::size_t mailbox_limit)
      : strand_(boost::asio::make_strand(io)), name_(std::move(name)), limit_(mailbox_limit) {}
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  template <class F>
  auto call(F fn)
      -> boost::asio::awaitable<typename detail::awaitable_value<std::invoke_result_t<F&>>::type> {
    using Traits = detail::awaitable_value<std::invoke_result_t<F&>>;
    using R = typename Traits::type;
    if (depth_.fetch_add(1, std::memory_order_relaxed) >= limit_) {
      depth_.fetch_sub(1, std::memory_order_relaxed);
      throw Error(ErrorKind::unavailable, "overloaded", "the " + name_ + " service is overloaded");
    }
    DepthGuard guard{depth_};
    co_return co_await spawn_and_wait(strand_,
                                      run_in_frame<Traits::is_awaitable, R>(std::move(fn)));
  }

  const std::string& name() const { return name_; }
  std::size_t mailbox_depth() const { return depth_.load(std::memory_order_relaxed); }
  const Executor& executor() const { return strand_; }

 private:
  // fn lives in this frame for as long as its body runs.
  template <bool IsAwaitable, class R, class F>
  static boost::asio::awaitable<R> run_in_frame(F fn) {
    if constexpr (IsAwaitable)
      co_return co_await fn();
    else
      co_return fn();
  }

  struct DepthGuard {
    std::atomic<std::size_t>& depth;
    ~DepthGuard() { depth.fetch_sub(1, std::memory_order_relaxed); }
  };

  Executor strand_;
  std::string name_;
  std::size_t limit_;
  std::atomic<std::size_t> depth_{0};
};

}  // namespace crmd::actors
