#include "storage/pg/listener.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>

namespace crmd::pg {
namespace asio = boost::asio;

Subscription::Subscription(asio::any_io_executor executor, std::string channel,
                           std::size_t capacity)
    : channel_(std::move(channel)), queue_(std::move(executor), capacity) {}

asio::awaitable<Notification> Subscription::next() {
  boost::system::error_code ec;
  auto notification = co_await queue_.async_receive(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw Error(ErrorKind::closed, "the listener is closed");
  co_return notification;
}

void Subscription::deliver(Notification notification) {
  if (overflowed_) notification.missed = true;
  overflowed_ = !queue_.try_send(boost::system::error_code{}, std::move(notification));
}

Listener::Listener(asio::any_io_executor io, asio::thread_pool& blocking, ConnectOptions options)
    : strand_(asio::make_strand(io)),
      blocking_(blocking),
      options_(std::move(options)),
      socket_(strand_),
      retry_timer_(strand_),
      alarm_timer_(strand_) {
  if (options_.ping_interval <= std::chrono::milliseconds::zero())
    options_.ping_interval = ConnectOptions{}.ping_interval;
  // TCP keepalives too: they find a dead peer even while a ping is not due.
  if (options_.keepalive_idle == std::chrono::seconds::zero())
    options_.keepalive_idle = std::max(
        std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(options_.ping_interval));
}

Listener::~Listener() = default;

void Listener::start() {
  asio::co_spawn(strand_, run(shared_from_this()), asio::detached);
}

void Listener::close() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    self->retry_timer_.cancel();
    self->alarm_timer_.cancel();
    self->socket_.cancel();
    std::lock_guard lock(self->mutex_);
    for (auto& [channel, weak] : self->subscribers_)
      if (auto sub = weak.lock()) sub->queue_.close();
    for (auto& request : self->requests_) request.done->close();
    self->requests_.clear();
  });
}

asio::awaitable<std::shared_ptr<Subscription>> Listener::subscribe(std::string channel,
                                                                   std::size_t capacity) {
  auto executor = co_await asio::this_coro::executor;
  auto subscription = std::make_shared<Subscription>(executor, channel, capacity);
  auto done = std::make_shared<Signal>(executor, 1);
  {
    std::lock_guard lock(mutex_);
    subscribers_.emplace(channel, subscription);
    requests_.push_back({std::move(channel), done});
  }
  // Wake the loop so it LISTENs now. Only its idle wait: cancelling a LISTEN
  // or ping under way would fail the connection.
  asio::dispatch(strand_, [self = shared_from_this()] {
    if (self->idle_) self->socket_.cancel();
  });
  boost::system::error_code ec;
  co_await done->async_receive(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw Error(ErrorKind::closed, "the listener is closed");
  co_return subscription;
}

// self: the frame keeps the object alive from creation to destruction.
asio::awaitable<void> Listener::run(std::shared_ptr<Listener> self) {
  auto backoff = std::chrono::milliseconds(100);
  while (!closed_) {
    try {
      co_await socket_.connect(options_, blocking_);
      backoff = std::chrono::milliseconds(100);
      co_await serve_connection();
    } catch (const Error& e) {
      if (!closed_) spdlog::warn("LISTEN connection lost: {}", e.what());
    }
    socket_.close();
    listening_.clear();
    if (closed_) break;
    retry_timer_.expires_after(backoff);
    boost::system::error_code ec;
    co_await retry_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

asio::awaitable<void> Listener::serve_connection() {
  using Clock = std::chrono::steady_clock;
  std::set<std::string> wanted;
  {
    std::lock_guard lock(mutex_);
    for (auto& [channel, weak] : subscribers_) wanted.insert(channel);
  }
  for (const auto& channel : wanted) co_await listen(channel);
  if (served_) broadcast_missed();
  served_ = true;

  auto next_ping = Clock::now() + options_.ping_interval;
  while (!closed_) {
    // A request leaves the queue only once its LISTEN is confirmed: if the
    // connection drops first, it is served after the reconnect.
    for (;;) {
      std::optional<Request> request;
      {
        std::lock_guard lock(mutex_);
        if (requests_.empty()) break;
        request = requests_.front();
      }
      if (!listening_.contains(request->channel)) co_await listen(request->channel);
      {
        std::lock_guard lock(mutex_);
        if (!requests_.empty() && requests_.front().done == request->done)
          requests_.erase(requests_.begin());
      }
      request->done->try_send(boost::system::error_code{});
    }
    dispatch_notifications();
    if (Clock::now() >= next_ping) {
      co_await exec_in_time("SELECT 1");
      next_ping = Clock::now() + options_.ping_interval;
      continue;
    }
    auto alarm = arm(next_ping);  // ends the wait when the ping is due
    idle_ = true;
    const bool readable = co_await socket_.wait_readable();
    idle_ = false;
    disarm(*alarm);
    if (closed_) break;
    if (readable) {
      if (PQconsumeInput(socket_.conn()) == 0)
        throw Error(ErrorKind::connection_lost, socket_.last_error());
      while (PGresult* stray = PQgetResult(socket_.conn())) PQclear(stray);
    }
    if (PQstatus(socket_.conn()) == CONNECTION_BAD)
      throw Error(ErrorKind::connection_lost, socket_.last_error());
  }
}

asio::awaitable<void> Listener::listen(const std::string& channel) {
  char* quoted = PQescapeIdentifier(socket_.conn(), channel.c_str(), channel.size());
  if (!quoted) throw Error(ErrorKind::connection_lost, socket_.last_error());
  const std::string sql = "LISTEN " + std::string(quoted);
  PQfreemem(quoted);
  co_await exec_in_time(sql);
  listening_.insert(channel);
}

struct Listener::Alarm {
  bool armed = true;
  bool rang = false;
};

std::shared_ptr<Listener::Alarm> Listener::arm(std::chrono::steady_clock::time_point at) {
  auto alarm = std::make_shared<Alarm>();
  alarm_timer_.expires_at(at);
  // Owns what it reads: its alarm, and the listener only if still there. A
  // handler already queued when the wait ended finds its alarm disarmed.
  alarm_timer_.async_wait([weak = weak_from_this(), alarm](boost::system::error_code ec) {
    if (ec || !alarm->armed) return;
    auto self = weak.lock();
    if (!self) return;
    alarm->rang = true;
    self->socket_.cancel();
  });
  return alarm;
}

void Listener::disarm(Alarm& alarm) {
  alarm.armed = false;
  alarm_timer_.cancel();
}

asio::awaitable<void> Listener::exec_in_time(const std::string& sql) {
  auto alarm = arm(std::chrono::steady_clock::now() + options_.ping_interval);
  std::exception_ptr error;
  try {
    co_await socket_.exec(sql);
  } catch (...) {
    error = std::current_exception();
  }
  disarm(*alarm);
  if (alarm->rang)
    throw Error(ErrorKind::connection_lost, "no answer from PostgreSQL within " +
                                                std::to_string(options_.ping_interval.count()) +
                                                " ms");
  if (error) std::rethrow_exception(error);
}

void Listener::dispatch_notifications() {
  std::lock_guard lock(mutex_);
  while (PGnotify* raw = PQnotifies(socket_.conn())) {
    std::string channel = raw->relname;
    std::string payload = raw->extra ? raw->extra : "";
    PQfreemem(raw);
    auto [first, last] = subscribers_.equal_range(channel);
    for (auto it = first; it != last;) {
      if (auto sub = it->second.lock()) {
        sub->deliver({channel, payload, false});
        ++it;
      } else {
        it = subscribers_.erase(it);
      }
    }
  }
}

void Listener::broadcast_missed() {
  std::lock_guard lock(mutex_);
  for (auto& [channel, weak] : subscribers_)
    if (auto sub = weak.lock()) sub->deliver({channel, "", true});
}

}  // namespace crmd::pg
