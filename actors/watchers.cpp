#include "actors/watchers.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "domain/common/error.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

namespace {

// A timer is only touched on its own executor. Moving its expiry into the
// past, rather than cancelling, also ends a wait that has not begun yet (the
// waiter may still be reading the job when it is woken).
void end_wait_on_its_executor(const std::shared_ptr<asio::steady_timer>& timer,
                              const asio::any_io_executor& executor) {
  asio::post(executor, [timer] { timer->expires_at(asio::steady_timer::time_point::min()); });
}

}  // namespace

asio::awaitable<void> Watchers::follow(pg::Listener& listener) {
  try {
    auto subscription = co_await listener.subscribe(channel_);
    // Requests parked before the LISTEN took effect may have missed a change.
    wake_all();
    while (true) {
      const auto n = co_await subscription->next();
      if (n.missed) wake_all();
      const auto space = n.payload.find(' ');
      auto id = Uuid::parse(std::string_view(n.payload).substr(0, space));
      std::int64_t version = 0;
      if (space != std::string::npos) {
        const auto text = std::string_view(n.payload).substr(space + 1);
        std::from_chars(text.data(), text.data() + text.size(), version);
      }
      if (id)
        wake(*id, version);
      else
        wake_all();
    }
  } catch (const std::exception&) {
    // The listener closed (shutdown).
  }
  wake_all();
}

Watchers::Ticket Watchers::park(const Uuid& job, std::int64_t after_version,
                                const std::string& caller, const asio::any_io_executor& executor,
                                std::chrono::milliseconds timeout) {
  auto ticket = std::make_shared<Waiter>(
      Waiter{job, caller, executor, std::make_shared<asio::steady_timer>(executor, timeout),
             after_version});
  std::lock_guard lock(mutex_);
  if (shut_down_) return nullptr;
  auto& count = per_caller_[caller];
  if (count >= max_per_caller_) {
    Error error(ErrorKind::rate_limited, "too_many_waits",
                "too many requests of this caller are waiting");
    error.retry_after(1);
    throw error;
  }
  ++count;
  waiters_.emplace(job, ticket);
  return ticket;
}

asio::awaitable<void> Watchers::wait(Ticket ticket) {
  boost::system::error_code ignored;
  co_await ticket->timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  leave(ticket);
}

void Watchers::leave(const Ticket& ticket) {
  if (!ticket) return;
  std::lock_guard lock(mutex_);
  if (!ticket->parked) return;
  ticket->parked = false;
  for (auto [it, end] = waiters_.equal_range(ticket->job); it != end; ++it)
    if (it->second == ticket) {
      waiters_.erase(it);
      break;
    }
  if (--per_caller_[ticket->caller] == 0) per_caller_.erase(ticket->caller);
}

void Watchers::wake(const Uuid& job, std::int64_t version) {
  std::lock_guard lock(mutex_);
  for (auto [it, end] = waiters_.equal_range(job); it != end; ++it)
    if (version > it->second->after_version)
      end_wait_on_its_executor(it->second->timer, it->second->executor);
}

void Watchers::wake_all() {
  std::lock_guard lock(mutex_);
  for (auto& [id, waiter] : waiters_) end_wait_on_its_executor(waiter->timer, waiter->executor);
}

std::size_t Watchers::parked() {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

void Watchers::shut_down() {
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
  }
  wake_all();
}

}  // namespace crmd::actors
