// What Google's JSON APIs (Drive, Calendar, Gmail) share on the wire: push
// channels, and the request and answer helpers of storage/google/api.cpp.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/web/http_message.hpp"

namespace crmd::google {

struct Channel {
  std::string id, resource_id;
  std::chrono::system_clock::time_point expiration;
};

// A request that asks for JSON.
web::HttpRequest request_of(std::string method, std::string url);
// request_of with body as its JSON content.
web::HttpRequest json_request(std::string method, std::string url, const boost::json::object& body);

// The string at key, "" when absent or not a string.
std::string string_of(const boost::json::object& object, std::string_view key);
// An integer, or one written as a decimal string (Google's int64 fields).
std::optional<std::int64_t> integer_of(const boost::json::value* value);

// Error(unavailable, "google_error"): service (e.g. "Google Drive") answered
// what, which could not be read.
[[noreturn]] void unreadable(std::string_view service, std::string_view what);
// body as a JSON object, else unreadable(service, what).
boost::json::object object_of_body(std::string_view body, std::string_view service,
                                   std::string_view what);

// The body of a watch request: a web_hook channel to address, expiring ttl
// from now; token is left out when empty.
boost::json::object channel_watch_body(const std::string& channel_id, const std::string& address,
                                       const std::string& token, std::chrono::seconds ttl);
// A watch answer (unreadable when id, resourceId or expiration is missing).
Channel channel_of(std::string_view body, std::string_view service);
// The body of channels/stop.
boost::json::object channel_stop_body(const std::string& id, const std::string& resource_id);

}  // namespace crmd::google
