// The calendar: events made here (in Google first when it is connected) or
// mirrored from Google, their links to leads, contacts and deals, and the
// lead activities they stand for. Reads come from the database only.
//
// Who sees what: managers and admins every event; a sales user the events
// they own and, unless private, those linked to a contact, to one of their
// leads or to one of their deals. Only the owner (or a manager) changes one.
//
// The actor's state: the cache of which contact an attendee's e-mail is
// (emptied by NOTIFY crmd_contact_emails from any process).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/actor.hpp"
#include "actors/leads.hpp"
#include "domain/calendar/event.hpp"
#include "storage/calendar/repository.hpp"
#include "storage/google/calendar.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

inline constexpr const char* kContactEmailsChannel = "crmd_contact_emails";

struct CalendarOptions {
  std::vector<std::string> calendars{"primary"};  // the first is the default
};

class CalendarService {
 public:
  // google: null when Google Calendar is not connected (events are local).
  CalendarService(Actor& actor, pg::Pool& pool, LeadService& leads, google::GoogleCalendar* google,
                  CalendarOptions options);

  boost::asio::awaitable<void> follow_changes(pg::Listener& listener);

  boost::asio::awaitable<calendar::Event> create(calendar::NewEvent event,
                                                 identity::RequestContext context);
  boost::asio::awaitable<calendar::Event> update(Uuid id, calendar::EventChanges changes,
                                                 identity::RequestContext context);
  // The event kept, cancelled (deleted in Google first).
  boost::asio::awaitable<calendar::Event> cancel(Uuid id, identity::RequestContext context);
  boost::asio::awaitable<calendar::Event> get(Uuid id, identity::RequestContext context);
  boost::asio::awaitable<std::vector<Listed<calendar::Event>>> list(
      storage::EventQuery query, std::size_t limit, std::optional<PagePosition> from,
      identity::RequestContext context);

  // A page from Google written to the calendar's mirror in tx: events
  // upserted, tombstones applied, attendee links, lead activities and one
  // audit row per event that changed. The number of events that changed.
  boost::asio::awaitable<std::size_t> write_mirror_page(
      pg::Transaction& tx, const std::string& calendar_id,
      const std::vector<google::CalendarEvent>& events);
  // A full sync's end: what it did not see cancelled, likewise.
  boost::asio::awaitable<std::size_t> cancel_unseen(pg::Transaction& tx,
                                                    const std::string& calendar_id,
                                                    Timestamp run_started, Timestamp window_start);

  const std::vector<std::string>& calendars() const { return options_.calendars; }
  storage::CalendarRepository& repository() { return repository_; }

 private:
  // Links, lead activities and audit rows of written events; the events as
  // they are now, and in *changed how many changed.
  boost::asio::awaitable<std::vector<calendar::Event>> after_write(
      pg::Transaction& tx, std::vector<storage::EventChange> changes,
      const identity::RequestContext& context, std::size_t* changed = nullptr);
  // The contacts of these e-mails, from the cache (the missing ones read).
  boost::asio::awaitable<std::unordered_map<std::string, Uuid>> contacts_of(
      std::vector<std::string> emails);
  boost::asio::awaitable<void> check_links(const calendar::Links& links,
                                           const identity::RequestContext& context);
  // The event as a writer of it may have it: visible (else 404), theirs or
  // the caller a manager (else 403), not cancelled (else 409).
  boost::asio::awaitable<calendar::Event> writable(const Uuid& id,
                                                   const identity::RequestContext& context);
  std::string calendar_of(const std::optional<std::string>& requested) const;

  Actor& actor_;
  pg::Pool& pool_;
  LeadService& leads_;
  google::GoogleCalendar* google_;
  CalendarOptions options_;
  storage::CalendarRepository repository_;
  // On the strand: e-mail → contact, nullopt for "none"; bounded.
  std::unordered_map<std::string, std::optional<Uuid>> emails_;
  std::uint64_t emails_generation_ = 0;
};

}  // namespace crmd::actors
