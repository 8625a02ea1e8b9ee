// Logging through spdlog on an asynchronous queue, so I/O threads only
// enqueue. Text or JSON lines (CRMD_LOG_FORMAT); the access log is its own
// logger so it can be switched off.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace crmd::server {

void setup_logging(const config::Config& config);
void flush_logs();

struct AccessRecord {
  std::string_view request_id;
  std::string_view remote_address;
  std::string_view method;
  std::string_view path;
  unsigned status;
  std::size_t bytes;
  double seconds;
};

void log_access(const AccessRecord& record);

}  // namespace crmd::server
