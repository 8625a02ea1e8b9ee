// What the outbound client sends and what it hands back. libcurl does all
// HTTP framing; these are plain values.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmd::web {

using Header = std::pair<std::string, std::string>;

// Says whether a connection to this address may be opened; seen before
// connect, for every address tried (redirects and proxies included).
using AddressPredicate = std::function<bool(const sockaddr&)>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http:// or https:// only
  std::vector<Header> headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};  // the whole transfer
  // A longer answer fails the transfer with response_too_large.
  std::size_t max_response_bytes = 64 * 1024;
  bool follow_redirects = false;   // at most 5, http(s) only
  AddressPredicate allow_address;  // empty: any address
  std::string service = "other";   // the metrics label
};

struct HttpResponse {
  unsigned status = 0;
  // Names lower-cased, in the order received; a repeated header appears
  // once per occurrence.
  std::vector<Header> headers;
  std::string body;

  // The first value of a header, by its lower-case name.
  std::optional<std::string_view> header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
      if (name == lower_name) return value;
    return std::nullopt;
  }
};

}  // namespace crmd::web
