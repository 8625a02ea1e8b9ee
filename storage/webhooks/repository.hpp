// The SQL of webhook subscriptions and their deliveries.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/page.hpp"
#include "domain/webhooks/webhook.hpp"
#include "storage/events/feed.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// What the dispatcher needs of a subscription.
struct WebhookTarget {
  webhooks::Webhook webhook;
  FeedPosition cursor;
  std::vector<std::string> secrets;  // the current one, then a rotated-out one still valid
};

// A delivery leased to one process, with what it sends.
struct LeasedDelivery {
  std::int64_t id = 0;
  std::int32_t attempts = 0;  // this one included
  std::string event_type, event_id, payload;
  Timestamp queued_at;
  WebhookTarget target;
};

class WebhookRepository {
 public:
  explicit WebhookRepository(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<std::vector<Listed<webhooks::Webhook>>> list(
      std::size_t limit, const std::optional<PagePosition>& from);
  boost::asio::awaitable<std::optional<webhooks::Webhook>> find(const Uuid& id);
  boost::asio::awaitable<std::optional<webhooks::Webhook>> lock(pg::Transaction& tx,
                                                                const Uuid& id);
  // Follows the events committed from now on.
  boost::asio::awaitable<webhooks::Webhook> insert(pg::Transaction& tx,
                                                   const webhooks::WebhookChanges& changes,
                                                   const std::string& secret,
                                                   const std::optional<Uuid>& created_by);
  // Turning a subscription on again clears its failure count.
  boost::asio::awaitable<webhooks::Webhook> update(pg::Transaction& tx, const Uuid& id,
                                                   const webhooks::WebhookChanges& changes);
  boost::asio::awaitable<void> remove(pg::Transaction& tx, const Uuid& id);
  // The old secret stays valid for `overlap`.
  boost::asio::awaitable<webhooks::Webhook> rotate_secret(pg::Transaction& tx, const Uuid& id,
                                                          const std::string& secret,
                                                          std::chrono::seconds overlap);

  // ---- the dispatcher's
  boost::asio::awaitable<std::vector<WebhookTarget>> active_targets();
  boost::asio::awaitable<std::optional<WebhookTarget>> target(const Uuid& id);
  // Queues the events for the subscription and moves its cursor to next,
  // unless another process moved it from `from` first (then false).
  boost::asio::awaitable<bool> queue(const Uuid& webhook, FeedPosition from, FeedPosition next,
                                     const std::vector<events::Event>& events);
  // Leases, for each subscription with one due (or only the given one), its
  // oldest pending delivery (none while that one is leased): at most limit.
  boost::asio::awaitable<std::vector<LeasedDelivery>> lease_due(
      const std::string& owner, std::size_t limit, std::chrono::seconds lease,
      std::optional<Uuid> only = std::nullopt);
  struct Outcome {
    std::optional<std::int32_t> status_code;
    std::int64_t latency_ms = 0;
    std::optional<std::string> error;  // none: delivered
    Timestamp next_attempt_at;         // when failed
    bool give_up = false;              // when failed: no more attempts
  };
  // Records the attempt; answers true when the failure disabled the
  // subscription (its kMaxConsecutiveFailures'th in a row), in tx.
  boost::asio::awaitable<bool> record(pg::Transaction& tx, const LeasedDelivery& delivery,
                                      const std::string& owner, const Outcome& outcome);
  // A ping's delivery, recorded as sent.
  boost::asio::awaitable<webhooks::Delivery> record_ping(const Uuid& webhook,
                                                         const std::string& payload,
                                                         const Outcome& outcome);

  boost::asio::awaitable<std::vector<Listed<webhooks::Delivery>>> deliveries(
      const Uuid& webhook, std::size_t limit, const std::optional<PagePosition>& from);
  // Sends the delivery again, next (Error{not_found} when it is not the
  // subscription's).
  boost::asio::awaitable<webhooks::Delivery> replay(const Uuid& webhook, std::int64_t delivery);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
