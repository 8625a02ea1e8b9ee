// Google Calendar v3 over the outbound client: events.list for full and
// incremental sync, events insert/patch/delete (Meet links through
// conferenceData.createRequest), and push channels. Only translation: the
// caller keeps the sync tokens and channels.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "storage/google/api.hpp"
#include "storage/google/auth.hpp"
#include "storage/google/wire.hpp"
#include "storage/web/http_client.hpp"

namespace crmd::google {

struct CalendarUrls {
  std::string api = "https://www.googleapis.com/calendar/v3";  // CRMD_GOOGLE_CALENDAR_URL
};

// An event's start or end as Google writes it: a date (all-day, "2026-12-01")
// or a dateTime (RFC 3339 with offset), and an optional IANA zone.
struct CalendarTime {
  std::optional<std::string> date, date_time, time_zone;
};

struct CalendarAttendee {
  std::string email;
  bool optional = false;
  bool organizer = false;
  std::string response_status;  // needsAction, declined, tentative, accepted
  std::optional<std::string> display_name;
};

// The part of an Event resource crmd keeps. A cancelled event from an
// incremental sync may carry only id (and, for an exception of a recurring
// event, recurring_event_id and original_start).
struct CalendarEvent {
  std::string id;
  std::string status;  // confirmed, tentative, cancelled ("confirmed" when absent)
  std::optional<std::string> summary, description, location, html_link, organizer_email, visibility,
      recurring_event_id, ical_uid, updated;
  std::optional<CalendarTime> start, end, original_start;
  std::vector<CalendarAttendee> attendees;
  // hangoutLink, else the uri of conferenceData.entryPoints[] of type video.
  std::optional<std::string> meet_link;
  // conferenceData.createRequest.status.statusCode: pending, success, failure.
  std::optional<std::string> conference_status;
};

// What insert and patch send; a field left empty is not sent (patch leaves it
// as it is).
struct CalendarEventWrite {
  std::optional<std::string> summary, description, location, visibility;
  std::optional<CalendarTime> start, end;
  std::optional<std::vector<CalendarAttendee>> attendees;
  // A conferenceData.createRequest for a Meet link with this requestId.
  std::optional<std::string> meet_request_id;
};

// One events.list request: a full sync sends time_min, an incremental one
// sync_token (never both: Google refuses timeMin with a syncToken); later
// pages repeat it with page_token. showDeleted and singleEvents are always
// true (recurring events come as their instances).
struct CalendarListQuery {
  std::optional<std::string> sync_token;
  std::optional<std::chrono::system_clock::time_point> time_min;
  std::optional<std::string> page_token;
  int max_results = 250;
};

struct CalendarEventPage {
  std::vector<CalendarEvent> events;
  std::optional<std::string> next_page_token;  // more pages of the same query
  std::optional<std::string> next_sync_token;  // only on the last page
};

// An Event resource's JSON (unreadable parts left empty; no id: Error).
CalendarEvent calendar_event_of(const boost::json::object& resource);
// The JSON body of an insert or patch.
boost::json::object calendar_event_body(const CalendarEventWrite& write);

class GoogleCalendar {
 public:
  // http and auth must outlive the object.
  GoogleCalendar(web::HttpClient& http, GoogleAuth& auth, CalendarUrls urls = {},
                 web::RetryPolicy policy = google_retry_policy());

  // Throws Error(gone, "calendar_full_sync_required") on a 410 (the sync
  // token is dead: fullSyncRequired or updatedMinTooLongAgo),
  // Error(rate_limited, "google_rate_limited") when Google still throttles
  // (429, 403 rate limits) after the retries, Error(unavailable,
  // "google_needs_reconnect") from the credentials, Error(unavailable,
  // "google_error") otherwise.
  boost::asio::awaitable<CalendarEventPage> list_events(std::string calendar_id,
                                                        CalendarListQuery query);
  // conferenceDataVersion=1 on every write, so conference data is kept.
  boost::asio::awaitable<CalendarEvent> insert_event(std::string calendar_id,
                                                     CalendarEventWrite write);
  boost::asio::awaitable<CalendarEvent> patch_event(std::string calendar_id, std::string event_id,
                                                    CalendarEventWrite write);
  // An event already deleted (410 deleted) or unknown (404) counts as deleted.
  boost::asio::awaitable<void> delete_event(std::string calendar_id, std::string event_id);

  // events.watch: a web_hook channel on the calendar's events, for ttl at
  // most (expiration is what Google answered).
  boost::asio::awaitable<Channel> watch_events(std::string calendar_id, std::string channel_id,
                                               std::string address, std::string token,
                                               std::chrono::seconds ttl);
  // A channel Google no longer knows (404) counts as stopped.
  boost::asio::awaitable<void> stop_channel(std::string id, std::string resource_id);

 private:
  boost::asio::awaitable<web::HttpResponse> send(web::HttpRequest request);

  web::HttpClient& http_;
  GoogleAuth& auth_;
  const CalendarUrls urls_;
  const web::RetryPolicy policy_;
};

}  // namespace crmd::google
