// The change feed: GET /api/v2/changes?cursor=&types=&limit=&wait=&from=.
// Events after the cursor, oldest first, with the cursor to come back with;
// without events, held up to `wait` seconds for the next commit's NOTIFY.
#include <boost/asio/this_coro.hpp>
#include <boost/json/array.hpp>
#include <charconv>

#include "domain/common/error.hpp"
#include "domain/events/event.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/operation.hpp"
#include "server/routes/routes.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::status;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;
using storage::FeedPosition;

namespace {

constexpr std::int64_t kDefaultLimit = 100, kMaxLimit = 500, kMaxWaitSeconds = 60;
constexpr std::array<std::string_view, 5> kParameters{"cursor", "types", "limit", "wait", "from"};
constexpr std::string_view kCursorKind = "changes";

template <class T>
bool parse_number(std::string_view text, T& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

std::string cursor_of(const FeedPosition& at) {
  return http::encode_cursor(
      {std::string(kCursorKind), std::to_string(at.txid), std::to_string(at.id)});
}

FeedPosition position_of(std::string_view cursor) {
  const auto parts = http::decode_cursor(cursor);
  FeedPosition at;
  if (parts.size() != 3 || parts[0] != kCursorKind || !parse_number(parts[1], at.txid) ||
      !parse_number(parts[2], at.id) || at.id < 0)
    throw invalid_cursor();
  return at;
}

// `types=contact,lead.qualified` (or repeated): event types or entity types.
std::vector<std::string> types_of(const QueryParams& query) {
  std::vector<std::string> types;
  for (const auto& value : query.all("types")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto term = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (term.empty()) continue;
      if (!events::known_type_filter(term))
        throw invalid_query_parameter("types",
                                      "unknown event or entity type: " + std::string(term));
      types.emplace_back(term);
    }
  }
  if (types.size() > QueryParams::kMaxRepeats)
    throw invalid_query_parameter("types", "at most 20 types");
  return types;
}

}  // namespace

void add_changes_routes(http::Router& router, ChangesContext context) {
  auto shared = std::make_shared<ChangesContext>(context);
  router.add(
      verb::get, "/api/v2/changes", Access::sales,
      [shared](Request& request) -> asio::awaitable<Response> {
        auto& [feed, watchers] = *shared;
        const auto query = request.query();
        query.reject_unknown(kParameters);
        const auto limit =
            static_cast<std::size_t>(query.integer("limit", kDefaultLimit, 1, kMaxLimit));
        const auto wait = query.integer("wait", 0, 0, kMaxWaitSeconds);
        const auto from = query.get("from");
        if (from && *from != "beginning")
          throw invalid_query_parameter("from", "expected beginning (or a cursor)");
        const storage::FeedFilter filter{types_of(query), events::audience_of(*request.principal)};

        FeedPosition at;
        if (auto cursor = query.get("cursor"))
          at = position_of(*cursor);
        else if (from)
          at = co_await feed.beginning();
        else
          at = co_await feed.now();

        auto page = co_await feed.read(at, filter, limit);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
        const auto executor = co_await asio::this_coro::executor;
        // Parked before reading again, so that a commit between the read
        // and the wait still wakes it; a wake with nothing for this reader
        // (another's events, or a commit still below an older open
        // transaction) parks again for the time left.
        while (page.events.empty()) {
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
              deadline - std::chrono::steady_clock::now());
          if (left.count() <= 0) break;
          actors::LeaveOnExit parked{
              watchers,
              watchers.park(Uuid{}, -1, identity::caller_key(*request.principal), executor, left)};
          if (!parked.ticket) break;
          page = co_await feed.read(page.next, filter, limit);
          if (!page.events.empty()) break;
          co_await watchers.wait(parked.ticket);
          page = co_await feed.read(page.next, filter, limit);
        }

        boost::json::array results;
        results.reserve(page.events.size());
        for (const auto& event : page.events) results.push_back(events::to_json(event));
        boost::json::object body;
        body["next_cursor"] = cursor_of(page.next);
        body["results"] = std::move(results);
        co_return http::json_response(request, status::ok, boost::json::value(std::move(body)));
      },
      {.doc = op("listChanges", "The change feed: events after a cursor, oldest first")
                  .tag("events")
                  .describe("Store next_cursor and come back with it. Without a cursor the feed "
                            "starts now; from=beginning starts at what retention kept. A cursor "
                            "older than retention answers 410 cursor_expired: read the lists "
                            "again, then follow from a new cursor.")
                  .query("cursor", schema::string(1024), "next_cursor of the previous answer")
                  .query("types", schema::string(),
                         "event types or entity types, comma-separated (contact,lead.qualified)")
                  .query("limit", schema::integer(1, kMaxLimit), "default 100")
                  .query("wait", schema::integer(0, kMaxWaitSeconds),
                         "seconds to hold an empty answer for the next event")
                  .query("from", schema::one_of_strings({"beginning"}))
                  .ok(schema::Object("ChangePage")
                          .field("next_cursor", schema::string())
                          .field("results", schema::array(schema::schema_of<events::Event>())))
                  .errors({400, 410, 429})});
}

}  // namespace crmd::server::routes
