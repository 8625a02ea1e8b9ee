#include "domain/webhooks/webhook.hpp"

#include <boost/url/parse.hpp>

#include "domain/common/crypto.hpp"
#include "domain/common/fields.hpp"
#include "domain/common/json_of.hpp"
#include "domain/events/event.hpp"

namespace crmd::webhooks {

boost::json::object to_json(const Webhook& w, const boost::json::storage_ptr& sp) {
  boost::json::array events(sp);
  for (const auto& e : w.events) events.push_back(json_of(e, sp));
  return boost::json::object({{"id", json_of(w.id, sp)},
                              {"url", json_of(w.url, sp)},
                              {"events", std::move(events)},
                              {"active", w.active},
                              {"consecutive_failures", w.consecutive_failures},
                              {"disabled_reason", json_of(w.disabled_reason, sp)},
                              {"previous_secret_until", json_of(w.previous_secret_until, sp)},
                              {"created_at", json_of(w.created_at, sp)},
                              {"updated_at", json_of(w.updated_at, sp)}},
                             sp);
}

WebhookChanges parse_webhook(const boost::json::value& body, bool creating, bool allow_private) {
  FieldReader r(body, {"url", "events", "active"});
  WebhookChanges c;
  c.url = r.string("url", creating, 2048);
  if (c.url) {
    const auto url = boost::urls::parse_absolute_uri(*c.url);
    const bool https = url && url->scheme() == "https";
    const bool http = url && url->scheme() == "http";
    if (!url || url->encoded_host().empty() || url->has_userinfo())
      r.fail("url", "expected an absolute https URL with a host and no credentials");
    else if (!https && !(http && allow_private))
      r.fail("url", "must be https (http only with CRMD_WEBHOOKS_ALLOW_PRIVATE=true)");
  }
  c.events = r.strings("events", creating, 50, 100);
  if (c.events) {
    if (c.events->empty()) r.fail("events", "name at least one event type, entity type or *");
    for (const auto& e : *c.events)
      if (e != "*" && !events::known_type_filter(e))
        r.fail("events", "unknown event or entity type: " + e);
  }
  c.active = r.boolean("active");
  r.finish();
  return c;
}

Error no_such_webhook() {
  return Error(ErrorKind::not_found, "not_found", "no such webhook");
}

std::string new_secret() {
  return "whsec_" + hex(random_bytes(32));
}

std::string signature_header(const std::vector<std::string>& secrets, std::int64_t unix_time,
                             std::string_view body) {
  const auto t = std::to_string(unix_time);
  std::string signed_payload = t + ".";
  signed_payload += body;
  std::string header = "t=" + t;
  for (const auto& secret : secrets)
    if (auto mac = hmac_sha256(secret, signed_payload)) header += ",v1=" + hex(*mac);
  return header;
}

boost::json::object to_json(const Delivery& d, const boost::json::storage_ptr& sp) {
  return boost::json::object(
      {{"id", json_of(std::to_string(d.id), sp)},
       {"webhook_id", json_of(d.webhook_id, sp)},
       {"event_id", d.event_id ? json_of(std::to_string(*d.event_id), sp) : boost::json::value(sp)},
       {"event_type", json_of(d.event_type, sp)},
       {"status", json_of(d.status, sp)},
       {"attempts", d.attempts},
       {"status_code",
        d.status_code ? boost::json::value(*d.status_code, sp) : boost::json::value(sp)},
       {"latency_ms", json_of(d.latency_ms, sp)},
       {"error", json_of(d.error, sp)},
       {"next_attempt_at", json_of(d.next_attempt_at, sp)},
       {"delivered_at", json_of(d.delivered_at, sp)},
       {"created_at", json_of(d.created_at, sp)}},
      sp);
}

namespace {

schema::Object webhook_object(std::string_view title) {
  using namespace schema;
  Object webhook(title);
  webhook.field("id", uuid())
      .field("url", uri())
      .field("events", array(string()), "event types, entity types (all of theirs) or *")
      .field("active", boolean())
      .field("consecutive_failures", integer(0))
      .field("disabled_reason", nullable(string()))
      .field("previous_secret_until", nullable(timestamp()),
             "while set, the rotated-out secret signs too")
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
  return webhook;
}

}  // namespace

schema::Schema json_schema(std::type_identity<Webhook>) {
  return webhook_object("Webhook");
}

schema::Schema webhook_with_secret_schema() {
  return webhook_object("WebhookWithSecret")
      .field("secret", schema::string(), "shown only now: it signs Crmd-Signature");
}

schema::Schema webhook_input_schema(bool creating) {
  using namespace schema;
  Object input(creating ? "WebhookCreate" : "WebhookUpdate");
  const auto url = described(uri(), "https (http only with CRMD_WEBHOOKS_ALLOW_PRIVATE)");
  const auto events = array(string(100), 50);
  if (creating)
    input.field("url", url).field("events", events);
  else
    input.optional("url", url).optional("events", events);
  return input.optional("active", boolean());
}

schema::Schema json_schema(std::type_identity<Delivery>) {
  using namespace schema;
  return Object("WebhookDelivery")
      .field("id", string())
      .field("webhook_id", uuid())
      .field("event_id", nullable(string()), "none for a ping")
      .field("event_type", string())
      .field("status", one_of_strings({"pending", "delivered", "failed"}))
      .field("attempts", integer(0))
      .field("status_code", nullable(integer()))
      .field("latency_ms", nullable(integer(0)))
      .field("error", nullable(string()))
      .field("next_attempt_at", nullable(timestamp()))
      .field("delivered_at", nullable(timestamp()))
      .field("created_at", timestamp());
}

}  // namespace crmd::webhooks
