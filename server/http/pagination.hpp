// The one pagination helper: `limit` (default 25, at most 100) and an
// opaque `cursor` in, {"next", "previous", "results"} out, with absolute
// links that keep the request's other query parameters.
#pragma once

#include <boost/json/array.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server/http/request.hpp"

namespace crmd::http {

inline constexpr std::size_t kDefaultPageSize = 25;
inline constexpr std::size_t kMaxPageSize = 100;

struct PageRequest {
  std::size_t limit = kDefaultPageSize;
  // The decoded cursor: the sort key of the last row of the previous page.
  std::optional<std::vector<std::string>> after;
};

// Throws Error{validation} for a bad limit, Error{bad_request} for a cursor
// that was not made here.
PageRequest page_request(const Request& request);

std::string encode_cursor(const std::vector<std::string>& key);

// next_key / previous_key: the cursors of the neighbouring pages, if any.
Response page_response(const Request& request, boost::json::array results,
                       const std::optional<std::vector<std::string>>& next_key,
                       const std::optional<std::vector<std::string>>& previous_key = std::nullopt,
                       std::optional<std::int64_t> count = std::nullopt);

}  // namespace crmd::http
