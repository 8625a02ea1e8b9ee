// POST /webhooks/google/drive and /webhooks/google/calendar: Google's push
// notifications. Each is
// authenticated by its channel's token (constant time), logged once per
// (channel, message number) and answered at once; the work is a pull
// after the answer. A notification for a channel crmd does not know, or no
// longer follows, is answered 200 with nothing done, so Google stops
// sending it; a wrong token is 403.
#include <charconv>

#include "actors/calendar_sync.hpp"
#include "actors/drive_sync.hpp"
#include "server/http/json.hpp"
#include "server/openapi/operation.hpp"
#include "server/routes/routes.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;

namespace {

constexpr std::size_t kMaxHeaderValue = 1024;

std::string header(const Request& request, std::string_view name) {
  return std::string(request.message[name].substr(0, kMaxHeaderValue));
}

google::PushNotification notification_of(const Request& request) {
  google::PushNotification n;
  n.channel_id = header(request, "X-Goog-Channel-ID");
  n.token = header(request, "X-Goog-Channel-Token");
  n.resource_id = header(request, "X-Goog-Resource-ID");
  n.resource_state = header(request, "X-Goog-Resource-State");
  const auto number = header(request, "X-Goog-Message-Number");
  const auto [end, ec] =
      std::from_chars(number.data(), number.data() + number.size(), n.message_number);
  if (n.channel_id.empty() || n.resource_state.empty() || ec != std::errc{} ||
      end != number.data() + number.size())
    throw Error(ErrorKind::bad_request, "invalid_notification",
                "a Google push notification has X-Goog-Channel-ID, X-Goog-Resource-State and "
                "X-Goog-Message-Number");
  // "content, permissions": comma-separated, spaces around.
  std::string_view changed = request.message["X-Goog-Changed"];
  while (!changed.empty()) {
    const auto comma = changed.find(',');
    auto item = changed.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && n.changed.size() < 16) n.changed.emplace_back(item.substr(0, 64));
    changed = comma == std::string_view::npos ? std::string_view{} : changed.substr(comma + 1);
  }
  for (const auto& field : request.message) {
    const auto name = std::string(field.name_string());
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The token is a secret: it is not kept.
    if (lower.starts_with("x-goog-") && lower != "x-goog-channel-token")
      n.headers[lower] = std::string(field.value().substr(0, kMaxHeaderValue));
  }
  return n;
}

Response empty(const Request& request, beast_http::status status) {
  Response response(status, request.message.version());
  response.content_length(0);
  return response;
}

// One receiver route: a null sync (the service is not connected) answers 200
// with nothing done, like a channel no longer followed.
template <class Sync>
void add_push_route(http::Router& router, const std::string& path, Sync* sync,
                    openapi::Operation doc) {
  router.add(verb::post, path, Access::public_,
             [sync](Request& request) -> asio::awaitable<Response> {
               auto notification = notification_of(request);
               if (!sync) co_return empty(request, beast_http::status::ok);
               const auto verdict = co_await sync->receive(std::move(notification));
               if (verdict == actors::NotificationVerdict::forbidden)
                 throw Error(ErrorKind::forbidden, "forbidden", "wrong channel token");
               co_return empty(request, beast_http::status::ok);
             },
             {.doc = std::move(doc)
                         .tag("webhooks")
                         .header("X-Goog-Channel-ID", schema::string())
                         .header("X-Goog-Channel-Token", schema::string())
                         .header("X-Goog-Message-Number", schema::string())
                         .reply(200, "Received (or a channel no longer followed)")
                         .errors({400, 403})});
}

}  // namespace

void add_google_webhook_routes(http::Router& router, actors::DriveSync* drive,
                               actors::CalendarSync* calendar) {
  add_push_route(router, "/webhooks/google/drive", drive,
                 op("googleDriveNotification", "Google Drive's push notifications")
                     .header("X-Goog-Resource-State", schema::string(), "sync, change or changed"));
  add_push_route(
      router, "/webhooks/google/calendar", calendar,
      op("googleCalendarNotification", "Google Calendar's push notifications")
          .header("X-Goog-Resource-State", schema::string(), "sync, exists or not_exists"));
}

}  // namespace crmd::server::routes
