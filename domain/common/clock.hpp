// The time now, at the precision crmd keeps (PostgreSQL's microseconds).
#pragma once

#include <chrono>

#include "domain/common/time.hpp"

namespace crmd {

inline Timestamp current_time() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

}  // namespace crmd
