// Runs blocking work (disk, libpq's connect start, cancel requests, password
// hashing) on the blocking thread pool and resumes the caller on its own
// executor, so no I/O thread ever waits on it.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace crmd {

template <class F>
auto run_blocking(boost::asio::thread_pool& pool, F f)
    -> boost::asio::awaitable<std::invoke_result_t<F>> {
  using R = std::invoke_result_t<F>;
  co_return co_await boost::asio::co_spawn(
      pool, [f = std::move(f)]() mutable -> boost::asio::awaitable<R> { co_return f(); },
      boost::asio::use_awaitable);
}

}  // namespace crmd
