// Awaiting work that runs on another executor (a strand, the blocking pool).
//
// Why not `co_await co_spawn(ex, work, use_awaitable)`: with Boost 1.81 and
// g++ 12, use_awaitable's initiation is a coroutine whose by-value
// arguments get destroyed twice, so anything non-trivial handed through it
// (an awaitable, a lambda holding a shared_ptr) is freed early. Here only a
// raw pointer crosses that boundary; co_spawn itself gets a plain handler.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>

namespace crmd {

namespace detail {

template <class T>
struct SpawnState {
  boost::asio::awaitable<T> work;
  boost::asio::any_io_executor executor;
};

template <class T>
struct SpawnSignatureOf {
  using type = void(std::exception_ptr, T);
};
template <>
struct SpawnSignatureOf<void> {
  using type = void(std::exception_ptr);
};
template <class T>
using SpawnSignature = typename SpawnSignatureOf<T>::type;

}  // namespace detail

template <class T, class Executor>
boost::asio::awaitable<T> spawn_and_wait(Executor executor, boost::asio::awaitable<T> work) {
  auto* state = new detail::SpawnState<T>{std::move(work), boost::asio::any_io_executor(executor)};
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>,
                                                 detail::SpawnSignature<T>>(
      [](auto handler, detail::SpawnState<T>* raw) {
        std::unique_ptr<detail::SpawnState<T>> owned(raw);
        auto resume_on = boost::asio::get_associated_executor(handler);
        if constexpr (std::is_void_v<T>) {
          boost::asio::co_spawn(
              owned->executor, std::move(owned->work),
              [handler = std::move(handler), resume_on](std::exception_ptr e) mutable {
                boost::asio::dispatch(resume_on, [handler = std::move(handler), e]() mutable {
                  std::move(handler)(e);
                });
              });
        } else {
          boost::asio::co_spawn(
              owned->executor, std::move(owned->work),
              [handler = std::move(handler), resume_on](std::exception_ptr e, T value) mutable {
                boost::asio::dispatch(resume_on, [handler = std::move(handler), e,
                                                  value = std::move(value)]() mutable {
                  std::move(handler)(e, std::move(value));
                });
              });
        }
      },
      boost::asio::use_awaitable, state);
}

// Calls fn() inside a coroutine frame of its own: its captures live in the
// frame, not in a lambda object that may be gone when the body runs.
template <class F>
auto invoke_in_frame(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  co_return fn();
}

}  // namespace crmd
