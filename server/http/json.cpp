#include "server/http/json.hpp"

#include <boost/json/parse.hpp>

#include "domain/common/error.hpp"
#include "domain/common/storable_text.hpp"
#include "domain/common/version.hpp"

namespace crmd::http {

boost::json::value parse_json_body(const Request& request) {
  const auto type = request.message[beast_http::field::content_type];
  const auto media = type.substr(0, type.find(';'));
  if (media != "application/json" &&
      !(media.starts_with("application/") && media.ends_with("+json")))
    throw Error(ErrorKind::unsupported_media, "unsupported_media_type",
                "expected a body of type application/json");
  boost::json::parse_options options;
  options.max_depth = 32;
  boost::system::error_code ec;
  auto value = boost::json::parse(request.message.body(), ec, {}, options);
  if (ec) throw Error(ErrorKind::bad_request, "malformed_json", "malformed JSON: " + ec.message());
  reject_unstorable(value, "body");
  return value;
}

void reject_unstorable(const boost::json::value& value, std::string_view root) {
  if (auto bad = find_unstorable(value, root))
    throw Error(ErrorKind::validation, "validation_error", bad->field + " " + bad->message,
                {{bad->field, bad->message}});
}

Response json_response(const Request& request, beast_http::status status,
                       const boost::json::value& body) {
  return json_response(request, status, JsonText::of_tree(body));
}

Response json_response(const Request& request, beast_http::status status, JsonText body) {
  Response response(status, request.message.version());
  response.set(beast_http::field::content_type, "application/json");
  response.body() = std::move(body).str();
  response.prepare_payload();
  return response;
}

Response record_response(const Request& request, beast_http::status status,
                         const boost::json::value& body, Timestamp updated_at) {
  return record_response(request, status, JsonText::of_tree(body), updated_at);
}

Response record_response(const Request& request, beast_http::status status, JsonText body,
                         Timestamp updated_at) {
  auto response = json_response(request, status, std::move(body));
  response.set(beast_http::field::etag, etag_of(updated_at));
  return response;
}

Response no_content(const Request& request) {
  Response response(beast_http::status::no_content, request.message.version());
  response.prepare_payload();
  return response;
}

}  // namespace crmd::http
