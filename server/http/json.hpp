// The one JSON helper: reading request bodies and writing JSON responses.
#pragma once

#include <boost/json/value.hpp>

#include "server/http/request.hpp"

namespace crmd::http {

// The body as JSON: 415 unless Content-Type is application/json (or +json),
// 400 naming the position when it does not parse, 400 when too deeply nested.
boost::json::value parse_json_body(const Request& request);

Response json_response(const Request& request, beast_http::status status,
                       const boost::json::value& body);

Response no_content(const Request& request);

}  // namespace crmd::http
