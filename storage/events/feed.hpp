// The change feed's reads of the event log (audit rows with an event type),
// in the gap-free order of DESIGN "Events": (transaction id, row id), below
// the reading snapshot's xmin, so that a transaction that commits after a
// later one is never skipped by a cursor that already passed it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events/event.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// A place in the feed: after the row (txid, id).
struct FeedPosition {
  std::uint64_t txid = 0;
  std::int64_t id = 0;
  friend auto operator<=>(const FeedPosition&, const FeedPosition&) = default;
};

// A transaction id as PostgreSQL writes an xid8 (`::text`).
std::uint64_t xid_of(std::string_view text);

struct FeedFilter {
  std::vector<std::string> types;  // event types or entity types; empty: all
  events::Audience audience;
};

struct FeedPage {
  std::vector<events::Event> events;
  FeedPosition next;  // where the next read starts
};

class EventFeed {
 public:
  explicit EventFeed(pg::Pool& pool) : pool_(pool) {}

  // After everything committed so far: a feed read from here sees what
  // commits next.
  boost::asio::awaitable<FeedPosition> now();
  // The oldest position retention has kept.
  boost::asio::awaitable<FeedPosition> beginning();
  // The events after `after` (up to limit). Error{gone, cursor_expired}
  // when retention has pruned events after it.
  boost::asio::awaitable<FeedPage> read(FeedPosition after, const FeedFilter& filter,
                                        std::size_t limit);
  // Removes up to batch events older than cutoff, oldest first, and moves
  // the retention mark past them; answers how many.
  boost::asio::awaitable<std::int64_t> prune(Timestamp cutoff, std::int64_t batch);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
