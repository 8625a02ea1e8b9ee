#include "actors/calendar_google.hpp"

#include <algorithm>
#include <span>

#include "domain/common/storable_text.hpp"

namespace crmd::actors {

namespace {

// Storable, and at most max bytes without cutting a character.
std::optional<std::string> clip(const std::optional<std::string>& text, std::size_t max) {
  if (!text) return std::nullopt;
  std::string out = storable_copy(*text);
  truncate_utf8(out, max);
  return out;
}

std::optional<calendar::EventTime> time_of(const std::optional<google::CalendarTime>& t) {
  if (!t) return std::nullopt;
  if (t->date) return calendar::parse_event_time(*t->date);
  if (t->date_time) {
    auto at = parse_timestamp(*t->date_time);
    if (at) return calendar::EventTime{*at, std::nullopt};
  }
  return std::nullopt;
}

std::string one_of(const std::optional<std::string>& value, std::span<const std::string_view> set,
                   std::string_view otherwise) {
  if (value && std::find(set.begin(), set.end(), *value) != set.end()) return *value;
  return std::string(otherwise);
}

}  // namespace

std::variant<storage::EventRow, storage::Tombstone> mirror_of(const google::CalendarEvent& g,
                                                              const std::string& calendar_id) {
  auto start = time_of(g.start);
  auto end = time_of(g.end);
  const auto original = time_of(g.original_start);
  if (!start || !end || start->all_day() != end->all_day() || end->at < start->at) {
    storage::Tombstone t{g.id, g.recurring_event_id, std::nullopt};
    if (original) t.original_start_time = original->at;
    return t;
  }
  storage::EventRow row;
  row.calendar_id = calendar_id;
  row.google_event_id = g.id;
  auto& f = row.fields;
  f.summary = clip(g.summary, calendar::kMaxSummaryBytes);
  f.description = clip(g.description, calendar::kMaxDescriptionBytes);
  f.location = clip(g.location, calendar::kMaxLocationBytes);
  f.start = *start;
  f.end = *end;
  if (g.start && g.start->time_zone && calendar::valid_time_zone(*g.start->time_zone))
    f.time_zone = g.start->time_zone;
  f.visibility = one_of(g.visibility, calendar::kVisibilities, "default");
  for (const auto& a : g.attendees) {
    if (a.email.empty() || f.attendees.size() == calendar::kMaxAttendees) continue;
    calendar::Attendee attendee;
    attendee.email = *clip(a.email, 254);
    std::transform(attendee.email.begin(), attendee.email.end(), attendee.email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    attendee.optional = a.optional;
    attendee.organizer = a.organizer;
    attendee.response_status = a.response_status.empty() ? "needsAction" : a.response_status;
    attendee.display_name = clip(a.display_name, 256);
    f.attendees.push_back(std::move(attendee));
  }
  row.meet_link = clip(g.meet_link, 2048);
  row.html_link = clip(g.html_link, 2048);
  row.organizer_email = clip(g.organizer_email, 254);
  row.status = one_of(g.status.empty() ? std::nullopt : std::optional(g.status),
                      calendar::kStatuses, "confirmed");
  row.recurring_event_id = clip(g.recurring_event_id, 1024);
  if (original) row.original_start_time = original->at;
  if (g.updated) row.google_updated_at = parse_timestamp(*g.updated);
  return row;
}

google::CalendarEventWrite google_write(const calendar::EventFields& f,
                                        std::optional<std::string> meet_request_id) {
  google::CalendarEventWrite w;
  w.summary = f.summary.value_or("");
  w.description = f.description.value_or("");
  w.location = f.location.value_or("");
  w.visibility = f.visibility;
  const auto time = [&](const calendar::EventTime& t) {
    google::CalendarTime out;
    if (t.date)
      out.date = t.date;
    else
      out.date_time = format_rfc3339(t.at);
    if (f.time_zone) out.time_zone = f.time_zone;
    return out;
  };
  w.start = time(f.start);
  w.end = time(f.end);
  std::vector<google::CalendarAttendee> attendees;
  for (const auto& a : f.attendees)
    attendees.push_back({a.email, a.optional, false, "", a.display_name});
  w.attendees = std::move(attendees);
  w.meet_request_id = std::move(meet_request_id);
  return w;
}

}  // namespace crmd::actors
