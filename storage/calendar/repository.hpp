// The SQL of the calendar: events and their links, the mirror's batch
// writes, the listing, and who may see an event.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/calendar/event.hpp"
#include "domain/common/page.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// Every column an event's writer sets.
struct EventRow {
  std::string calendar_id;
  std::optional<std::string> google_event_id;
  calendar::EventFields fields;
  std::optional<std::string> meet_link, html_link, organizer_email;
  std::string status = "confirmed";
  std::optional<std::string> recurring_event_id;
  std::optional<Timestamp> original_start_time, google_updated_at;
  std::optional<Uuid> owner_id, created_by;
};

// A cancelled event from Google: often only its id. One not mirrored yet is
// kept only when it is an instance of a recurring event (at its original
// start), so that the series keeps its hole.
struct Tombstone {
  std::string google_event_id;
  std::optional<std::string> recurring_event_id;
  std::optional<Timestamp> original_start_time;
};

// An event before and after a batch write (before: none when new).
struct EventChange {
  std::optional<calendar::Event> before;
  calendar::Event after;
};

struct EventQuery {
  std::optional<Timestamp> start, end;  // overlapping [start, end)
  std::vector<std::string> calendar_ids, statuses;
  std::optional<std::string> attendee;
  std::optional<Uuid> lead_id, contact_id, deal_id;
  std::optional<Uuid> visible_to;  // a sales user: what they may see only
};

// The SQL condition that `me` (a placeholder) may see the event aliased
// `alias`: their own, and those linked to what they may read unless
// private (see README, "Calendar"). Shared with the change feed.
std::string calendar_event_visible(std::string_view alias, const std::string& me);

class CalendarRepository {
 public:
  explicit CalendarRepository(pg::Pool& pool) : pool_(pool) {}

  boost::asio::awaitable<std::optional<calendar::Event>> get(const Uuid& id,
                                                             const std::optional<Uuid>& visible_to);
  boost::asio::awaitable<std::vector<Listed<calendar::Event>>> list(
      const EventQuery& query, std::size_t limit, const std::optional<PagePosition>& from);

  boost::asio::awaitable<std::optional<calendar::Event>> lock(pg::Transaction& tx, const Uuid& id);
  boost::asio::awaitable<calendar::Event> insert(pg::Transaction& tx, const EventRow& row);
  // The mirror's write of one event crmd made or changed in Google: inserted,
  // or updated when a sync mirrored it first (its owner kept).
  boost::asio::awaitable<calendar::Event> upsert(pg::Transaction& tx, const EventRow& row);
  boost::asio::awaitable<calendar::Event> update(pg::Transaction& tx, const Uuid& id,
                                                 const EventRow& row);
  boost::asio::awaitable<calendar::Event> cancel(pg::Transaction& tx, const Uuid& id);
  // The explicit links of one kind replaced.
  boost::asio::awaitable<void> set_links(pg::Transaction& tx, const Uuid& event,
                                         std::string_view type, const std::vector<Uuid>& ids);
  // Attendee links: contacts whose e-mail an attendee has, replacing the
  // events' former attendee links (an explicit link stays).
  boost::asio::awaitable<void> set_attendee_links(
      pg::Transaction& tx, const std::vector<std::pair<Uuid, Uuid>>& event_contacts,
      const std::vector<Uuid>& events);
  // The events again, links included.
  boost::asio::awaitable<std::vector<calendar::Event>> reread(pg::Transaction& tx,
                                                              const std::vector<Uuid>& ids);

  // ---- the mirror (one calendar, a page at a time)
  boost::asio::awaitable<std::vector<EventChange>> upsert_mirror(pg::Transaction& tx,
                                                                 const std::string& calendar_id,
                                                                 const std::vector<EventRow>& rows);
  boost::asio::awaitable<std::vector<EventChange>> apply_tombstones(
      pg::Transaction& tx, const std::string& calendar_id,
      const std::vector<Tombstone>& tombstones);
  // A full sync's end: the calendar's live Google events it did not see
  // (synced before it started), ending after its window's start, cancelled.
  boost::asio::awaitable<std::vector<EventChange>> cancel_unseen(pg::Transaction& tx,
                                                                 const std::string& calendar_id,
                                                                 Timestamp run_started,
                                                                 Timestamp window_start);

  // Live contacts by e-mail (lower-cased), for attendee links.
  boost::asio::awaitable<std::vector<std::pair<std::string, Uuid>>> contacts_by_email(
      const std::vector<std::string>& emails);
  // Of ids, those that are no live lead (or, with owner, not theirs).
  boost::asio::awaitable<std::vector<Uuid>> unknown_leads(const std::vector<Uuid>& ids,
                                                          const std::optional<Uuid>& owner);
  boost::asio::awaitable<std::vector<Uuid>> unknown_contacts(const std::vector<Uuid>& ids);
  boost::asio::awaitable<std::vector<Uuid>> unknown_deals(const std::vector<Uuid>& ids,
                                                          const std::optional<Uuid>& owner);
  // The users of these e-mails (lower-cased), for mirrored events' owners.
  boost::asio::awaitable<std::vector<std::pair<std::string, Uuid>>> users_by_email(
      const std::vector<std::string>& emails);

  // Cancelled events cancelled before `before` moved to the archive, links
  // with them; at most limit a call. The number moved.
  boost::asio::awaitable<std::int64_t> archive_cancelled(Timestamp before, std::int64_t limit);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
