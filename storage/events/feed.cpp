#include "storage/events/feed.hpp"

#include <charconv>

#include "domain/common/error.hpp"
#include "storage/calendar/repository.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
namespace {

Error cursor_expired() {
  return Error(ErrorKind::gone, "cursor_expired",
               "events after this cursor are past retention: read the lists again to resync, "
               "then follow the feed from a new cursor");
}

std::string visible_to(const events::Audience& audience, pg::Params& params) {
  if (audience.owner) {
    const auto me = placeholder(params, *audience.owner);
    return "(a.entity_type IN ('contact', 'company', 'tag', 'lead_status', 'lead_origin',"
           " 'pipeline', 'stage')"
           " OR (a.entity_type = 'deal' AND EXISTS (SELECT 1 FROM deals d WHERE d.id::text ="
           " a.entity_id AND d.owner_id = " +
           me +
           "))"
           // A note: as the record it is on.
           " OR (a.entity_type = 'note' AND (a.after->>'entity_type' IN ('contact', 'company')"
           " OR (a.after->>'entity_type' = 'deal' AND EXISTS (SELECT 1 FROM deals d WHERE"
           " d.id::text = a.after->>'entity_id' AND d.owner_id = " +
           me +
           ")) OR (a.after->>'entity_type' = 'lead' AND EXISTS (SELECT 1 FROM leads l WHERE"
           " l.id::text = a.after->>'entity_id' AND l.owner_user_id = " +
           me +
           "))))"
           " OR (a.entity_type = 'lead' AND EXISTS (SELECT 1 FROM leads l WHERE l.id::text ="
           " a.entity_id AND l.owner_user_id = " +
           me +
           "))"
           " OR (a.entity_type = 'job' AND EXISTS (SELECT 1 FROM jobs j WHERE j.id::text ="
           " a.entity_id AND j.created_by = " +
           me +
           "))"
           // An event's changes: to whoever may see the event now.
           " OR (a.entity_type = 'calendar' AND EXISTS (SELECT 1 FROM calendar_events e WHERE"
           " e.id::text = a.entity_id AND " +
           calendar_event_visible("e", me) +
           "))"
           // A drive's changes: as the drive's record (see domain/drive/entity.hpp).
           " OR (a.entity_type = 'drive' AND a.event_type NOT LIKE 'drive.template%'"
           " AND (a.after->>'entity_type' IN ('company', 'contact')"
           " OR (a.after->>'entity_type' = 'lead' AND EXISTS (SELECT 1 FROM leads l WHERE"
           " l.id::text = a.after->>'entity_id' AND l.owner_user_id = " +
           me +
           "))"
           " OR (a.after->>'entity_type' = 'deal' AND EXISTS (SELECT 1 FROM deals d"
           " WHERE d.id::text = a.after->>'entity_id' AND d.owner_id = " +
           me + ")))))";
  }
  if (!audience.identity) return "a.entity_type NOT IN ('user', 'api_key', 'webhook')";
  return "TRUE";
}

}  // namespace

std::uint64_t xid_of(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

asio::awaitable<FeedPosition> EventFeed::now() {
  const auto result = co_await pool_.read("SELECT pg_snapshot_xmin(pg_current_snapshot())::text");
  co_return FeedPosition{xid_of(result.one().get<std::string>(0)), 0};
}

asio::awaitable<FeedPosition> EventFeed::beginning() {
  const auto result =
      co_await pool_.read("SELECT pruned_txid::text, pruned_id FROM event_log_state");
  co_return FeedPosition{xid_of(result.one().get<std::string>(0)),
                         result.one().get<std::int64_t>(1)};
}

asio::awaitable<FeedPage> EventFeed::read(FeedPosition after, const FeedFilter& filter,
                                          std::size_t limit) {
  // The bound first: every transaction below it has ended, so the rows
  // below it that the next statement sees are all there will ever be.
  const auto state = co_await pool_.read_page(
      "SELECT pruned_txid::text, pruned_id, pg_snapshot_xmin(pg_current_snapshot())::text"
      " FROM event_log_state");
  const auto row = state.one();
  const FeedPosition pruned{xid_of(row.get<std::string>(0)), row.get<std::int64_t>(1)};
  if (after < pruned) throw cursor_expired();
  const auto bound = xid_of(row.get<std::string>(2));

  pg::Params params;
  std::string where = "a.event_type IS NOT NULL AND a.txid < " +
                      placeholder(params, std::to_string(bound)) + "::xid8 AND (a.txid, a.id) > (" +
                      placeholder(params, std::to_string(after.txid)) + "::xid8, " +
                      placeholder(params, after.id) + ")";
  if (!filter.types.empty()) {
    const auto types = placeholder(params, filter.types);
    where += " AND (a.event_type = ANY(" + types + "::text[]) OR a.entity_type = ANY(" + types +
             "::text[]))";
  }
  where += " AND " + visible_to(filter.audience, params);
  const auto rows = co_await pool_.read_page(
      "SELECT a.txid::text, a.id, a.event_type, a.entity_type, a.entity_id, a.at, a.actor_type,"
      " a.actor_id, a.actor_label, coalesce(a.changed, '{}'), a.after FROM audit_logs a WHERE " +
          where + " ORDER BY a.txid, a.id LIMIT " +
          placeholder(params, static_cast<std::int64_t>(limit)),
      params);
  FeedPage page;
  page.next = after;
  for (auto r : rows) {
    page.next = {xid_of(r.get<std::string>(0)), r.get<std::int64_t>(1)};
    page.events.push_back({r.get<std::int64_t>(1), r.get<std::string>(2), r.get<std::string>(3),
                           r.get<std::optional<std::string>>(4), r.get<Timestamp>(5),
                           r.get<std::string>(6), r.get<std::optional<Uuid>>(7),
                           r.get<std::optional<std::string>>(8), r.get<std::vector<std::string>>(9),
                           r.get<std::optional<boost::json::value>>(10)});
  }
  // A short page read everything below the bound: the next read need not
  // look below it again.
  if (page.events.size() < limit) page.next = std::max(page.next, FeedPosition{bound, 0});
  co_return page;
}

asio::awaitable<std::int64_t> EventFeed::prune(Timestamp cutoff, std::int64_t batch) {
  auto tx = co_await pool_.begin();
  const auto result = co_await tx.query(
      "WITH doomed AS (SELECT id FROM audit_logs WHERE event_type IS NOT NULL AND at < $1"
      "   ORDER BY txid, id LIMIT $2),"
      " gone AS (DELETE FROM audit_logs a USING doomed d WHERE a.id = d.id RETURNING a.txid, a.id),"
      " last AS (SELECT txid, id FROM gone ORDER BY txid DESC, id DESC LIMIT 1)"
      " UPDATE event_log_state s SET pruned_txid = last.txid, pruned_id = last.id FROM last"
      " WHERE (last.txid, last.id) > (s.pruned_txid, s.pruned_id)"
      " RETURNING (SELECT count(*) FROM gone)",
      cutoff, batch);
  co_await tx.commit();
  co_return result.empty() ? 0 : result.one().get<std::int64_t>(0);
}

}  // namespace crmd::storage
