#include "storage/google/api.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "domain/common/error.hpp"

namespace crmd::google {

namespace json = boost::json;

web::HttpRequest request_of(std::string method, std::string url) {
  web::HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.headers.emplace_back("Accept", "application/json");
  return request;
}

web::HttpRequest json_request(std::string method, std::string url, const json::object& body) {
  web::HttpRequest request = request_of(std::move(method), std::move(url));
  request.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
  request.body = json::serialize(body);
  return request;
}

std::string string_of(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value && value->is_string()) return std::string(value->get_string());
  return "";
}

std::optional<std::int64_t> integer_of(const json::value* value) {
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_string()) {
    const auto& text = value->get_string();
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && ptr == text.data() + text.size()) return n;
  }
  return std::nullopt;
}

void unreadable(std::string_view service, std::string_view what) {
  throw Error(ErrorKind::unavailable, "google_error",
              std::string(service) + " answered " + std::string(what) + " that could not be read");
}

json::object object_of_body(std::string_view body, std::string_view service,
                            std::string_view what) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) unreadable(service, what);
  return std::move(value.get_object());
}

json::object channel_watch_body(const std::string& channel_id, const std::string& address,
                                const std::string& token, std::chrono::seconds ttl) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  json::object body;
  body["id"] = channel_id;
  body["type"] = "web_hook";
  body["address"] = address;
  if (!token.empty()) body["token"] = token;
  body["expiration"] = (now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl)).count();
  return body;
}

Channel channel_of(std::string_view body, std::string_view service) {
  const json::object answer = object_of_body(body, service, "a channel");
  Channel channel;
  channel.id = string_of(answer, "id");
  channel.resource_id = string_of(answer, "resourceId");
  const auto expiration = integer_of(answer.if_contains("expiration"));
  if (channel.id.empty() || channel.resource_id.empty() || !expiration)
    unreadable(service, "a channel without id, resourceId or expiration");
  channel.expiration =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(*expiration));
  return channel;
}

json::object channel_stop_body(const std::string& id, const std::string& resource_id) {
  json::object body;
  body["id"] = id;
  body["resourceId"] = resource_id;
  return body;
}

}  // namespace crmd::google
