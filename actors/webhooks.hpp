// Webhook subscriptions (admins only): audited writes, reads, deliveries,
// replays and pings. Delivery itself is the dispatcher's.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "actors/webhook_dispatcher.hpp"
#include "domain/identity/principal.hpp"
#include "domain/webhooks/webhook.hpp"
#include "storage/webhooks/repository.hpp"

namespace crmd::actors {

// A subscription as created or rotated: the only answers that show its
// secret.
struct WebhookWithSecret {
  webhooks::Webhook webhook;
  std::string secret;
};

class WebhookService {
 public:
  WebhookService(pg::Pool& pool, WebhookDispatcher& dispatcher)
      : pool_(pool), repository_(pool), dispatcher_(dispatcher) {}

  boost::asio::awaitable<std::vector<Listed<webhooks::Webhook>>> list(
      std::size_t limit, std::optional<PagePosition> from) {
    co_return co_await repository_.list(limit, from);
  }
  // Error{not_found} for an unknown id.
  boost::asio::awaitable<webhooks::Webhook> get(Uuid id);
  boost::asio::awaitable<WebhookWithSecret> create(webhooks::WebhookChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<webhooks::Webhook> update(Uuid id, webhooks::WebhookChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<void> remove(Uuid id, identity::RequestContext context);
  // A new secret; the old one stays valid for 24 hours.
  boost::asio::awaitable<WebhookWithSecret> rotate_secret(Uuid id,
                                                          identity::RequestContext context);

  boost::asio::awaitable<std::vector<Listed<webhooks::Delivery>>> deliveries(
      Uuid id, std::size_t limit, std::optional<PagePosition> from);
  boost::asio::awaitable<webhooks::Delivery> replay(Uuid id, std::int64_t delivery);
  boost::asio::awaitable<webhooks::Delivery> ping(Uuid id);

 private:
  pg::Pool& pool_;
  storage::WebhookRepository repository_;
  WebhookDispatcher& dispatcher_;
};

}  // namespace crmd::actors
