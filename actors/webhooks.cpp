#include "actors/webhooks.hpp"

#include "storage/audited_write.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using webhooks::Webhook;

namespace {

constexpr std::chrono::hours kSecretOverlap{24};

}  // namespace

asio::awaitable<Webhook> WebhookService::get(Uuid id) {
  auto webhook = co_await repository_.find(id);
  if (!webhook) throw webhooks::no_such_webhook();
  co_return *webhook;
}

asio::awaitable<WebhookWithSecret> WebhookService::create(webhooks::WebhookChanges changes,
                                                          identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  const auto secret = webhooks::new_secret();
  auto created =
      co_await repository_.insert(write.tx(), changes, secret, write.context().user_id());
  const storage::AuditEntry entry{"webhook_created", "webhook", created.id.str(), std::nullopt,
                                  webhooks::to_json(created)};
  co_await write.commit(entry);
  co_return WebhookWithSecret{std::move(created), secret};
}

asio::awaitable<Webhook> WebhookService::update(Uuid id, webhooks::WebhookChanges changes,
                                                identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock(write.tx(), id);
  if (!before) throw webhooks::no_such_webhook();
  write.require_version(before->updated_at);
  auto after = co_await repository_.update(write.tx(), id, changes);
  const storage::AuditEntry entry{"webhook_updated", "webhook", id.str(),
                                  webhooks::to_json(*before), webhooks::to_json(after)};
  co_await write.commit(entry);
  co_return after;
}

asio::awaitable<void> WebhookService::remove(Uuid id, identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock(write.tx(), id);
  if (!before) throw webhooks::no_such_webhook();
  co_await repository_.remove(write.tx(), id);
  const storage::AuditEntry entry{"webhook_deleted", "webhook", id.str(),
                                  webhooks::to_json(*before), std::nullopt};
  co_await write.commit(entry);
}

asio::awaitable<WebhookWithSecret> WebhookService::rotate_secret(Uuid id,
                                                                 identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock(write.tx(), id);
  if (!before) throw webhooks::no_such_webhook();
  const auto secret = webhooks::new_secret();
  auto after = co_await repository_.rotate_secret(write.tx(), id, secret, kSecretOverlap);
  const storage::AuditEntry entry{"webhook_secret_rotated", "webhook", id.str(),
                                  webhooks::to_json(*before), webhooks::to_json(after)};
  co_await write.commit(entry);
  co_return WebhookWithSecret{std::move(after), secret};
}

asio::awaitable<std::vector<Listed<webhooks::Delivery>>> WebhookService::deliveries(
    Uuid id, std::size_t limit, std::optional<PagePosition> from) {
  co_await get(id);
  co_return co_await repository_.deliveries(id, limit, from);
}

asio::awaitable<webhooks::Delivery> WebhookService::replay(Uuid id, std::int64_t delivery) {
  co_await get(id);
  co_return co_await repository_.replay(id, delivery);
}

asio::awaitable<webhooks::Delivery> WebhookService::ping(Uuid id) {
  const auto webhook = co_await get(id);
  co_return co_await dispatcher_.ping(webhook);
}

}  // namespace crmd::actors
