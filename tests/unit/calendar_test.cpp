#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "actors/calendar_google.hpp"
#include "actors/calendar_sync.hpp"
#include "domain/calendar/event.hpp"

namespace crmd::calendar {
namespace {

std::vector<std::string> fields_of(const Error& e) {
  std::vector<std::string> out;
  for (const auto& f : e.fields()) out.push_back(f.field);
  return out;
}

std::vector<std::string> refused(std::string_view body) {
  try {
    parse_new_event(boost::json::parse(body));
  } catch (const Error& e) {
    return fields_of(e);
  }
  return {};
}

TEST(CalendarTimes, ReadDatesAndInstantsWithAnOffset) {
  const auto date = parse_event_time("2026-12-01");
  ASSERT_TRUE(date);
  EXPECT_TRUE(date->all_day());
  EXPECT_EQ(format_rfc3339(date->at), "2026-12-01T00:00:00Z");
  EXPECT_EQ(to_string(*date), "2026-12-01");

  const auto at = parse_event_time("2026-12-01T10:00:00+01:00");
  ASSERT_TRUE(at);
  EXPECT_FALSE(at->all_day());
  EXPECT_EQ(to_string(*at), "2026-12-01T09:00:00Z");

  EXPECT_FALSE(parse_event_time("2026-12-01T10:00:00"));  // no offset: which zone?
  EXPECT_FALSE(parse_event_time("2026-02-30"));
  EXPECT_FALSE(parse_event_time("tomorrow"));
  EXPECT_FALSE(parse_event_time(""));
}

TEST(CalendarTimes, ZoneNamesAreIanaLike) {
  EXPECT_TRUE(valid_time_zone("Europe/Paris"));
  EXPECT_TRUE(valid_time_zone("America/Argentina/Salta"));
  EXPECT_TRUE(valid_time_zone("UTC"));
  EXPECT_FALSE(valid_time_zone("../etc/passwd"));
  EXPECT_FALSE(valid_time_zone("Europe Paris"));
  EXPECT_FALSE(valid_time_zone(""));
}

TEST(CalendarSpans, EndAfterStartOfTheSameKind) {
  const auto start = *parse_event_time("2026-12-01T10:00:00Z");
  EXPECT_NO_THROW(check_span(start, *parse_event_time("2026-12-01T11:00:00Z")));
  EXPECT_NO_THROW(check_span(start, start));  // a reminder-like instant
  EXPECT_THROW(check_span(start, *parse_event_time("2026-12-01T09:00:00Z")), Error);
  EXPECT_THROW(check_span(start, *parse_event_time("2026-12-02")), Error);
  EXPECT_THROW(check_span(start, *parse_event_time("2028-12-01T10:00:00Z")), Error);
  const auto day = *parse_event_time("2026-12-01");
  EXPECT_NO_THROW(check_span(day, *parse_event_time("2026-12-02")));
  EXPECT_THROW(check_span(day, day), Error);  // an all-day end is exclusive
}

TEST(NewEvents, ReadEveryField) {
  const auto e = parse_new_event(boost::json::parse(R"({
    "summary": " Demo ", "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z",
    "time_zone": "Europe/Paris", "visibility": "private", "meet": true,
    "attendees": [{"email": "Ana@Example.com", "optional": true}, {"email": "bo@example.com"}],
    "lead_ids": ["6f1b1c1e-0000-4000-8000-000000000001"], "calendar_id": "team@example.com"})"));
  EXPECT_EQ(e.fields.summary, "Demo");
  EXPECT_EQ(e.fields.visibility, "private");
  EXPECT_TRUE(e.meet);
  ASSERT_EQ(e.fields.attendees.size(), 2u);
  EXPECT_EQ(e.fields.attendees[0].email, "ana@example.com");
  EXPECT_TRUE(e.fields.attendees[0].optional);
  EXPECT_EQ(e.links.lead_ids.size(), 1u);
  EXPECT_EQ(e.calendar_id, "team@example.com");
}

TEST(NewEvents, NameEachProblem) {
  EXPECT_EQ(refused(R"({"end": "2026-12-01T11:00:00Z"})"), std::vector<std::string>{"start"});
  EXPECT_EQ(refused(R"({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z",
                        "attendees": [{"email": "nope"}]})"),
            std::vector<std::string>{"attendees[0].email"});
  EXPECT_EQ(refused(R"({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z",
                        "attendees": [{"email": "a@b.co"}, {"email": "A@b.co"}]})"),
            std::vector<std::string>{"attendees[1].email"});
  EXPECT_EQ(refused(R"({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z",
                        "lead_ids": ["x"]})"),
            std::vector<std::string>{"lead_ids"});
  EXPECT_EQ(refused(R"({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z",
                        "visibility": "secret"})"),
            std::vector<std::string>{"visibility"});
  EXPECT_EQ(refused(R"({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T09:00:00Z"})"),
            std::vector<std::string>{"end"});
  EXPECT_EQ(refused(R"({"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z",
                        "owner": "me"})"),
            std::vector<std::string>{"owner"});
}

TEST(EventChanges, ApplyOverTheEventAndCheckTheSpan) {
  Event e;
  e.summary = "Old";
  e.start = *parse_event_time("2026-12-01T10:00:00Z");
  e.end = *parse_event_time("2026-12-01T11:00:00Z");
  auto c = parse_event_changes(boost::json::parse(R"({"summary": null,
                                                       "end": "2026-12-01T12:00:00Z"})"));
  EXPECT_TRUE(c.touches_google());
  const auto f = apply(e, c);
  EXPECT_FALSE(f.summary);
  EXPECT_EQ(to_string(f.end), "2026-12-01T12:00:00Z");
  c = parse_event_changes(boost::json::parse(R"({"start": "2026-12-01T13:00:00Z"})"));
  EXPECT_THROW(apply(e, c), Error);
  c = parse_event_changes(boost::json::parse(R"({"contact_ids": []})"));
  EXPECT_FALSE(c.touches_google());
  EXPECT_THROW(parse_event_changes(boost::json::parse(R"({"meet": false})")), Error);
}

TEST(EventJson, AttendeesRoundTrip) {
  std::vector<Attendee> attendees(1);
  attendees[0].email = "a@b.co";
  attendees[0].optional = true;
  attendees[0].response_status = "accepted";
  const auto back = attendees_of(to_json(attendees));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].email, "a@b.co");
  EXPECT_TRUE(back[0].optional);
  EXPECT_EQ(back[0].response_status, "accepted");
  EXPECT_TRUE(attendees_of(boost::json::parse(R"([{"email": 3}, "x", {}])")).empty());
}

}  // namespace
}  // namespace crmd::calendar

namespace crmd::actors {
namespace {

TEST(CalendarMirror, AGoogleEventIsARow) {
  google::CalendarEvent g;
  g.id = "evt1";
  g.status = "tentative";
  g.summary = std::string("Call\0me", 7);  // a NUL Google may send
  g.start = google::CalendarTime{std::nullopt, "2026-12-01T10:00:00+01:00", "Europe/Paris"};
  g.end = google::CalendarTime{std::nullopt, "2026-12-01T11:00:00+01:00", "Europe/Paris"};
  g.attendees.push_back({"Ana@Example.com", true, false, "accepted", std::nullopt});
  g.visibility = "bogus";
  g.meet_link = "https://meet.google.com/abc-defg-hij";
  const auto mirrored = mirror_of(g, "primary");
  const auto* row = std::get_if<storage::EventRow>(&mirrored);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->google_event_id, "evt1");
  EXPECT_EQ(row->status, "tentative");
  EXPECT_EQ(row->fields.summary->find('\0'), std::string::npos);
  EXPECT_EQ(format_rfc3339(row->fields.start.at), "2026-12-01T09:00:00Z");
  EXPECT_EQ(row->fields.time_zone, "Europe/Paris");
  EXPECT_EQ(row->fields.visibility, "default");
  EXPECT_EQ(row->fields.attendees.at(0).email, "ana@example.com");
  EXPECT_EQ(row->meet_link, "https://meet.google.com/abc-defg-hij");
}

TEST(CalendarMirror, ACancelledEventWithOnlyItsIdIsATombstone) {
  google::CalendarEvent g;
  g.id = "gone";
  g.status = "cancelled";
  const auto mirrored = mirror_of(g, "primary");
  const auto* t = std::get_if<storage::Tombstone>(&mirrored);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->google_event_id, "gone");
  EXPECT_FALSE(t->original_start_time);

  g.recurring_event_id = "series";
  g.original_start = google::CalendarTime{std::nullopt, "2026-12-08T10:00:00Z", std::nullopt};
  const auto exception = mirror_of(g, "primary");
  t = std::get_if<storage::Tombstone>(&exception);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->recurring_event_id, "series");
  ASSERT_TRUE(t->original_start_time);
  EXPECT_EQ(format_rfc3339(*t->original_start_time), "2026-12-08T10:00:00Z");
}

TEST(CalendarMirror, AWriteSendsTimesAndTheMeetRequest) {
  calendar::EventFields f;
  f.summary = "Demo";
  f.start = *calendar::parse_event_time("2026-12-01");
  f.end = *calendar::parse_event_time("2026-12-02");
  f.time_zone = "Europe/Paris";
  const auto w = google_write(f, std::string("req-1"));
  EXPECT_EQ(w.start->date, "2026-12-01");
  EXPECT_FALSE(w.start->date_time);
  EXPECT_EQ(w.end->time_zone, "Europe/Paris");
  EXPECT_EQ(w.meet_request_id, "req-1");
}

TEST(CalendarThrottle, PausesDoubleAsTwentyDoes) {
  EXPECT_EQ(throttle_pause(1), std::chrono::minutes(2));
  EXPECT_EQ(throttle_pause(2), std::chrono::minutes(4));
  EXPECT_EQ(throttle_pause(0), std::chrono::minutes(1));
  EXPECT_EQ(throttle_pause(100), std::chrono::minutes(1024));
}

TEST(CalendarThrottle, RateLimitsPauseThenFailTheFourthTime) {
  const Error throttled(ErrorKind::rate_limited, "google_rate_limited", "429");
  auto v = failure_verdict(throttled, false, 0);
  EXPECT_EQ(v.status, "active");
  EXPECT_EQ(v.pause, std::chrono::minutes(2));
  v = failure_verdict(throttled, false, 3);
  EXPECT_EQ(v.status, "failed");
  EXPECT_EQ(v.pause, std::chrono::minutes(16));
  v = failure_verdict(Error(ErrorKind::unavailable, "google_error", "500"), false, 2);
  EXPECT_EQ(v.status, "failed");
  EXPECT_FALSE(v.pause);
  v = failure_verdict(throttled, true, 0);
  EXPECT_EQ(v.status, "failed_needs_reconnect");
  EXPECT_FALSE(v.pause);
}

}  // namespace
}  // namespace crmd::actors
