// Webhook subscriptions: where events are POSTed, which ones, and how each
// delivery is signed (Stripe's scheme, so that existing verifiers work):
//   Crmd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
// with one v1 per valid secret while a rotated-out secret is still honoured.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/error.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd::webhooks {

struct Webhook {
  Uuid id;
  std::string url;
  std::vector<std::string> events;  // event types, entity types, or "*"
  bool active = true;
  std::int32_t consecutive_failures = 0;
  std::optional<std::string> disabled_reason;
  std::optional<Timestamp> previous_secret_until;  // the old secret's last moment
  Timestamp created_at, updated_at;
};
boost::json::object to_json(const Webhook& webhook, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Webhook>);
// The subscription with its secret, as create and rotate answer.
schema::Schema webhook_with_secret_schema();
schema::Schema webhook_input_schema(bool creating);

struct WebhookChanges {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> active;
};
// A create (url and events required) or PATCH body. The URL must be https
// with a host, without credentials, unless allow_private (which also allows
// http): Error{validation} naming each bad field.
WebhookChanges parse_webhook(const boost::json::value& body, bool creating, bool allow_private);

// 404: an unknown subscription.
Error no_such_webhook();

// A new signing secret: "whsec_" and 32 random bytes in hex.
std::string new_secret();
// The Crmd-Signature header of body sent at unix_time, one v1 per secret.
std::string signature_header(const std::vector<std::string>& secrets, std::int64_t unix_time,
                             std::string_view body);

// After this many failed deliveries in a row the subscription is disabled.
inline constexpr std::int32_t kMaxConsecutiveFailures = 50;
// A delivery is retried for this long after the event, then given up.
inline constexpr std::chrono::hours kRetryFor{72};

struct Delivery {
  std::int64_t id = 0;
  Uuid webhook_id;
  std::optional<std::int64_t> event_id;  // none for a ping
  std::string event_type;
  std::string status;  // pending, delivered, failed (given up)
  std::int32_t attempts = 0;
  std::optional<std::int32_t> status_code;
  std::optional<std::int64_t> latency_ms;
  std::optional<std::string> error;
  std::optional<Timestamp> next_attempt_at, delivered_at;
  Timestamp created_at;
};
boost::json::object to_json(const Delivery& delivery, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Delivery>);

}  // namespace crmd::webhooks
