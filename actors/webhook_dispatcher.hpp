// Webhook delivery, in every process. The dispatcher wakes on each commit
// that wrote events (NOTIFY crmd_events) and at least every second for
// retries. It copies the events after each active subscription's cursor
// into deliveries (moving the cursor in the same transaction, so whichever
// process does it, each event is queued once), then leases each
// subscription's oldest pending delivery, posts it signed, and records the
// outcome: at least once, in event order per subscription, across
// processes. Failures retry with exponential backoff and full jitter for
// webhooks::kRetryFor; kMaxConsecutiveFailures in a row disable the
// subscription, with a webhook.disabled event.
//
// Not jobs of the job pool (DESIGN "Jobs"): a job runs a finite piece of
// work; delivery is a queue per subscription whose head must go first, and
// the lease on that head row is what keeps two processes from sending a
// subscription's events out of order.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <memory>

#include "actors/loop_end.hpp"
#include "storage/events/feed.hpp"
#include "storage/pg/listener.hpp"
#include "storage/web/http_client.hpp"
#include "storage/webhooks/repository.hpp"

namespace crmd::actors {

struct WebhookDispatcherOptions {
  // Allows http:// and private, loopback and link-local targets (tests,
  // private deployments): CRMD_WEBHOOKS_ALLOW_PRIVATE.
  bool allow_private = false;
  std::size_t max_in_flight = 16;  // deliveries sent at once by this process
  std::chrono::milliseconds retry_base{5000};
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(boost::asio::any_io_executor io, pg::Pool& pool, storage::EventFeed& feed,
                    web::HttpClient& http, WebhookDispatcherOptions options);

  void start(pg::Listener& listener);
  void stop();
  // After stop(): once the delivery loop has ended (see loop_end.hpp).
  boost::asio::awaitable<void> stopped();
  // Sends a webhook.ping event to the subscription now and records it.
  boost::asio::awaitable<webhooks::Delivery> ping(const webhooks::Webhook& webhook);

 private:
  struct Sent {
    std::optional<std::int32_t> status_code;
    std::int64_t latency_ms = 0;
    std::optional<std::string> error;
    std::optional<std::chrono::milliseconds> retry_after;
  };
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> follow(pg::Listener& listener);
  boost::asio::awaitable<void> queue_events();
  boost::asio::awaitable<void> deliver(storage::LeasedDelivery delivery);
  storage::WebhookRepository::Outcome outcome_of(const Sent& sent,
                                                 const storage::LeasedDelivery& delivery) const;
  boost::asio::awaitable<Sent> send(const storage::WebhookTarget& target,
                                    const std::string& event_id, const std::string& event_type,
                                    const std::string& body);
  void wake();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  pg::Pool& pool_;
  storage::EventFeed& feed_;
  web::HttpClient& http_;
  WebhookDispatcherOptions options_;
  storage::WebhookRepository repository_;
  std::string owner_;  // this process's name on the leases it takes
  boost::asio::steady_timer timer_;
  std::size_t in_flight_ = 0;  // on the strand
  bool woken_ = false;         // on the strand: woken since the round began
  std::atomic<bool> stopping_{false};
  std::shared_ptr<LoopEnd> ended_;
};

}  // namespace crmd::actors
