// What Google's JSON APIs (Drive, Calendar, Gmail) share on the wire: push
// channels, and the request and answer helpers of storage/google/api.cpp.
#pragma once

#include <chrono>
#include <string>

namespace crmd::google {

struct Channel {
  std::string id, resource_id;
  std::chrono::system_clock::time_point expiration;
};

}  // namespace crmd::google
