#include "actors/webhook_dispatcher.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "domain/common/crypto.hpp"
#include "storage/audit.hpp"
#include "storage/web/public_address.hpp"
#include "storage/web/retry_policy.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kEventsPerRound = 500;
constexpr std::chrono::seconds kLease{30};
constexpr milliseconds kIdlePoll{1000};

Timestamp now() {
  return std::chrono::time_point_cast<Timestamp::duration>(std::chrono::system_clock::now());
}

// The subscription's events filter as the feed reads it ("*": all).
storage::FeedFilter filter_of(const webhooks::Webhook& webhook) {
  storage::FeedFilter filter{{}, {true, std::nullopt}};
  for (const auto& e : webhook.events)
    if (e == "*") return {{}, {true, std::nullopt}};
  filter.types = webhook.events;
  return filter;
}

identity::RequestContext system_context() {
  return {"webhooks", "", identity::Principal{identity::Principal::Kind::system}};
}

storage::AuditEntry disabled_entry(const Uuid& webhook, const std::string& last_error) {
  return {"webhook_disabled", "webhook", webhook.str(), std::nullopt,
          boost::json::object{{"active", false}, {"last_error", last_error}}};
}

std::string ping_body(const Uuid& webhook) {
  return boost::json::serialize(boost::json::object{
      {"id", "ping"}, {"type", "webhook.ping"}, {"data", {{"webhook_id", webhook.str()}}}});
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(asio::any_io_executor io, pg::Pool& pool,
                                     storage::EventFeed& feed, web::HttpClient& http,
                                     WebhookDispatcherOptions options)
    : strand_(asio::make_strand(io)),
      pool_(pool),
      feed_(feed),
      http_(http),
      options_(options),
      repository_(pool),
      owner_("crmd:" + std::to_string(::getpid()) + ":" + hex(random_bytes(4))),
      timer_(strand_) {}

void WebhookDispatcher::start(pg::Listener& listener) {
  asio::co_spawn(strand_, follow(listener), asio::detached);
  ended_ = std::make_shared<LoopEnd>(strand_);
  asio::co_spawn(strand_, run(), [ended = ended_](std::exception_ptr) { ended->ended(); });
}

asio::awaitable<void> WebhookDispatcher::stopped() {
  if (ended_) co_await ended_->wait();
}

void WebhookDispatcher::stop() {
  stopping_ = true;
  wake();
}

void WebhookDispatcher::wake() {
  asio::post(strand_, [this] {
    woken_ = true;
    timer_.cancel();
  });
}

asio::awaitable<void> WebhookDispatcher::follow(pg::Listener& listener) {
  try {
    auto subscription = co_await listener.subscribe("crmd_events");
    while (!stopping_) {
      co_await subscription->next();
      wake();
    }
  } catch (const std::exception&) {
    // The listener closed (shutdown); the idle poll still finds the work.
  }
}

asio::awaitable<void> WebhookDispatcher::run() {
  while (!stopping_) {
    try {
      co_await queue_events();
      std::vector<storage::LeasedDelivery> leased;
      const auto room = options_.max_in_flight - in_flight_;
      if (room > 0) leased = co_await repository_.lease_due(owner_, room, kLease);
      for (auto& delivery : leased) {
        ++in_flight_;
        asio::co_spawn(strand_, deliver(std::move(delivery)), asio::detached);
      }
    } catch (const std::exception& e) {
      spdlog::warn("webhooks: dispatch round failed: {}", e.what());
    }
    if (stopping_) break;
    // A wake during the round (a commit, a finished delivery) means
    // another round now, not after the idle poll.
    if (!woken_) {
      timer_.expires_after(kIdlePoll);
      boost::system::error_code cancelled;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    }
    woken_ = false;
  }
}

asio::awaitable<void> WebhookDispatcher::queue_events() {
  const auto targets = co_await repository_.active_targets();
  for (const auto& target : targets) {
    const auto page =
        co_await feed_.read(target.cursor, filter_of(target.webhook), kEventsPerRound);
    if (page.events.empty()) continue;
    co_await repository_.queue(target.webhook.id, target.cursor, page.next, page.events);
  }
}

asio::awaitable<WebhookDispatcher::Sent> WebhookDispatcher::send(
    const storage::WebhookTarget& target, const std::string& event_id,
    const std::string& event_type, const std::string& body) {
  web::HttpRequest request;
  request.method = "POST";
  request.url = target.webhook.url;
  request.service = "webhooks";
  request.body = body;
  request.timeout = std::chrono::seconds(10);
  request.max_response_bytes = 64 * 1024;
  if (!options_.allow_private) request.allow_address = web::is_public_address;
  const auto unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  request.headers = {
      {"Content-Type", "application/json"},
      {"User-Agent", "crmd-webhooks/1"},
      {"Crmd-Event-Id", event_id},
      {"Crmd-Event-Type", event_type},
      {"Crmd-Signature", webhooks::signature_header(target.secrets, unix_now, body)}};
  Sent sent;
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::string> failure;
  try {
    const auto response = co_await http_.send(std::move(request));
    sent.status_code = static_cast<std::int32_t>(response.status);
    if (response.status < 200 || response.status > 299) {
      failure = "the receiver answered " + std::to_string(response.status);
      if (auto value = response.header("retry-after"))
        sent.retry_after = web::parse_retry_after(*value, std::chrono::system_clock::now());
    }
  } catch (const Error& e) {
    failure = e.code() + ": " + e.what();
  }
  sent.latency_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count();
  sent.error = failure;
  co_return sent;
}

asio::awaitable<void> WebhookDispatcher::deliver(storage::LeasedDelivery delivery) {
  // After a success the subscription's next delivery goes at once, without
  // waiting for the next round.
  for (bool more = true; more && !stopping_;) {
    more = false;
    try {
      const auto sent =
          co_await send(delivery.target, delivery.event_id, delivery.event_type, delivery.payload);
      const auto outcome = outcome_of(sent, delivery);
      auto tx = co_await pool_.begin();
      const bool disabled = co_await repository_.record(tx, delivery, owner_, outcome);
      if (disabled) {
        const auto system = system_context();
        const auto entry = disabled_entry(delivery.target.webhook.id, *sent.error);
        co_await storage::write_audit(tx, system, entry);
      }
      co_await tx.commit();
      if (!sent.error) {
        auto next = co_await repository_.lease_due(owner_, 1, kLease, delivery.target.webhook.id);
        if (!next.empty()) {
          delivery = std::move(next.front());
          more = true;
        }
      }
    } catch (const std::exception& e) {
      // The lease runs out and the delivery is tried again.
      spdlog::warn("webhooks: recording delivery {} failed: {}", delivery.id, e.what());
    }
  }
  --in_flight_;
  wake();
}

storage::WebhookRepository::Outcome WebhookDispatcher::outcome_of(
    const Sent& sent, const storage::LeasedDelivery& delivery) const {
  storage::WebhookRepository::Outcome outcome{sent.status_code, sent.latency_ms, sent.error, {}};
  if (!sent.error) return outcome;
  web::RetryPolicy policy;
  policy.base_delay = options_.retry_base;
  policy.max_delay = std::chrono::hours(1);
  const auto wait =
      web::backoff_delay(policy, delivery.attempts, sent.retry_after, web::sodium_uniform());
  outcome.next_attempt_at = now() + std::chrono::duration_cast<Timestamp::duration>(wait);
  outcome.give_up = outcome.next_attempt_at > delivery.queued_at + webhooks::kRetryFor;
  return outcome;
}

asio::awaitable<webhooks::Delivery> WebhookDispatcher::ping(const webhooks::Webhook& webhook) {
  auto target = co_await repository_.target(webhook.id);
  if (!target) throw webhooks::no_such_webhook();
  const auto body = ping_body(webhook.id);
  const auto sent = co_await send(*target, "ping", "webhook.ping", body);
  const storage::WebhookRepository::Outcome outcome{
      sent.status_code, sent.latency_ms, sent.error, {}};
  co_return co_await repository_.record_ping(webhook.id, body, outcome);
}

}  // namespace crmd::actors
