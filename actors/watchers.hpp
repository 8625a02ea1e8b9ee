// Long polling: requests waiting for something to change park here, and the
// one LISTEN of this process on the channel wakes them (whichever process
// made the change). On crmd_jobs a notification names a job and its version
// ("<id> <version>") and wakes the waiters of that job past that version;
// one without an id (crmd_events) wakes every waiter. Waiting costs a timer,
// not a database connection. After the LISTEN connection was lost every
// waiter wakes to read again; at shutdown every waiter wakes and no new one
// waits.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "domain/common/uuid.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

struct UuidHash {
  std::size_t operator()(const Uuid& id) const {
    std::size_t h = 0;
    for (auto b : id.bytes()) h = h * 131 + b;
    return h;
  }
};

class Watchers {
  struct Waiter;

 public:
  using Ticket = std::shared_ptr<Waiter>;

  Watchers(std::string channel, std::size_t max_per_caller)
      : channel_(std::move(channel)), max_per_caller_(max_per_caller) {}

  // Follows the channel until the listener closes.
  boost::asio::awaitable<void> follow(pg::Listener& listener);

  // Registers a wait for the job's version to pass after_version (any key
  // and version for a channel without ids) (then the
  // caller reads the job again, so that no change slips between its read and
  // the wait), and waits up to timeout. Error{rate_limited} past
  // max_per_caller waits; null after shutdown (answer at once).
  Ticket park(const Uuid& job, std::int64_t after_version, const std::string& caller,
              const boost::asio::any_io_executor& executor, std::chrono::milliseconds timeout);
  // Waits until woken or timed out, then leaves.
  boost::asio::awaitable<void> wait(Ticket ticket);
  void leave(const Ticket& ticket);

  void shut_down();
  std::size_t parked();

 private:
  struct Waiter {
    Uuid job;
    std::string caller;
    boost::asio::any_io_executor executor;
    std::shared_ptr<boost::asio::steady_timer> timer;
    std::int64_t after_version;
    bool parked = true;
  };
  void wake(const Uuid& job, std::int64_t version);
  void wake_all();

  std::string channel_;
  std::size_t max_per_caller_;
  std::mutex mutex_;
  bool shut_down_ = false;
  std::unordered_multimap<Uuid, Ticket, UuidHash> waiters_;
  std::map<std::string, std::size_t> per_caller_;
};

// Leaves the wait however the waiting request ends.
struct LeaveOnExit {
  Watchers& watchers;
  Watchers::Ticket ticket;
  ~LeaveOnExit() { watchers.leave(ticket); }
};

}  // namespace crmd::actors
