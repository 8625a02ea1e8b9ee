#include "server/http/router.hpp"

#include <algorithm>
#include <array>
#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>
#include <stdexcept>

#include "domain/common/error.hpp"
#include "domain/identity/scopes.hpp"

namespace crmd::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

std::optional<std::string> decode_segment(std::string_view encoded) {
  auto checked = boost::urls::make_pct_string_view(encoded);
  if (!checked) return std::nullopt;
  return checked->decode();
}

}  // namespace

const std::string& Request::path_param(std::string_view name) const {
  for (const auto& [key, value] : path_params)
    if (key == name) return value;
  throw std::logic_error("route has no parameter " + std::string(name));
}

Uuid Request::path_uuid(std::string_view name, std::string_view what) const {
  auto id = Uuid::parse(path_param(name));
  if (!id) throw Error(ErrorKind::not_found, "not_found", "no such " + std::string(what));
  return *id;
}

void Router::add(beast_http::verb method, std::string path_template, Access access, Handler handler,
                 RouteOptions options) {
  if (!path_template.starts_with('/'))
    throw std::invalid_argument("route template must start with '/': " + path_template);
  if (options.scope.empty())
    options.scope = identity::default_scope(beast_http::to_string(method), path_template);
  if ((access == Access::write_key || access == Access::write_key_or_bearer) &&
      options.scope.empty())
    throw std::invalid_argument("a write-key route needs a scope: " + path_template);
  Route route{method, path_template, access, std::move(handler), std::move(options), {}};
  for (auto segment : split_path(path_template)) {
    if (segment.empty()) throw std::invalid_argument("empty segment in " + path_template);
    const bool is_param = segment.starts_with('{') && segment.ends_with('}');
    if (is_param) segment = segment.substr(1, segment.size() - 2);
    route.segments.push_back({std::string(segment), is_param});
  }
  const auto length = route.segments.size();
  if (length >= kMaxSegments) throw std::invalid_argument("too many segments in " + path_template);
  if (by_length_.size() <= length) by_length_.resize(length + 1);
  for (auto index : by_length_[length]) {
    const auto& existing = routes_[index];
    if (existing.method != method) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < route.segments.size(); ++i) {
      const auto &a = existing.segments[i], &b = route.segments[i];
      same = a.is_param == b.is_param && (a.is_param || a.text == b.text);
    }
    if (same) throw std::invalid_argument("duplicate route " + path_template);
  }
  by_length_[length].push_back(routes_.size());
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(beast_http::verb method, std::string_view path) const {
  RouteMatch result;
  // The path's segments, decoded where they hold a percent-escape (into
  // `decoded`, which the views then point into). A path longer than every
  // route matches none; nothing is allocated for one that holds no escape.
  std::array<std::string_view, kMaxSegments> segments;
  std::array<std::string, kMaxSegments> decoded;
  std::size_t length = 0;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  while (!path.empty()) {
    if (length == by_length_.size() || length == kMaxSegments) return result;
    const auto slash = path.find('/');
    auto segment = path.substr(0, slash);
    if (segment.find('%') != std::string_view::npos) {
      auto text = decode_segment(segment);
      if (!text) return result;  // a malformed path matches nothing
      decoded[length] = std::move(*text);
      segment = decoded[length];
    }
    if (segment.empty()) return result;
    segments[length++] = segment;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  // The most specific route wins: at the first segment where two matching
  // routes differ, a literal beats a parameter (/drive/folders/{id} over
  // /drive/{entity_type}/{entity_id}).
  const auto more_specific = [](const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size(); ++i)
      if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
    return false;
  };
  const Route* best = nullptr;
  if (length >= by_length_.size()) return result;
  for (auto index : by_length_[length]) {
    const auto& route = routes_[index];
    // From the last segment back: most routes share their first ones
    // (/api/v2), so a route that does not match mostly fails at once.
    bool matches = true;
    for (std::size_t i = length; matches && i-- > 0;)
      matches = route.segments[i].is_param || route.segments[i].text == segments[i];
    if (!matches) continue;
    if (route.method != method) {
      result.allowed.push_back(route.method);
      continue;
    }
    if (!best || more_specific(route, *best)) best = &route;
    const bool literal = std::none_of(best->segments.begin(), best->segments.end(),
                                      [](const Route::Segment& s) { return s.is_param; });
    if (literal) break;  // nothing is more specific
  }
  if (!best) return result;
  result.route = best;
  for (std::size_t i = 0; i < length; ++i)
    if (best->segments[i].is_param)
      result.params.emplace_back(best->segments[i].text, std::string(segments[i]));
  return result;
}

}  // namespace crmd::http
