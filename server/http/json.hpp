// The one JSON helper: reading request bodies and writing JSON responses.
#pragma once

#include <boost/json/value.hpp>

#include "domain/common/json_text.hpp"
#include "server/http/request.hpp"

namespace crmd::http {

// The body as JSON: 415 unless Content-Type is application/json (or +json),
// 400 naming the position when it does not parse, 400 when too deeply nested.
// A NUL in any string or key, or a number too large for jsonb, is 422
// naming the field.
boost::json::value parse_json_body(const Request& request);

// The 422 of parse_json_body for JSON read from elsewhere (a query
// parameter): root names it.
void reject_unstorable(const boost::json::value& value, std::string_view root);

Response json_response(const Request& request, beast_http::status status,
                       const boost::json::value& body);
Response json_response(const Request& request, beast_http::status status, JsonText body);

// One record's JSON with its version as ETag (see domain/common/version.hpp),
// for If-Match on the next write.
Response record_response(const Request& request, beast_http::status status,
                         const boost::json::value& body, Timestamp updated_at);
Response record_response(const Request& request, beast_http::status status, JsonText body,
                         Timestamp updated_at);

Response no_content(const Request& request);

}  // namespace crmd::http
