// LISTEN/NOTIFY on a dedicated connection. Subscribers read notifications
// as an async stream. After the connection is lost and re-established the
// listener LISTENs again and hands every subscriber a notification with
// `missed` set: what was sent in between is not replayed. A connection that
// does not answer its periodic ping (ConnectOptions::ping_interval) in time
// counts as lost, so a half-open TCP connection is found and replaced.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "storage/pg/socket.hpp"

namespace crmd::pg {

struct Notification {
  std::string channel;
  std::string payload;
  bool missed = false;  // notifications may have been lost before this one
};

class Listener;

class Subscription {
 public:
  using Channel =
      boost::asio::experimental::concurrent_channel<void(boost::system::error_code, Notification)>;
  Subscription(boost::asio::any_io_executor executor, std::string channel, std::size_t capacity);

  // The next notification; throws Error{closed} once the listener closed.
  boost::asio::awaitable<Notification> next();
  const std::string& channel() const { return channel_; }

 private:
  friend class Listener;
  void deliver(Notification notification);

  std::string channel_;
  Channel queue_;
  bool overflowed_ = false;  // guarded by the listener's strand
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::any_io_executor io, boost::asio::thread_pool& blocking,
           ConnectOptions options);
  ~Listener();

  void start();
  void close();

  // Subscribes to channel and returns once the server confirmed LISTEN.
  // Dropping the subscription stops delivery to it.
  boost::asio::awaitable<std::shared_ptr<Subscription>> subscribe(std::string channel,
                                                                  std::size_t capacity = 1024);

 private:
  using Signal = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  struct Request {
    std::string channel;
    std::shared_ptr<Signal> done;
  };

  boost::asio::awaitable<void> run(std::shared_ptr<Listener> self);
  boost::asio::awaitable<void> serve_connection();
  boost::asio::awaitable<void> listen(const std::string& channel);
  // exec with the ping interval as its deadline. Throws Error{connection_lost}.
  boost::asio::awaitable<void> exec_in_time(const std::string& sql);
  struct Alarm;
  // Cancels the socket's waits at `at`, unless disarmed first.
  std::shared_ptr<Alarm> arm(std::chrono::steady_clock::time_point at);
  void disarm(Alarm& alarm);
  void dispatch_notifications();
  void broadcast_missed();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::thread_pool& blocking_;
  ConnectOptions options_;
  Socket socket_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer alarm_timer_;
  bool closed_ = false;
  bool idle_ = false;  // strand only: waiting for notifications, which subscribe() may cut short

  std::mutex mutex_;  // guards the two members below
  std::vector<Request> requests_;
  std::multimap<std::string, std::weak_ptr<Subscription>> subscribers_;

  std::set<std::string> listening_;  // strand only
  bool served_ = false;              // strand only: a connection has LISTENed before
};

}  // namespace crmd::pg
