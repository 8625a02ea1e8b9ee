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
  return invalid_cursor();
}

std::string link(const Request& request, const std::string& cursor) {
  boost::urls::url url(request.url);
  auto params = url.params();
  params.erase("cursor");
  params.append({"cursor", cursor});
  return absolute_url(request, url.encoded_target());
}

}  // namespace

std::string absolute_url(const Request& request, std::string_view path_and_query) {
  std::string url = request.base_url ? *request.base_url : std::string();
  url += path_and_query;
  return url;
}

std::string query_fingerprint(const Request& request, std::string_view list,
                              std::span<const std::string_view> filters) {
  const auto query = request.query();
  std::string out(list);
  for (auto name : filters)
    for (const auto& value : query.all(name)) out += "|" + std::string(name) + "=" + value;
  return out;
}

std::string keyset_cursor(const std::string& fingerprint, const char* way,
                          const std::string& sort_key, const Uuid& id) {
  return encode_cursor({fingerprint, way, sort_key, id.str()});
}

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
  if (auto cursor = query.get("cursor")) page.after = decode_cursor(*cursor);
  return page;
}

std::vector<std::string> decode_cursor(std::string_view cursor) {
  if (cursor.size() > kMaxCursorBytes) throw bad_cursor();
  auto text = identity::base64url_decode(cursor);
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
  return key;
}

Response page_response(const Request& request, JsonText results,
                       const std::optional<std::vector<std::string>>& next_key,
                       const std::optional<std::vector<std::string>>& previous_key,
                       std::optional<std::int64_t> count, const boost::json::object& extra) {
  const auto link_of = [&](const std::optional<std::vector<std::string>>& key) {
    return key ? std::optional(link(request, encode_cursor(*key))) : std::nullopt;
  };
  JsonText body(results.str().size() + 512);
  body.begin_object();
  for (const auto& [key, value] : extra) body.member(key, value);
  body.member("next", link_of(next_key));
  body.member("previous", link_of(previous_key));
  if (count) body.member("count", *count);  // only when asked for: it costs a query
  body.key("results");
  body.raw(results.str());
  body.end_object();
  return json_response(request, beast_http::status::ok, std::move(body));
}

KeysetPage::KeysetPage(const Request& request, std::string fingerprint)
    : page_(page_request(request)), fingerprint_(std::move(fingerprint)) {
  if (!page_.after) return;
  const auto& parts = *page_.after;
  auto id = parts.size() == 4 ? Uuid::parse(parts[3]) : std::nullopt;
  if (!id || parts[0] != fingerprint_ || (parts[1] != "n" && parts[1] != "p"))
    throw invalid_cursor();
  position_ = PagePosition{parts[2], *id, parts[1] == "p"};
}

std::pair<std::size_t, std::size_t> KeysetPage::shown(std::size_t fetched) const {
  const bool backward = position_ && position_->backward;
  // The extra row lies beyond the page, on the side read towards.
  if (fetched <= page_.limit) return {0, fetched};
  return backward ? std::pair{fetched - page_.limit, fetched}
                  : std::pair{std::size_t{0}, page_.limit};
}

Response KeysetPage::respond(const Request& request, JsonText results, std::size_t shown,
                             std::size_t fetched, const Edge& front, const Edge& back,
                             std::optional<std::int64_t> count,
                             const boost::json::object& extra) const {
  const bool backward = position_ && position_->backward;
  const bool more = fetched > page_.limit;
  // Forward: more rows mean a next page, a cursor means a previous one.
  // Backward: the other way round.
  std::optional<std::vector<std::string>> next, previous;
  if (shown > 0) {
    const auto key = [&](const Edge& edge, const char* way) {
      return std::vector<std::string>{fingerprint_, way, std::string(edge.sort_key), edge.id.str()};
    };
    if (backward || more) next = key(back, "n");
    if (backward ? more : position_.has_value()) previous = key(front, "p");
  }
  return page_response(request, std::move(results), next, previous, count, extra);
}

}  // namespace crmd::http
