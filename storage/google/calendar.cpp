#include "storage/google/calendar.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>

#include "domain/common/error.hpp"
#include "storage/google/wire.hpp"

namespace crmd::google {

namespace asio = boost::asio;
namespace json = boost::json;
using web::HttpRequest;
using web::HttpResponse;

namespace {

constexpr std::string_view service = "Google Calendar";
// Google refuses a larger maxResults on events.list.
constexpr int max_page_size = 2500;

std::string events_url(const CalendarUrls& urls, std::string_view calendar_id) {
  return urls.api + "/calendars/" + percent_encode(calendar_id) + "/events";
}

std::string event_url(const CalendarUrls& urls, std::string_view calendar_id,
                      std::string_view event_id) {
  return events_url(urls, calendar_id) + "/" + percent_encode(event_id);
}

std::string rfc3339_utc(std::chrono::system_clock::time_point at) {
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(at));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::optional<std::string> optional_string(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value && value->is_string()) return std::string(value->get_string());
  return std::nullopt;
}

bool bool_of(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_bool() && value->get_bool();
}

const json::object* object_at(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_object() ? &value->get_object() : nullptr;
}

const json::array* array_at(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_array() ? &value->get_array() : nullptr;
}

std::optional<CalendarTime> time_of(const json::object& event, std::string_view key) {
  const auto* time = object_at(event, key);
  if (!time) return std::nullopt;
  CalendarTime out;
  out.date = optional_string(*time, "date");
  out.date_time = optional_string(*time, "dateTime");
  out.time_zone = optional_string(*time, "timeZone");
  return out;
}

std::vector<CalendarAttendee> attendees_of(const json::object& event) {
  std::vector<CalendarAttendee> out;
  const auto* attendees = array_at(event, "attendees");
  if (!attendees) return out;
  for (const auto& item : *attendees) {
    if (!item.is_object()) continue;
    const auto& attendee = item.get_object();
    CalendarAttendee a;
    a.email = string_of(attendee, "email");
    // An attendee without an address cannot be matched to anyone.
    if (a.email.empty()) continue;
    a.optional = bool_of(attendee, "optional");
    a.organizer = bool_of(attendee, "organizer");
    a.response_status = string_of(attendee, "responseStatus");
    a.display_name = optional_string(attendee, "displayName");
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<std::string> video_entry_point(const json::object& conference) {
  const auto* entry_points = array_at(conference, "entryPoints");
  if (!entry_points) return std::nullopt;
  for (const auto& item : *entry_points) {
    if (!item.is_object()) continue;
    const auto& entry = item.get_object();
    if (string_of(entry, "entryPointType") != "video") continue;
    if (auto uri = string_of(entry, "uri"); !uri.empty()) return uri;
  }
  return std::nullopt;
}

std::optional<std::string> conference_status_of(const json::object& conference) {
  const auto* request = object_at(conference, "createRequest");
  if (!request) return std::nullopt;
  const auto* status = object_at(*request, "status");
  if (!status) return std::nullopt;
  return optional_string(*status, "statusCode");
}

json::object time_body(const CalendarTime& time) {
  json::object out;
  if (time.date) out["date"] = *time.date;
  if (time.date_time) out["dateTime"] = *time.date_time;
  if (time.time_zone) out["timeZone"] = *time.time_zone;
  return out;
}

json::array attendees_body(const std::vector<CalendarAttendee>& attendees) {
  json::array out;
  for (const auto& attendee : attendees) {
    json::object a;
    a["email"] = attendee.email;
    if (attendee.optional) a["optional"] = true;
    if (attendee.display_name) a["displayName"] = *attendee.display_name;
    out.push_back(std::move(a));
  }
  return out;
}

json::object meet_request_body(const std::string& request_id) {
  json::object key;
  key["type"] = "hangoutsMeet";
  json::object create;
  create["requestId"] = request_id;
  create["conferenceSolutionKey"] = std::move(key);
  json::object conference;
  conference["createRequest"] = std::move(create);
  return conference;
}

[[noreturn]] void throw_answer(const HttpResponse& response) {
  std::string message = "Google Calendar answered " + std::to_string(response.status);
  const auto reason = google_error_reason(response.body);
  if (reason) message += " " + *reason;
  // The retries are spent by now: what is left of a rate limit is the caller's to pace.
  const bool rate_limit = response.status == 429 ||
                          (response.status == 403 &&
                           (reason == "rateLimitExceeded" || reason == "userRateLimitExceeded"));
  if (rate_limit) throw Error(ErrorKind::rate_limited, "google_rate_limited", message);
  if (response.status == 404) throw Error(ErrorKind::not_found, "google_not_found", message);
  throw Error(ErrorKind::unavailable, "google_error", message);
}

bool success(const HttpResponse& response) {
  return response.status >= 200 && response.status < 300;
}

void expect_success(const HttpResponse& response) {
  if (!success(response)) throw_answer(response);
}

HttpRequest list_request(const CalendarUrls& urls, const std::string& calendar_id,
                         const CalendarListQuery& query) {
  const int size = std::clamp(query.max_results, 1, max_page_size);
  std::string url = events_url(urls, calendar_id) +
                    "?showDeleted=true&singleEvents=true&maxResults=" + std::to_string(size);
  // A sync token already bounds the answer; Google refuses timeMin beside it.
  if (query.sync_token)
    url += "&syncToken=" + percent_encode(*query.sync_token);
  else if (query.time_min)
    url += "&timeMin=" + percent_encode(rfc3339_utc(*query.time_min));
  if (query.page_token) url += "&pageToken=" + percent_encode(*query.page_token);
  HttpRequest request = request_of("GET", std::move(url));
  request.max_response_bytes = 16 * 1024 * 1024;
  return request;
}

CalendarEventPage event_page_of(std::string_view body) {
  const json::object page = object_of_body(body, service, "an event list");
  CalendarEventPage out;
  if (const auto* items = array_at(page, "items"))
    for (const auto& item : *items)
      if (item.is_object()) out.events.push_back(calendar_event_of(item.get_object()));
  if (auto next = string_of(page, "nextPageToken"); !next.empty()) out.next_page_token = next;
  if (auto sync = string_of(page, "nextSyncToken"); !sync.empty()) out.next_sync_token = sync;
  // Without either the caller could neither go on nor resume later.
  if (!out.next_page_token && !out.next_sync_token)
    unreadable(service, "an event list with neither nextPageToken nor nextSyncToken");
  return out;
}

CalendarEvent event_of_body(std::string_view body) {
  return calendar_event_of(object_of_body(body, service, "an event"));
}

HttpRequest write_request(std::string method, std::string url, const CalendarEventWrite& write) {
  return json_request(std::move(method), std::move(url) + "?conferenceDataVersion=1",
                      calendar_event_body(write));
}

HttpRequest watch_request(const CalendarUrls& urls, const std::string& calendar_id,
                          const std::string& channel_id, const std::string& address,
                          const std::string& token, std::chrono::seconds ttl) {
  return json_request("POST", events_url(urls, calendar_id) + "/watch",
                      channel_watch_body(channel_id, address, token, ttl));
}

}  // namespace

CalendarEvent calendar_event_of(const json::object& resource) {
  CalendarEvent event;
  event.id = string_of(resource, "id");
  if (event.id.empty()) unreadable(service, "an event without an id");
  event.status = string_of(resource, "status");
  if (event.status.empty()) event.status = "confirmed";
  event.summary = optional_string(resource, "summary");
  event.description = optional_string(resource, "description");
  event.location = optional_string(resource, "location");
  event.html_link = optional_string(resource, "htmlLink");
  if (const auto* organizer = object_at(resource, "organizer"))
    event.organizer_email = optional_string(*organizer, "email");
  event.visibility = optional_string(resource, "visibility");
  event.recurring_event_id = optional_string(resource, "recurringEventId");
  event.ical_uid = optional_string(resource, "iCalUID");
  event.updated = optional_string(resource, "updated");
  event.start = time_of(resource, "start");
  event.end = time_of(resource, "end");
  event.original_start = time_of(resource, "originalStartTime");
  event.attendees = attendees_of(resource);
  if (auto link = string_of(resource, "hangoutLink"); !link.empty()) event.meet_link = link;
  if (const auto* conference = object_at(resource, "conferenceData")) {
    if (!event.meet_link) event.meet_link = video_entry_point(*conference);
    event.conference_status = conference_status_of(*conference);
  }
  return event;
}

json::object calendar_event_body(const CalendarEventWrite& write) {
  json::object body;
  if (write.summary) body["summary"] = *write.summary;
  if (write.description) body["description"] = *write.description;
  if (write.location) body["location"] = *write.location;
  if (write.visibility) body["visibility"] = *write.visibility;
  if (write.start) body["start"] = time_body(*write.start);
  if (write.end) body["end"] = time_body(*write.end);
  if (write.attendees) body["attendees"] = attendees_body(*write.attendees);
  if (write.meet_request_id) body["conferenceData"] = meet_request_body(*write.meet_request_id);
  return body;
}

GoogleCalendar::GoogleCalendar(web::HttpClient& http, GoogleAuth& auth, CalendarUrls urls,
                               web::RetryPolicy policy)
    : http_(http), auth_(auth), urls_(std::move(urls)), policy_(std::move(policy)) {}

asio::awaitable<HttpResponse> GoogleCalendar::send(HttpRequest request) {
  const std::string token = co_await auth_.access_token();
  request.headers.emplace_back("Authorization", "Bearer " + token);
  web::Reauthorize reauthorize = auth_.reauthorize();
  co_return co_await http_.send_with_retries(std::move(request), policy_, "google_calendar",
                                             std::move(reauthorize));
}

asio::awaitable<CalendarEventPage> GoogleCalendar::list_events(std::string calendar_id,
                                                               CalendarListQuery query) {
  HttpRequest request = list_request(urls_, calendar_id, query);
  const HttpResponse response = co_await send(std::move(request));
  if (response.status == 410)
    throw Error(ErrorKind::gone, "calendar_full_sync_required",
                "Google Calendar answered 410 " +
                    google_error_reason(response.body).value_or("gone") +
                    ": the sync token is no longer valid");
  expect_success(response);
  co_return event_page_of(response.body);
}

asio::awaitable<CalendarEvent> GoogleCalendar::insert_event(std::string calendar_id,
                                                            CalendarEventWrite write) {
  HttpRequest request = write_request("POST", events_url(urls_, calendar_id), write);
  const HttpResponse response = co_await send(std::move(request));
  expect_success(response);
  co_return event_of_body(response.body);
}

asio::awaitable<CalendarEvent> GoogleCalendar::patch_event(std::string calendar_id,
                                                           std::string event_id,
                                                           CalendarEventWrite write) {
  HttpRequest request = write_request("PATCH", event_url(urls_, calendar_id, event_id), write);
  const HttpResponse response = co_await send(std::move(request));
  expect_success(response);
  co_return event_of_body(response.body);
}

asio::awaitable<void> GoogleCalendar::delete_event(std::string calendar_id, std::string event_id) {
  HttpRequest request = request_of("DELETE", event_url(urls_, calendar_id, event_id));
  const HttpResponse response = co_await send(std::move(request));
  // 410 here is Google's "deleted", not a dead sync token.
  if (response.status == 404 || response.status == 410) co_return;
  expect_success(response);
}

asio::awaitable<Channel> GoogleCalendar::watch_events(std::string calendar_id,
                                                      std::string channel_id, std::string address,
                                                      std::string token, std::chrono::seconds ttl) {
  HttpRequest request = watch_request(urls_, calendar_id, channel_id, address, token, ttl);
  const HttpResponse response = co_await send(std::move(request));
  expect_success(response);
  co_return channel_of(response.body, service);
}

asio::awaitable<void> GoogleCalendar::stop_channel(std::string id, std::string resource_id) {
  HttpRequest request =
      json_request("POST", urls_.api + "/channels/stop", channel_stop_body(id, resource_id));
  const HttpResponse response = co_await send(std::move(request));
  if (response.status == 404) co_return;
  expect_success(response);
}

}  // namespace crmd::google
