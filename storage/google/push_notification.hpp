// A push notification from Google (Drive, Calendar): its X-Goog-* headers.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace crmd::google {

struct PushNotification {
  std::string channel_id, token, resource_id, resource_state;
  std::int64_t message_number = 0;
  std::vector<std::string> changed;  // X-Goog-Changed, trimmed
  boost::json::object headers;       // every X-Goog-* header but the token
};

}  // namespace crmd::google
