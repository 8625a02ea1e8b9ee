// Runs blocking work (disk, libpq's connect start, password hashing) on the
// blocking thread pool and resumes the caller on its own executor, so no
// I/O thread ever waits on it.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <type_traits>

#include "storage/async.hpp"

namespace crmd {

template <class F>
auto run_blocking(boost::asio::thread_pool& pool, F f)
    -> boost::asio::awaitable<std::invoke_result_t<F>> {
  return spawn_and_wait(pool.get_executor(), invoke_in_frame(std::move(f)));
}

}  // namespace crmd
