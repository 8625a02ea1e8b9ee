// Calendar events as the API shows them, and the bodies that make and change
// them. An event spans [start, end): a timed one two instants, an all-day one
// two dates (end exclusive, as Google has it), kept at midnight UTC.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/fields.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd::calendar {

inline constexpr std::size_t kMaxSummaryBytes = 1024;
inline constexpr std::size_t kMaxDescriptionBytes = 65536;
inline constexpr std::size_t kMaxLocationBytes = 1024;
inline constexpr std::size_t kMaxAttendees = 200;
inline constexpr std::size_t kMaxLinks = 50;  // of each kind
inline constexpr std::chrono::days kMaxSpan{366};

struct EventTime {
  Timestamp at;
  std::optional<std::string> date;  // all-day: YYYY-MM-DD, `at` its midnight UTC
  bool all_day() const { return date.has_value(); }
};
// "2026-12-01" as an all-day time, else RFC 3339 with an offset; nullopt when
// it is neither.
std::optional<EventTime> parse_event_time(std::string_view text);
// The text parse_event_time reads.
std::string to_string(const EventTime& t);

// A time zone's IANA-like name (Europe/Paris, UTC, America/Argentina/Salta).
bool valid_time_zone(std::string_view name);

struct Attendee {
  std::string email;  // lower-cased
  bool optional = false;
  bool organizer = false;
  std::string response_status = "needsAction";
  std::optional<std::string> display_name;
};
boost::json::value to_json(const std::vector<Attendee>& attendees,
                           const boost::json::storage_ptr& sp = {});
// The stored form back (what to_json wrote); entries without an e-mail go.
std::vector<Attendee> attendees_of(const boost::json::value& json);

struct Links {
  std::vector<Uuid> lead_ids, contact_ids, deal_ids;
};

inline constexpr std::array<std::string_view, 3> kStatuses{"confirmed", "tentative", "cancelled"};
inline constexpr std::array<std::string_view, 4> kVisibilities{"default", "public", "private",
                                                               "confidential"};

struct Event {
  Uuid id;
  std::string calendar_id;
  std::optional<std::string> google_event_id;  // in Google too (not shown)
  std::optional<std::string> summary, description, location;
  EventTime start, end;
  std::optional<std::string> time_zone;
  std::optional<std::string> meet_link, html_link, organizer_email;
  std::string status = "confirmed";
  std::string visibility = "default";
  std::vector<Attendee> attendees;
  std::optional<std::string> recurring_event_id;
  std::optional<Timestamp> original_start_time;
  std::optional<Uuid> owner_id, created_by;
  Links links;
  std::optional<Timestamp> cancelled_at;
  Timestamp created_at, updated_at;
  bool cancelled() const { return status == "cancelled"; }
};
boost::json::object to_json(const Event& e, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Event>);

// What an event says, as made or changed here or read from Google.
struct EventFields {
  std::optional<std::string> summary, description, location;
  EventTime start, end;
  std::optional<std::string> time_zone;
  std::vector<Attendee> attendees;
  std::string visibility = "default";
};

// POST /api/v2/calendar/events.
struct NewEvent {
  std::optional<std::string> calendar_id;  // none: the default calendar
  EventFields fields;
  Links links;
  bool meet = false;  // a Google Meet link
};
NewEvent parse_new_event(const boost::json::value& body);
schema::Schema new_event_schema();

// PATCH: an absent member leaves the event as it is; links replace the
// explicit links of each kind given.
struct EventChanges {
  Change<std::string> summary, description, location, time_zone;
  std::optional<EventTime> start, end;
  std::optional<std::vector<Attendee>> attendees;
  std::optional<std::string> visibility;
  std::optional<std::vector<Uuid>> lead_ids, contact_ids, deal_ids;
  bool meet = false;  // add a Meet link (one cannot be removed through crmd)
  bool touches_google() const;
};
EventChanges parse_event_changes(const boost::json::value& body);
schema::Schema event_changes_schema();
// The event's fields with the changes applied; Error{validation} when the
// span they make is not one (see check_span).
EventFields apply(const Event& event, const EventChanges& changes);

// end after start, both all-day or both timed, at most kMaxSpan apart;
// Error{validation} naming `end` otherwise.
void check_span(const EventTime& start, const EventTime& end);

}  // namespace crmd::calendar
