// Reading Calendar event resources (full events, tombstones, cancelled
// exceptions of a series, JSON of the wrong shapes) and writing the bodies
// of inserts and patches.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/common/error.hpp"
#include "storage/google/calendar.hpp"

namespace crmd::google {
namespace {

namespace json = boost::json;

json::object parsed(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(GoogleCalendarEventOf, ReadsAFullEvent) {
  const auto event = calendar_event_of(parsed(R"({
    "kind": "calendar#event", "id": "ev1", "status": "tentative",
    "summary": "Demo", "description": "Pipeline review", "location": "Room 4",
    "htmlLink": "https://www.google.com/calendar/event?eid=ev1",
    "organizer": {"email": "owner@example.com", "self": true},
    "visibility": "private", "iCalUID": "ev1@google.com",
    "updated": "2026-06-01T10:00:00.000Z",
    "start": {"dateTime": "2026-12-01T10:00:00+01:00", "timeZone": "Europe/Paris"},
    "end": {"dateTime": "2026-12-01T11:00:00+01:00", "timeZone": "Europe/Paris"},
    "attendees": [
      {"email": "ana@example.com", "responseStatus": "accepted", "organizer": true,
       "displayName": "Ana"},
      {"email": "bo@example.com", "optional": true, "responseStatus": "needsAction"}
    ],
    "hangoutLink": "https://meet.google.com/abc-defg-hij",
    "conferenceData": {"createRequest": {"requestId": "r1", "status": {"statusCode": "success"}},
                       "entryPoints": [{"entryPointType": "video",
                                        "uri": "https://meet.google.com/other"}]}
  })"));
  EXPECT_EQ(event.id, "ev1");
  EXPECT_EQ(event.status, "tentative");
  EXPECT_EQ(event.summary, "Demo");
  EXPECT_EQ(event.description, "Pipeline review");
  EXPECT_EQ(event.location, "Room 4");
  EXPECT_EQ(event.html_link, "https://www.google.com/calendar/event?eid=ev1");
  EXPECT_EQ(event.organizer_email, "owner@example.com");
  EXPECT_EQ(event.visibility, "private");
  EXPECT_EQ(event.ical_uid, "ev1@google.com");
  EXPECT_EQ(event.updated, "2026-06-01T10:00:00.000Z");
  ASSERT_TRUE(event.start && event.end);
  EXPECT_EQ(event.start->date_time, "2026-12-01T10:00:00+01:00");
  EXPECT_EQ(event.start->time_zone, "Europe/Paris");
  EXPECT_FALSE(event.start->date);
  EXPECT_EQ(event.end->date_time, "2026-12-01T11:00:00+01:00");
  EXPECT_FALSE(event.original_start);
  EXPECT_FALSE(event.recurring_event_id);
  ASSERT_EQ(event.attendees.size(), 2u);
  EXPECT_EQ(event.attendees[0].email, "ana@example.com");
  EXPECT_TRUE(event.attendees[0].organizer);
  EXPECT_FALSE(event.attendees[0].optional);
  EXPECT_EQ(event.attendees[0].response_status, "accepted");
  EXPECT_EQ(event.attendees[0].display_name, "Ana");
  EXPECT_TRUE(event.attendees[1].optional);
  EXPECT_FALSE(event.attendees[1].display_name);
  // hangoutLink wins over the entry points.
  EXPECT_EQ(event.meet_link, "https://meet.google.com/abc-defg-hij");
  EXPECT_EQ(event.conference_status, "success");
}

TEST(GoogleCalendarEventOf, TakesTheVideoEntryPointWithoutAHangoutLink) {
  const auto event = calendar_event_of(parsed(R"({
    "id": "ev2", "start": {"date": "2026-12-24"}, "end": {"date": "2026-12-25"},
    "conferenceData": {"createRequest": {"status": {"statusCode": "pending"}},
      "entryPoints": [{"entryPointType": "phone", "uri": "tel:+1-555"},
                      {"entryPointType": "video", "uri": "https://meet.google.com/xyz-abcd-efg"}]}
  })"));
  EXPECT_EQ(event.status, "confirmed");
  EXPECT_EQ(event.start->date, "2026-12-24");
  EXPECT_FALSE(event.start->date_time);
  EXPECT_EQ(event.meet_link, "https://meet.google.com/xyz-abcd-efg");
  EXPECT_EQ(event.conference_status, "pending");
}

TEST(GoogleCalendarEventOf, ReadsATombstone) {
  const auto event = calendar_event_of(parsed(R"({"id": "gone1", "status": "cancelled"})"));
  EXPECT_EQ(event.id, "gone1");
  EXPECT_EQ(event.status, "cancelled");
  EXPECT_FALSE(event.summary);
  EXPECT_FALSE(event.start);
  EXPECT_FALSE(event.end);
  EXPECT_FALSE(event.recurring_event_id);
  EXPECT_TRUE(event.attendees.empty());
  EXPECT_FALSE(event.meet_link);
}

TEST(GoogleCalendarEventOf, ReadsACancelledExceptionOfASeries) {
  const auto event = calendar_event_of(parsed(R"({
    "id": "base_20261201T100000Z", "status": "cancelled", "recurringEventId": "base",
    "originalStartTime": {"dateTime": "2026-12-01T10:00:00Z", "timeZone": "UTC"}
  })"));
  EXPECT_EQ(event.status, "cancelled");
  EXPECT_EQ(event.recurring_event_id, "base");
  ASSERT_TRUE(event.original_start);
  EXPECT_EQ(event.original_start->date_time, "2026-12-01T10:00:00Z");
  EXPECT_EQ(event.original_start->time_zone, "UTC");
  EXPECT_FALSE(event.start);
}

TEST(GoogleCalendarEventOf, SkipsWhatHasTheWrongShape) {
  const auto event = calendar_event_of(parsed(R"({
    "id": "ev3", "status": 7, "summary": ["x"], "description": null, "location": {},
    "htmlLink": 1.5, "organizer": "owner@example.com", "visibility": true,
    "recurringEventId": {"a": 1}, "iCalUID": 3, "updated": false,
    "start": "2026-12-01", "end": {"dateTime": 12, "date": ["2026"], "timeZone": null},
    "originalStartTime": [],
    "attendees": [1, "x", null, {"email": 5}, {"displayName": "no address"},
                  {"email": "ok@example.com", "optional": "yes", "organizer": 1,
                   "responseStatus": 2, "displayName": {}}],
    "hangoutLink": 9,
    "conferenceData": {"createRequest": {"status": "success"},
                       "entryPoints": [{"entryPointType": "video", "uri": 1}, 5, null]}
  })"));
  EXPECT_EQ(event.id, "ev3");
  EXPECT_EQ(event.status, "confirmed");
  EXPECT_FALSE(event.summary);
  EXPECT_FALSE(event.description);
  EXPECT_FALSE(event.location);
  EXPECT_FALSE(event.html_link);
  EXPECT_FALSE(event.organizer_email);
  EXPECT_FALSE(event.visibility);
  EXPECT_FALSE(event.recurring_event_id);
  EXPECT_FALSE(event.ical_uid);
  EXPECT_FALSE(event.updated);
  EXPECT_FALSE(event.start);
  ASSERT_TRUE(event.end);
  EXPECT_FALSE(event.end->date_time || event.end->date || event.end->time_zone);
  EXPECT_FALSE(event.original_start);
  ASSERT_EQ(event.attendees.size(), 1u);
  EXPECT_EQ(event.attendees[0].email, "ok@example.com");
  EXPECT_FALSE(event.attendees[0].optional);
  EXPECT_FALSE(event.attendees[0].organizer);
  EXPECT_EQ(event.attendees[0].response_status, "");
  EXPECT_FALSE(event.attendees[0].display_name);
  EXPECT_FALSE(event.meet_link);
  EXPECT_FALSE(event.conference_status);
}

TEST(GoogleCalendarEventOf, AnEventWithoutAnIdIsAnError) {
  for (const char* text : {R"({})", R"({"id": ""})", R"({"id": 12, "summary": "x"})"}) {
    try {
      calendar_event_of(parsed(text));
      ADD_FAILURE() << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "google_error") << text;
      EXPECT_NE(std::string(e.what()).find("Google Calendar"), std::string::npos);
    }
  }
}

TEST(GoogleCalendarEventBody, SendsOnlyWhatIsSet) {
  EXPECT_EQ(json::serialize(calendar_event_body({})), "{}");
  CalendarEventWrite write;
  write.summary = "Only the title";
  EXPECT_EQ(json::serialize(calendar_event_body(write)), R"({"summary":"Only the title"})");
  // An empty list clears the attendees, unlike no list.
  write.attendees.emplace();
  EXPECT_TRUE(calendar_event_body(write).at("attendees").as_array().empty());
}

TEST(GoogleCalendarEventBody, WritesAFullEventWithAMeetRequest) {
  CalendarEventWrite write;
  write.summary = "Kick-off";
  write.description = "Agenda";
  write.location = "HQ";
  write.start = CalendarTime{std::nullopt, "2026-12-01T10:00:00+01:00", "Europe/Paris"};
  write.end = CalendarTime{"2026-12-02", std::nullopt, std::nullopt};
  CalendarAttendee required;
  required.email = "ana@example.com";
  required.display_name = "Ana";
  CalendarAttendee optional;
  optional.email = "bo@example.com";
  optional.optional = true;
  optional.organizer = true;              // Google's to say: not sent
  optional.response_status = "accepted";  // likewise
  write.attendees = std::vector<CalendarAttendee>{required, optional};
  write.meet_request_id = "req-42";
  EXPECT_EQ(calendar_event_body(write), parsed(R"({
    "summary": "Kick-off", "description": "Agenda", "location": "HQ",
    "start": {"dateTime": "2026-12-01T10:00:00+01:00", "timeZone": "Europe/Paris"},
    "end": {"date": "2026-12-02"},
    "attendees": [{"email": "ana@example.com", "displayName": "Ana"},
                  {"email": "bo@example.com", "optional": true}],
    "conferenceData": {"createRequest": {"requestId": "req-42",
                                         "conferenceSolutionKey": {"type": "hangoutsMeet"}}}
  })"));
}

}  // namespace
}  // namespace crmd::google
