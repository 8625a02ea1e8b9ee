#include "server/http/pagination.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/url.hpp>

#include "domain/common/error.hpp"
#include "domain/identity/jwt.hpp"
#include "server/http/json.hpp"

namespace crmd::http {
namespace {

constexpr std::size_t kMaxCursorBytes = 1024;

Error bad_cursor() {
  return Error(ErrorKind::bad_request, "invalid_cursor", "the cursor is not valid");
}

std::string link(const Request& request, const std::string& cursor) {
  boost::urls::url url(request.url);
  url.set_scheme(request.secure ? "https" : "http");
  url.set_encoded_authority(request.message[beast_http::field::host]);
  auto params = url.params();
  params.erase("cursor");
  params.append({"cursor", cursor});
  return std::string(url.buffer());
}

}  // namespace

std::string encode_cursor(const std::vector<std::string>& key) {
  boost::json::array parts;
  for (const auto& part : key) parts.emplace_back(part);
  return identity::base64url_encode(boost::json::serialize(parts));
}

PageRequest page_request(const Request& request) {
  const auto query = request.query();
  PageRequest page;
  page.limit = static_cast<std::size_t>(
      query.integer("limit", kDefaultPageSize, 1, static_cast<std::int64_t>(kMaxPageSize)));
  if (auto cursor = query.get("cursor")) {
    if (cursor->size() > kMaxCursorBytes) throw bad_cursor();
    auto text = identity::base64url_decode(*cursor);
    if (!text) throw bad_cursor();
    boost::system::error_code ec;
    auto value = boost::json::parse(*text, ec);
    const auto* parts = value.if_array();
    if (ec || !parts) throw bad_cursor();
    std::vector<std::string> key;
    for (const auto& part : *parts) {
      if (!part.is_string()) throw bad_cursor();
      key.emplace_back(part.get_string());
    }
    page.after = std::move(key);
  }
  return page;
}

Response page_response(const Request& request, boost::json::array results,
                       const std::optional<std::vector<std::string>>& next_key,
                       const std::optional<std::vector<std::string>>& previous_key,
                       std::optional<std::int64_t> count) {
  boost::json::object body;
  body["next"] = next_key ? boost::json::value(link(request, encode_cursor(*next_key))) : nullptr;
  body["previous"] =
      previous_key ? boost::json::value(link(request, encode_cursor(*previous_key))) : nullptr;
  if (count) body["count"] = *count;  // only when asked for: it costs a query
  body["results"] = std::move(results);
  return json_response(request, beast_http::status::ok, body);
}

}  // namespace crmd::http
