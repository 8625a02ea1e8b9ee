// Webhook subscriptions, /api/v2/webhooks (admins; API keys may not manage
// them): CRUD, secret rotation, deliveries, replay, ping. The secret is
// shown only by the create and rotate answers.
#include "actors/webhooks.hpp"

#include <charconv>

#include "domain/common/error.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/operation.hpp"
#include "server/routes/routes.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::status;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;
using openapi::page_of;
using openapi::page_params;

namespace {

Uuid webhook_id(const Request& request) {
  return request.path_uuid("id", "webhook");
}

std::int64_t delivery_id(const Request& request) {
  const auto& text = request.path_param("delivery_id");
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0)
    throw Error(ErrorKind::not_found, "not_found", "no such delivery");
  return id;
}

boost::json::object with_secret(const actors::WebhookWithSecret& created) {
  auto json = webhooks::to_json(created.webhook);
  json["secret"] = created.secret;
  return json;
}

}  // namespace

void add_webhook_routes(http::Router& router, WebhookContext context) {
  auto& hooks = context.webhooks;
  const bool allow_private = context.allow_private;

  router.add(verb::post, "/api/v2/webhooks", Access::admin,
             [&hooks, allow_private](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto changes = webhooks::parse_webhook(body, true, allow_private);
               auto created = co_await hooks.create(std::move(changes), request.context());
               auto response = http::json_response(request, status::created, with_secret(created));
               response.set(beast_http::field::location,
                            "/api/v2/webhooks/" + created.webhook.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("createWebhook", "Subscribe a URL to events (its secret shown once)")
                         .tag("webhooks")
                         .json_body(webhooks::webhook_input_schema(true))
                         .created(webhooks::webhook_with_secret_schema())});

  router.add(verb::get, "/api/v2/webhooks", Access::admin,
             [&hooks](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const http::KeysetPage page(request, "webhooks");
               auto rows = co_await hooks.list(page.fetch_limit(), page.position());
               co_return page.respond(request, rows);
             },
             {.doc = op("listWebhooks", "List webhook subscriptions")
                         .tag("webhooks")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<webhooks::Webhook>()))});

  router.add(verb::get, "/api/v2/webhooks/{id}", Access::admin,
             [&hooks](Request& request) -> asio::awaitable<Response> {
               auto webhook = co_await hooks.get(webhook_id(request));
               co_return http::record_response(request, status::ok, webhooks::to_json(webhook),
                                               webhook.updated_at);
             },
             {.doc = op("getWebhook", "A webhook subscription")
                         .tag("webhooks")
                         .ok(schema::schema_of<webhooks::Webhook>())});

  router.add(verb::patch, "/api/v2/webhooks/{id}", Access::admin,
             [&hooks, allow_private](Request& request) -> asio::awaitable<Response> {
               const auto id = webhook_id(request);
               const auto body = http::parse_json_body(request);
               auto changes = webhooks::parse_webhook(body, false, allow_private);
               auto webhook = co_await hooks.update(id, std::move(changes), request.context());
               co_return http::record_response(request, status::ok, webhooks::to_json(webhook),
                                               webhook.updated_at);
             },
             {.doc = op("updateWebhook", "Change a subscription (active: true clears its failures)")
                         .tag("webhooks")
                         .json_body(webhooks::webhook_input_schema(false))
                         .ok(schema::schema_of<webhooks::Webhook>())});

  router.add(verb::delete_, "/api/v2/webhooks/{id}", Access::admin,
             [&hooks](Request& request) -> asio::awaitable<Response> {
               co_await hooks.remove(webhook_id(request), request.context());
               co_return http::no_content(request);
             },
             {.doc = op("deleteWebhook", "Delete a subscription and its deliveries")
                         .tag("webhooks")
                         .no_content()});

  router.add(
      verb::post, "/api/v2/webhooks/{id}/rotate-secret", Access::admin,
      [&hooks](Request& request) -> asio::awaitable<Response> {
        auto rotated = co_await hooks.rotate_secret(webhook_id(request), request.context());
        co_return http::json_response(request, status::ok, with_secret(rotated));
      },
      {.doc = op("rotateWebhookSecret", "A new signing secret (the old one signs for 24 h more)")
                  .tag("webhooks")
                  .ok(webhooks::webhook_with_secret_schema())});

  router.add(verb::get, "/api/v2/webhooks/{id}/deliveries", Access::admin,
             [&hooks](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const auto id = webhook_id(request);
               const http::KeysetPage page(request, "deliveries:" + id.str());
               auto rows = co_await hooks.deliveries(id, page.fetch_limit(), page.position());
               co_return page.respond(request, rows);
             },
             {.doc = op("listWebhookDeliveries", "A subscription's deliveries, newest first")
                         .tag("webhooks")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<webhooks::Delivery>()))});

  router.add(verb::post, "/api/v2/webhooks/{id}/deliveries/{delivery_id}/replay", Access::admin,
             [&hooks](Request& request) -> asio::awaitable<Response> {
               auto delivery = co_await hooks.replay(webhook_id(request), delivery_id(request));
               co_return http::json_response(request, status::accepted,
                                             webhooks::to_json(delivery));
             },
             {.doc = op("replayWebhookDelivery", "Send a delivery again, next")
                         .tag("webhooks")
                         .path("delivery_id", schema::integer(1))
                         .accepted(schema::schema_of<webhooks::Delivery>())});

  router.add(verb::post, "/api/v2/webhooks/{id}/ping", Access::admin,
             [&hooks](Request& request) -> asio::awaitable<Response> {
               auto delivery = co_await hooks.ping(webhook_id(request));
               co_return http::json_response(request, status::ok, webhooks::to_json(delivery));
             },
             {.doc = op("pingWebhook", "Send webhook.ping now and answer the delivery")
                         .tag("webhooks")
                         .ok(schema::schema_of<webhooks::Delivery>())});
}

}  // namespace crmd::server::routes
