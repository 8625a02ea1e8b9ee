#include "storage/webhooks/repository.hpp"

#include <boost/json/serialize.hpp>

#include "domain/common/error.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using webhooks::Delivery;
using webhooks::Webhook;

namespace {

constexpr const char* kColumns =
    "w.id, w.url, w.events, w.active, w.consecutive_failures, w.disabled_reason,"
    " CASE WHEN w.previous_secret_until > now() THEN w.previous_secret_until END, w.created_at,"
    " w.updated_at";
constexpr int kColumnCount = 9;
// The target's columns after kColumns.
constexpr const char* kTargetColumns =
    ", w.cursor_txid::text, w.cursor_id, w.secret,"
    " CASE WHEN w.previous_secret_until > now() THEN w.previous_secret END";

constexpr const char* kDeliveryColumns =
    "d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.attempts, d.status_code,"
    " d.latency_ms, d.error, CASE WHEN d.status = 'pending' THEN d.next_attempt_at END,"
    " d.delivered_at, d.created_at";

// The kColumns at `at` onwards.
Webhook webhook_from(const pg::Row& r, int at = 0) {
  return {r.get<Uuid>(at),
          r.get<std::string>(at + 1),
          r.get<std::vector<std::string>>(at + 2),
          r.get<bool>(at + 3),
          r.get<std::int32_t>(at + 4),
          r.get<std::optional<std::string>>(at + 5),
          r.get<std::optional<Timestamp>>(at + 6),
          r.get<Timestamp>(at + 7),
          r.get<Timestamp>(at + 8)};
}

// kColumns then kTargetColumns, from `at` onwards.
WebhookTarget target_from(const pg::Row& r, int at = 0) {
  const int first = at + kColumnCount;
  WebhookTarget t{webhook_from(r, at),
                  {xid_of(r.get<std::string>(first)), r.get<std::int64_t>(first + 1)},
                  {r.get<std::string>(first + 2)}};
  if (auto previous = r.get<std::optional<std::string>>(first + 3))
    t.secrets.push_back(std::move(*previous));
  return t;
}

Delivery delivery_from(const pg::Row& r) {
  return {r.get<std::int64_t>(0),
          r.get<Uuid>(1),
          r.get<std::optional<std::int64_t>>(2),
          r.get<std::string>(3),
          r.get<std::string>(4),
          r.get<std::int32_t>(5),
          r.get<std::optional<std::int32_t>>(6),
          r.get<std::optional<std::int64_t>>(7),
          r.get<std::optional<std::string>>(8),
          r.get<std::optional<Timestamp>>(9),
          r.get<std::optional<Timestamp>>(10),
          r.get<Timestamp>(11)};
}

}  // namespace

asio::awaitable<std::vector<Listed<Webhook>>> WebhookRepository::list(
    std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  KeysetQuery keyset{kColumns, "webhooks w", "TRUE"};
  keyset.id = "w.id";
  keyset.sort = "w.created_at";
  keyset.sort_type = SortKeyType::timestamp;
  const auto result = co_await pool_.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<Webhook>> rows;
  for (auto r : result) rows.push_back({webhook_from(r), r.get<std::string>(kColumnCount)});
  reorder(rows, from);
  co_return rows;
}

asio::awaitable<std::optional<Webhook>> WebhookRepository::find(const Uuid& id) {
  const auto result = co_await pool_.read(
      std::string("SELECT ") + kColumns + " FROM webhooks w WHERE w.id = $1", id);
  if (result.empty()) co_return std::nullopt;
  co_return webhook_from(result[0]);
}

asio::awaitable<std::optional<Webhook>> WebhookRepository::lock(pg::Transaction& tx,
                                                                const Uuid& id) {
  const auto result = co_await tx.query(
      std::string("SELECT ") + kColumns + " FROM webhooks w WHERE w.id = $1 FOR UPDATE", id);
  if (result.empty()) co_return std::nullopt;
  co_return webhook_from(result[0]);
}

asio::awaitable<Webhook> WebhookRepository::insert(pg::Transaction& tx,
                                                   const webhooks::WebhookChanges& c,
                                                   const std::string& secret,
                                                   const std::optional<Uuid>& created_by) {
  const auto result = co_await tx.query(
      std::string("INSERT INTO webhooks AS w (url, events, active, secret, created_by,"
                  " cursor_txid) VALUES ($1, $2, $3, $4, $5,"
                  " pg_snapshot_xmin(pg_current_snapshot())) RETURNING ") +
          kColumns,
      *c.url, *c.events, c.active.value_or(true), secret, created_by);
  co_return webhook_from(result.one());
}

asio::awaitable<Webhook> WebhookRepository::update(pg::Transaction& tx, const Uuid& id,
                                                   const webhooks::WebhookChanges& c) {
  Assignments a;
  a.add("url", c.url);
  a.add("events", c.events, "::text[]");
  a.add("active", c.active);
  std::string set = a.set_list("updated_at = now()");
  if (c.active && *c.active) set += ", consecutive_failures = 0, disabled_reason = NULL";
  auto params = a.params;
  const auto result = co_await tx.query("UPDATE webhooks w SET " + set + " WHERE w.id = " +
                                            placeholder(params, id) + " RETURNING " + kColumns,
                                        params);
  if (result.empty()) throw webhooks::no_such_webhook();
  co_return webhook_from(result.one());
}

asio::awaitable<void> WebhookRepository::remove(pg::Transaction& tx, const Uuid& id) {
  co_await tx.query("DELETE FROM webhooks WHERE id = $1", id);
}

asio::awaitable<Webhook> WebhookRepository::rotate_secret(pg::Transaction& tx, const Uuid& id,
                                                          const std::string& secret,
                                                          std::chrono::seconds overlap) {
  const auto result = co_await tx.query(
      std::string("UPDATE webhooks w SET previous_secret = w.secret, secret = $2,"
                  " previous_secret_until = now() + $3 * interval '1 second', updated_at = now()"
                  " WHERE w.id = $1 RETURNING ") +
          kColumns,
      id, secret, static_cast<std::int64_t>(overlap.count()));
  if (result.empty()) throw webhooks::no_such_webhook();
  co_return webhook_from(result.one());
}

asio::awaitable<std::vector<WebhookTarget>> WebhookRepository::active_targets() {
  const auto result = co_await pool_.read(std::string("SELECT ") + kColumns + kTargetColumns +
                                           " FROM webhooks w WHERE w.active");
  std::vector<WebhookTarget> targets;
  for (auto r : result) targets.push_back(target_from(r));
  co_return targets;
}

asio::awaitable<std::optional<WebhookTarget>> WebhookRepository::target(const Uuid& id) {
  const auto result = co_await pool_.read(
      std::string("SELECT ") + kColumns + kTargetColumns + " FROM webhooks w WHERE w.id = $1", id);
  if (result.empty()) co_return std::nullopt;
  co_return target_from(result[0]);
}

asio::awaitable<bool> WebhookRepository::queue(const Uuid& webhook, FeedPosition from,
                                               FeedPosition next,
                                               const std::vector<events::Event>& events) {
  boost::json::array rows;
  for (const auto& event : events)
    rows.push_back(boost::json::object{
        {"id", event.id}, {"type", event.type}, {"payload", events::to_json(event)}});
  auto tx = co_await pool_.begin();
  const auto moved = co_await tx.query(
      "UPDATE webhooks SET cursor_txid = $2::xid8, cursor_id = $3 WHERE id = $1 AND active"
      " AND cursor_txid = $4::xid8 AND cursor_id = $5 RETURNING id",
      webhook, std::to_string(next.txid), next.id, std::to_string(from.txid), from.id);
  if (moved.empty()) co_return false;  // rolled back as tx goes
  // One statement, in event order: the deliveries' ids follow it.
  co_await tx.query(
      "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload)"
      " SELECT $1, (e->>'id')::bigint, e->>'type', e->'payload'"
      " FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n"
      " ON CONFLICT DO NOTHING",
      webhook, boost::json::value(std::move(rows)));
  co_await tx.commit();
  co_return true;
}

asio::awaitable<std::vector<LeasedDelivery>> WebhookRepository::lease_due(
    const std::string& owner, std::size_t limit, std::chrono::seconds lease,
    std::optional<Uuid> only) {
  // Each subscription's head through the pending index: the cost follows
  // the number of subscriptions, not the backlog.
  const auto result = co_await pool_.query(
      std::string(
          "WITH heads AS (SELECT h.* FROM webhooks w CROSS JOIN LATERAL (SELECT d.id,"
          "   d.next_attempt_at, d.lease_until FROM webhook_deliveries d"
          "   WHERE d.webhook_id = w.id AND d.status = 'pending' ORDER BY d.id LIMIT 1) h"
          "   WHERE w.active AND ($4::uuid IS NULL OR w.id = $4)),"
          // The longest waiting first: one subscription's churn cannot
          // starve another's.
          " due AS (SELECT id FROM heads WHERE next_attempt_at <= now()"
          "   AND (lease_until IS NULL OR lease_until < now()) ORDER BY next_attempt_at LIMIT $2)"
          " UPDATE webhook_deliveries d SET lease_owner = $1, attempts = d.attempts + 1,"
          "   lease_until = now() + $3 * interval '1 second'"
          " FROM due, webhooks w WHERE d.id = due.id AND w.id = d.webhook_id"
          "   AND d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until < now())"
          " RETURNING d.id, d.attempts, d.event_type, coalesce(d.event_id::text, ''),"
          "   d.payload::text, d.created_at, ") +
          kColumns + kTargetColumns,
      owner, static_cast<std::int64_t>(limit), static_cast<std::int64_t>(lease.count()), only);
  std::vector<LeasedDelivery> leased;
  for (auto r : result)
    leased.push_back({r.get<std::int64_t>(0), r.get<std::int32_t>(1), r.get<std::string>(2),
                      r.get<std::string>(3), r.get<std::string>(4), r.get<Timestamp>(5),
                      target_from(r, 6)});
  co_return leased;
}

asio::awaitable<bool> WebhookRepository::record(pg::Transaction& tx, const LeasedDelivery& d,
                                                const std::string& owner, const Outcome& o) {
  const bool delivered = !o.error;
  // The subscription's row before its delivery's, the order in which a
  // DELETE of the subscription (cascading to its deliveries) locks them:
  // the other order deadlocked with it.
  bool disabled = false;
  if (!delivered) {
    const auto result = co_await tx.query(
        "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1,"
        " active = active AND consecutive_failures + 1 < $2,"
        " disabled_reason = CASE WHEN consecutive_failures + 1 = $2"
        "   THEN 'disabled after ' || $2 || ' failed deliveries in a row' ELSE disabled_reason END"
        " WHERE id = $1 RETURNING consecutive_failures = $2",
        d.target.webhook.id, webhooks::kMaxConsecutiveFailures);
    disabled = !result.empty() && result.one().get<bool>(0);
  } else if (d.target.webhook.consecutive_failures > 0) {
    // Only when there is a count to clear: the row is the one the
    // dispatcher's cursor moves on, and an idle update would contend with it.
    co_await tx.query("UPDATE webhooks SET consecutive_failures = 0 WHERE id = $1",
                      d.target.webhook.id);
  }
  const auto status = delivered ? "delivered" : o.give_up ? "failed" : "pending";
  co_await tx.query(
      "UPDATE webhook_deliveries SET status = $3, status_code = $4, latency_ms = $5, error = $6,"
      " next_attempt_at = $7, delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,"
      " lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
      d.id, owner, std::string(status), o.status_code, o.latency_ms, o.error, o.next_attempt_at);
  co_return disabled;
}

asio::awaitable<Delivery> WebhookRepository::record_ping(const Uuid& webhook,
                                                         const std::string& payload,
                                                         const Outcome& o) {
  const auto result = co_await pool_.query(
      std::string("INSERT INTO webhook_deliveries AS d (webhook_id, event_type, payload, status,"
                  " attempts, status_code, latency_ms, error, delivered_at) VALUES ($1,"
                  " 'webhook.ping', $2::jsonb, $3, 1, $4, $5, $6, CASE WHEN $3 = 'delivered' THEN"
                  " now() END) RETURNING ") +
          kDeliveryColumns,
      webhook, payload, std::string(o.error ? "failed" : "delivered"), o.status_code, o.latency_ms,
      o.error);
  co_return delivery_from(result.one());
}

asio::awaitable<std::vector<Listed<Delivery>>> WebhookRepository::deliveries(
    const Uuid& webhook, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params(webhook);
  KeysetQuery keyset{kDeliveryColumns, "webhook_deliveries d", "d.webhook_id = $1"};
  keyset.id = "d.id";
  keyset.sort = "d.id";
  keyset.sort_type = SortKeyType::integer;
  keyset.unique_sort = true;
  keyset.descending = true;
  const auto result = co_await pool_.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<Delivery>> rows;
  for (auto r : result) rows.push_back({delivery_from(r), r.get<std::string>(12)});
  reorder(rows, from);
  co_return rows;
}

asio::awaitable<Delivery> WebhookRepository::replay(const Uuid& webhook, std::int64_t delivery) {
  const auto result = co_await pool_.query(
      std::string("UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(),"
                  " error = NULL, lease_owner = NULL, lease_until = NULL"
                  " WHERE d.id = $2 AND d.webhook_id = $1 AND d.event_id IS NOT NULL"
                  " AND (d.lease_until IS NULL OR d.lease_until < now()) RETURNING ") +
          kDeliveryColumns,
      webhook, delivery);
  if (result.empty())
    throw Error(
        ErrorKind::not_found, "not_found",
        "no such delivery of this webhook (a ping, or one being sent now, is not replayed)");
  co_return delivery_from(result.one());
}

}  // namespace crmd::storage
