// The one pagination helper: `limit` (default 25, at most 100) and an
// opaque `cursor` in, {"next", "previous", "results"} out, with absolute
// links that keep the request's other query parameters.
#pragma once

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "domain/common/json_text.hpp"
#include "domain/common/page.hpp"
#include "server/http/request.hpp"

namespace crmd::http {

inline constexpr std::size_t kDefaultPageSize = 25;
inline constexpr std::size_t kMaxPageSize = 100;
// The query parameters every paged list takes.
inline constexpr std::array<std::string_view, 2> kPageParameters{"limit", "cursor"};

struct PageRequest {
  std::size_t limit = kDefaultPageSize;
  // The decoded cursor: the sort key of the last row of the previous page.
  std::optional<std::vector<std::string>> after;
};

// Throws Error{validation} for a bad limit, Error{bad_request} for a cursor
// that was not made here.
PageRequest page_request(const Request& request);

std::string encode_cursor(const std::vector<std::string>& key);
// The parts of a cursor made by encode_cursor; Error invalid_cursor otherwise.
std::vector<std::string> decode_cursor(std::string_view cursor);

// The absolute URL of a path and query, on the request's base_url.
std::string absolute_url(const Request& request, std::string_view path_and_query);

// The cursor of a keyset list (see KeysetPage) that starts after ("n") or
// before ("p") the row.
std::string keyset_cursor(const std::string& fingerprint, const char* way,
                          const std::string& sort_key, const Uuid& id);

// A list's name and the values of its filter parameters: a KeysetPage's
// fingerprint, so that a cursor only continues the list it came from.
std::string query_fingerprint(const Request& request, std::string_view list,
                              std::span<const std::string_view> filters);

// results: the page's JSON array; next_key / previous_key: the cursors of
// the neighbouring pages, if any.
Response page_response(const Request& request, JsonText results,
                       const std::optional<std::vector<std::string>>& next_key,
                       const std::optional<std::vector<std::string>>& previous_key = std::nullopt,
                       std::optional<std::int64_t> count = std::nullopt,
                       const boost::json::object& extra = {});

// A page of a keyset list that can be walked both ways. Its cursors are
// [fingerprint of the query, "n" or "p", sort key, id]: a cursor made for
// another query (other filters or ordering), or tampered with, is refused
// with 400 rather than followed to a wrong page.
class KeysetPage {
 public:
  KeysetPage(const Request& request, std::string fingerprint);

  // Rows to fetch: one more than the page shows, to know whether more follow.
  std::size_t fetch_limit() const { return page_.limit + 1; }
  const std::optional<PagePosition>& position() const { return position_; }

  // rows in the list's order, as fetched; T has an `id` and a
  // write_json() or to_json() found beside it.
  // extra: members the answer has besides the page's (a listing's folder).
  template <class T>
  Response respond(const Request& request, const std::vector<Listed<T>>& rows,
                   std::optional<std::int64_t> count = std::nullopt,
                   const boost::json::object& extra = {}) const {
    const auto [first, last] = shown(rows.size());
    return respond(request, results_of(rows, first, last), last - first, rows.size(),
                   first < last ? edge(rows[first]) : Edge{},
                   first < last ? edge(rows[last - 1]) : Edge{}, count, extra);
  }

  // The first and last row shown, for the cursors.
  struct Edge {
    std::string_view sort_key;
    Uuid id;
  };
  // Of `fetched` rows, the ones the page shows: [first, last).
  std::pair<std::size_t, std::size_t> shown(std::size_t fetched) const;
  // results: the JSON array of the `shown` rows, of `fetched` rows read.
  Response respond(const Request& request, JsonText results, std::size_t shown, std::size_t fetched,
                   const Edge& front, const Edge& back, std::optional<std::int64_t> count,
                   const boost::json::object& extra = {}) const;

 private:
  static constexpr std::size_t kArenaFirstBlockBytes = 16 * 1024;

  // The JSON array of rows [first, last): written as text where the row's
  // type has a write_json(), else built as one tree in an arena (no
  // allocation per value, nothing freed value by value) and serialized.
  template <class T>
  static JsonText results_of(const std::vector<Listed<T>>& rows, std::size_t first,
                             std::size_t last) {
    if constexpr (requires(JsonText & text, const T& item) { write_json(text, item); }) {
      JsonText out((last - first) * JsonText::kRecordBytes);
      out.begin_array();
      for (auto i = first; i < last; ++i) write_json(out, rows[i].item);
      out.end_array();
      return out;
    } else {
      unsigned char first_block[kArenaFirstBlockBytes];
      boost::json::monotonic_resource arena(first_block, sizeof first_block);
      const boost::json::storage_ptr sp(&arena);
      boost::json::array results(sp);
      results.reserve(last - first);
      for (auto i = first; i < last; ++i) results.push_back(to_json(rows[i].item, sp));
      return JsonText::of_tree(boost::json::value(std::move(results)));
    }
  }

  // A row's place: its sort key and UUID, or its sort key alone where the
  // row's id is a number and the sort key itself (KeysetQuery::unique_sort).
  template <class T>
  static Edge edge(const Listed<T>& row) {
    if constexpr (std::is_same_v<decltype(row.item.id), Uuid>)
      return {row.sort_key, row.item.id};
    else
      return {row.sort_key, Uuid{}};
  }

  PageRequest page_;
  std::string fingerprint_;
  std::optional<PagePosition> position_;
};

// A page of a short list read whole (contact methods, a lead's contacts,
// statuses, origins, API keys: tens of rows), with the cursors and answer
// of a keyset list. The sort key is the row's place in `all`; a cursor
// finds its row again by id, so rows added or removed meanwhile do not
// shift the page.
template <class T, class IdOf, class JsonOf>
Response page_of_all(const Request& request, std::string fingerprint, const std::vector<T>& all,
                     IdOf id_of, JsonOf json_of_row) {
  const KeysetPage page(request, std::move(fingerprint));
  std::size_t begin = 0, end = all.size();
  if (const auto& at = page.position()) {
    std::size_t place = 0;
    const auto [ptr, ec] =
        std::from_chars(at->sort_key.data(), at->sort_key.data() + at->sort_key.size(), place);
    (void)ptr;
    if (ec != std::errc{}) throw invalid_cursor();
    for (std::size_t i = 0; i < all.size(); ++i)
      if (id_of(all[i]) == at->id) place = i;
    if (at->backward)
      end = std::min(place, all.size());
    else
      begin = std::min(place + 1, all.size());
  }
  const bool backward = page.position() && page.position()->backward;
  if (backward)
    begin = end - std::min(end - begin, page.fetch_limit());
  else
    end = begin + std::min(end - begin, page.fetch_limit());
  const auto [first, last] = page.shown(end - begin);
  boost::json::array rows;
  for (auto i = begin + first; i < begin + last; ++i) rows.push_back(json_of_row(all[i]));
  auto results = JsonText::of_tree(boost::json::value(std::move(rows)));
  const auto front_key = std::to_string(begin + first), back_key = std::to_string(begin + last - 1);
  KeysetPage::Edge front{}, back{};
  if (first < last) {
    front = {front_key, id_of(all[begin + first])};
    back = {back_key, id_of(all[begin + last - 1])};
  }
  return page.respond(request, std::move(results), last - first, end - begin, front, back,
                      std::nullopt);
}

}  // namespace crmd::http
