// An in-process Google Calendar v3 behind FakeGoogle (which checks the
// bearer token first): events.list with Google's rules for sync tokens and
// page tokens, events insert/patch/delete with Meet conferences, push
// channels, and what happens in Google outside crmd, scripted by the test.
// State lives in memory under its own mutex: the server answers on its own
// thread while the test scripts.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fakes/google_wire.hpp"
#include "fakes/http_server.hpp"

namespace crmd::test {

// One insert, patch or delete crmd sent.
struct FakeCalendarWrite {
  std::string method, calendar, event_id;
  int conference_data_version = 0;  // the query parameter (Google's default: 0)
  std::string request_id;           // of conferenceData.createRequest; "" when none
  boost::json::object body;
};

struct FakeCalendarChannel {
  std::string id, resource_id, calendar, address, token;
  std::int64_t expiration_ms = 0;
  bool stopped = false;
};

class FakeCalendar {
 public:
  using Params = std::map<std::string, std::string>;
  using Clock = std::chrono::system_clock;

  // --- scripting -----------------------------------------------------------
  // The most events.list puts on one page, whatever maxResults asks.
  void set_page_size(std::size_t size) {
    std::lock_guard lock(mutex_);
    page_size_ = std::max<std::size_t>(1, size);
  }
  // Every sync token issued so far answers 410 fullSyncRequired from now on.
  void expire_sync_tokens() {
    std::lock_guard lock(mutex_);
    expire_all();
  }
  // The same, once pages more list pages have been answered.
  void expire_sync_tokens_after_pages(std::size_t pages) {
    std::lock_guard lock(mutex_);
    expire_after_pages_ = pages;
  }
  // Answered, in order, to the next Calendar requests.
  void fail_next_calendar(Answer answer) {
    std::lock_guard lock(mutex_);
    faults_.push_back(std::move(answer));
  }

  // --- what happens in Google, outside crmd --------------------------------
  // Stores resource (a new id when it has none; replaced when it exists).
  std::string put_in_google(const std::string& calendar, boost::json::object resource) {
    std::lock_guard lock(mutex_);
    std::string id = text(resource, "id");
    if (id.empty()) id = new_id();
    resource["id"] = id;
    store(calendar, std::move(resource));
    return id;
  }
  void move_in_google(const std::string& calendar, const std::string& id,
                      const std::string& start_date_time, const std::string& end_date_time) {
    std::lock_guard lock(mutex_);
    boost::json::object resource = stored(calendar, id).resource;
    resource["start"] = date_time(start_date_time, zone_of(resource, "start"));
    resource["end"] = date_time(end_date_time, zone_of(resource, "end"));
    store(calendar, std::move(resource));
  }
  void cancel_in_google(const std::string& calendar, const std::string& id) {
    std::lock_guard lock(mutex_);
    boost::json::object resource = stored(calendar, id).resource;
    resource["status"] = "cancelled";
    store(calendar, std::move(resource));
  }
  // Gone for good: not even a tombstone, as after Google forgets one.
  void purge_in_google(const std::string& calendar, const std::string& id) {
    std::lock_guard lock(mutex_);
    calendars_[calendar].erase(id);
  }
  // count instances of one series, an hour long, step apart: ids
  // base_20261201T100000Z with recurringEventId and originalStartTime.
  std::vector<std::string> put_recurring_in_google(const std::string& calendar,
                                                   const std::string& summary,
                                                   Clock::time_point first_start, int count,
                                                   std::chrono::hours step) {
    std::lock_guard lock(mutex_);
    const std::string base = new_id();
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      const auto start = first_start + i * step;
      boost::json::object resource;
      resource["id"] = base + "_" + compact_utc(start);
      resource["summary"] = summary;
      resource["recurringEventId"] = base;
      resource["iCalUID"] = base + "@google.com";
      resource["originalStartTime"] = date_time(rfc3339_utc(start), std::nullopt);
      resource["start"] = date_time(rfc3339_utc(start), std::nullopt);
      resource["end"] = date_time(rfc3339_utc(start + std::chrono::hours(1)), std::nullopt);
      ids.emplace_back(resource["id"].get_string());
      store(calendar, std::move(resource));
    }
    return ids;
  }
  // n simple hour-long events, an hour apart from first_start.
  std::vector<std::string> seed_events(const std::string& calendar, std::size_t n,
                                       Clock::time_point first_start) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    ids.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto start = first_start + std::chrono::hours(i);
      boost::json::object resource;
      resource["id"] = new_id();
      resource["summary"] = "Seeded event " + std::to_string(i);
      resource["start"] = date_time(rfc3339_utc(start), std::nullopt);
      resource["end"] = date_time(rfc3339_utc(start + std::chrono::hours(1)), std::nullopt);
      ids.emplace_back(resource["id"].get_string());
      store(calendar, std::move(resource));
    }
    return ids;
  }

  // --- what the test reads -------------------------------------------------
  // The event as a full list would show it.
  std::optional<boost::json::object> event(const std::string& calendar, const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto& events = calendars_[calendar];
    const auto it = events.find(id);
    if (it == events.end()) return std::nullopt;
    return it->second.resource;
  }
  std::vector<FakeCalendarWrite> writes() {
    std::lock_guard lock(mutex_);
    return writes_;
  }
  std::vector<FakeCalendarChannel> channels() {
    std::lock_guard lock(mutex_);
    return channels_;
  }
  // What a notification of the channel would carry (token and address).
  std::optional<FakeCalendarChannel> channel(const std::string& id) {
    std::lock_guard lock(mutex_);
    for (const auto& channel : channels_)
      if (channel.id == id) return channel;
    return std::nullopt;
  }
  // (id, resourceId) of each channels/stop.
  std::vector<std::pair<std::string, std::string>> stops() {
    std::lock_guard lock(mutex_);
    return stops_;
  }
  // "METHOD /path?query" of each request past the token check, in order.
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return log_;
  }
  // The syncToken of each events.list ("" when it had none).
  std::vector<std::string> sync_tokens_sent() {
    std::lock_guard lock(mutex_);
    return sync_tokens_sent_;
  }

  // FakeGoogle's entry: a request under /calendar/v3 (rest is what follows),
  // its bearer token already checked.
  Answer handle(const std::string& method, const std::string& target, const std::string& rest,
                const Params& params, const std::string& body) {
    std::lock_guard lock(mutex_);
    log_.push_back(method + " " + target);
    if (!faults_.empty()) {
      Answer answer = std::move(faults_.front());
      faults_.pop_front();
      return answer;
    }
    try {
      return route(method, rest, params, body);
    } catch (const std::exception& e) {
      return google_error(400, "badRequest", e.what());
    }
  }

 private:
  struct Stored {
    boost::json::object resource;
    std::uint64_t sequence = 0;         // of its last change
    std::optional<std::int64_t> start;  // the end, epoch seconds, for timeMin
    bool cancelled = false;
  };
  struct SyncToken {
    std::string calendar;
    std::uint64_t sequence = 0;
    bool expired = false;
  };
  // What a page token carries: the query of page 1 and where it stands.
  struct Cursor {
    std::string calendar, sync_token, time_min, show_deleted;
    std::uint64_t upto = 0;  // the sequence when page 1 was answered
    std::string after;       // the last id answered
  };

  static constexpr const char* full_sync_required =
      R"({"error":{"errors":[{"domain":"calendar","reason":"fullSyncRequired",)"
      R"("message":"Sync token is no longer valid, a full sync is required.",)"
      R"("locationType":"parameter","location":"syncToken"}],"code":410,)"
      R"("message":"Sync token is no longer valid, a full sync is required."}})";

  // --- time ----------------------------------------------------------------
  static std::string format_utc(Clock::time_point at, const char* format) {
    const std::time_t seconds = Clock::to_time_t(std::chrono::floor<std::chrono::seconds>(at));
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char out[40];
    std::strftime(out, sizeof out, format, &utc);
    return out;
  }
  static std::string rfc3339_utc(Clock::time_point at) {
    return format_utc(at, "%Y-%m-%dT%H:%M:%SZ");
  }
  static std::string compact_utc(Clock::time_point at) { return format_utc(at, "%Y%m%dT%H%M%SZ"); }
  static std::string updated_now() {
    const auto now = Clock::now();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms));
    return format_utc(now, "%Y-%m-%dT%H:%M:%S") + frac + "Z";
  }
  // Epoch seconds of an RFC 3339 date-time (any offset) or of a date.
  static std::optional<std::int64_t> epoch_of(const std::string& text) {
    std::tm tm{};
    int n = 0;
    if (text.size() == 10) {
      if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) !=
              3 ||
          n != 10)
        return std::nullopt;
    } else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                           &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6) {
      return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::int64_t epoch = timegm(&tm);
    std::size_t at = static_cast<std::size_t>(n);
    if (text.size() == 10) return epoch;
    if (at < text.size() && text[at] == '.')
      while (++at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      }
    if (at < text.size() && text[at] == 'Z' && at + 1 == text.size()) return epoch;
    int hours = 0, minutes = 0;
    if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') &&
        std::sscanf(text.c_str() + at + 1, "%2d:%2d", &hours, &minutes) == 2) {
      const std::int64_t offset = hours * 3600 + minutes * 60;
      return text[at] == '+' ? epoch - offset : epoch + offset;
    }
    return std::nullopt;
  }
  // Google's timeMin compares with an event's end.
  static std::optional<std::int64_t> start_of(const boost::json::object& resource) {
    const auto* start = resource.if_contains("end");
    if (!start || !start->is_object()) return std::nullopt;
    std::string when = text(start->get_object(), "dateTime");
    if (when.empty()) when = text(start->get_object(), "date");
    return epoch_of(when);
  }

  // --- resources -----------------------------------------------------------
  static std::string text(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : "";
  }
  static std::optional<std::string> zone_of(const boost::json::object& resource,
                                            std::string_view key) {
    const auto* time = resource.if_contains(key);
    if (!time || !time->is_object()) return std::nullopt;
    std::string zone = text(time->get_object(), "timeZone");
    if (zone.empty()) return std::nullopt;
    return zone;
  }
  static boost::json::object date_time(const std::string& when,
                                       const std::optional<std::string>& zone) {
    boost::json::object out;
    out["dateTime"] = when;
    if (zone) out["timeZone"] = *zone;
    return out;
  }
  static std::string organizer_of(const std::string& calendar) {
    return calendar == "primary" ? "owner@example.com" : calendar;
  }
  std::string new_id() { return "ev" + id_prefix_ + "x" + std::to_string(++next_id_); }

  // Google's bookkeeping on every change: the defaults, updated, a new sequence.
  void store(const std::string& calendar, boost::json::object resource) {
    const std::string id = text(resource, "id");
    resource["kind"] = "calendar#event";
    resource["etag"] = "\"" + std::to_string(sequence_ + 1) + "\"";
    if (text(resource, "status").empty()) resource["status"] = "confirmed";
    if (!resource.contains("htmlLink"))
      resource["htmlLink"] = "https://www.google.com/calendar/event?eid=" + id;
    if (!resource.contains("organizer")) {
      boost::json::object organizer;
      organizer["email"] = organizer_of(calendar);
      organizer["self"] = true;
      resource["organizer"] = std::move(organizer);
    }
    if (!resource.contains("iCalUID")) resource["iCalUID"] = id + "@google.com";
    resource["updated"] = updated_now();
    Stored entry;
    entry.sequence = ++sequence_;
    entry.start = start_of(resource);
    entry.cancelled = text(resource, "status") == "cancelled";
    entry.resource = std::move(resource);
    calendars_[calendar][id] = std::move(entry);
  }
  Stored& stored(const std::string& calendar, const std::string& id) {
    auto& events = calendars_[calendar];
    const auto it = events.find(id);
    if (it == events.end()) throw std::out_of_range("no event " + id + " in " + calendar);
    return it->second;
  }
  // What an incremental list shows of a cancelled event.
  static boost::json::object tombstone(const boost::json::object& resource) {
    boost::json::object out;
    out["id"] = resource.at("id");
    out["status"] = "cancelled";
    if (const auto* series = resource.if_contains("recurringEventId")) {
      out["recurringEventId"] = *series;
      if (const auto* original = resource.if_contains("originalStartTime"))
        out["originalStartTime"] = *original;
    }
    return out;
  }
  std::string meet_code() {
    // Three letter groups, as meet.google.com/abc-defg-hij.
    std::uint64_t n = ++meets_ * 2654435761u;
    std::string code;
    for (int i = 0; i < 10; ++i) {
      if (i == 3 || i == 7) code += '-';
      code += static_cast<char>('a' + n % 26);
      n /= 26;
    }
    return code;
  }
  boost::json::object conference(const std::string& request_id) {
    const std::string code = meet_code();
    boost::json::object key;
    key["type"] = "hangoutsMeet";
    boost::json::object status;
    status["statusCode"] = "success";
    boost::json::object create;
    create["requestId"] = request_id;
    create["conferenceSolutionKey"] = key;
    create["status"] = std::move(status);
    boost::json::object video;
    video["entryPointType"] = "video";
    video["uri"] = "https://meet.google.com/" + code;
    video["label"] = "meet.google.com/" + code;
    boost::json::array entry_points;
    entry_points.push_back(std::move(video));
    boost::json::object solution;
    solution["key"] = std::move(key);
    solution["name"] = "Google Meet";
    boost::json::object out;
    out["createRequest"] = std::move(create);
    out["entryPoints"] = std::move(entry_points);
    out["conferenceSolution"] = std::move(solution);
    out["conferenceId"] = code;
    return out;
  }
  static std::string request_id_of(const boost::json::object& body) {
    const auto* data = body.if_contains("conferenceData");
    if (!data || !data->is_object()) return "";
    const auto* create = data->get_object().if_contains("createRequest");
    if (!create || !create->is_object()) return "";
    return text(create->get_object(), "requestId");
  }
  // With version 1 a createRequest makes a conference; with 0 Google ignores
  // conferenceData altogether.
  void apply_conference(boost::json::object& resource, const boost::json::object& body, int version,
                        const std::string& request_id) {
    if (version < 1 || !body.contains("conferenceData")) return;
    if (request_id.empty()) {
      resource["conferenceData"] = body.at("conferenceData");
      return;
    }
    // A repeated requestId is ignored.
    const auto* existing = resource.if_contains("conferenceData");
    if (existing && existing->is_object() && request_id_of(resource) == request_id) return;
    boost::json::object made = conference(request_id);
    resource["hangoutLink"] = made.at("entryPoints").as_array()[0].as_object().at("uri");
    resource["conferenceData"] = std::move(made);
  }

  // --- page tokens ---------------------------------------------------------
  static std::string hex(const std::string& data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : data) {
      out += digits[c >> 4];
      out += digits[c & 0x0F];
    }
    return out;
  }
  static std::string encode(const Cursor& cursor) {
    const char sep = '\x1f';
    return "pt" + hex(cursor.calendar + sep + cursor.sync_token + sep + cursor.time_min + sep +
                      cursor.show_deleted + sep + std::to_string(cursor.upto) + sep + cursor.after);
  }
  static std::optional<Cursor> decode_cursor(const std::string& token) {
    if (!token.starts_with("pt") || token.size() % 2 != 0) return std::nullopt;
    std::string data;
    for (std::size_t i = 2; i < token.size(); i += 2) {
      const auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
      };
      const int high = digit(token[i]), low = digit(token[i + 1]);
      if (high < 0 || low < 0) return std::nullopt;
      data += static_cast<char>(high * 16 + low);
    }
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
      const auto sep = data.find('\x1f', start);
      fields.push_back(data.substr(start, sep == std::string::npos ? sep : sep - start));
      if (sep == std::string::npos) break;
      start = sep + 1;
    }
    if (fields.size() != 6) return std::nullopt;
    Cursor cursor{fields[0], fields[1], fields[2], fields[3], 0, fields[5]};
    try {
      cursor.upto = std::stoull(fields[4]);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    return cursor;
  }
  static std::string param(const Params& params, const std::string& name) {
    const auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
  static std::string path_decode(std::string_view segment) {
    std::string out;
    for (std::size_t i = 0; i < segment.size(); ++i) {
      if (segment[i] == '%' && i + 2 < segment.size()) {
        out += static_cast<char>(std::stoi(std::string(segment.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += segment[i];
      }
    }
    return out;
  }
  void expire_all() {
    for (auto& [name, token] : sync_tokens_) token.expired = true;
  }

  // --- the API -------------------------------------------------------------
  Answer route(const std::string& method, const std::string& rest, const Params& params,
               const std::string& body) {
    if (rest == "/channels/stop" && method == "POST") return stop(body);
    if (!rest.starts_with("/calendars/")) return google_error(404, "notFound", "Not Found");
    std::vector<std::string> segments;
    std::size_t start = 11;
    for (;;) {
      const auto slash = rest.find('/', start);
      segments.push_back(
          path_decode(rest.substr(start, slash == std::string::npos ? slash : slash - start)));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    if (segments.size() < 2 || segments[0].empty() || segments[1] != "events")
      return google_error(404, "notFound", "Not Found");
    const std::string& calendar = segments[0];
    if (segments.size() == 2 && method == "GET") return list(calendar, params);
    if (segments.size() == 2 && method == "POST") return insert(calendar, params, body);
    if (segments.size() != 3 || segments[2].empty())
      return google_error(404, "notFound", "Not Found");
    const std::string& id = segments[2];
    if (id == "watch" && method == "POST") return watch(calendar, body);
    if (method == "GET") {
      const auto& events = calendars_[calendar];
      const auto it = events.find(id);
      if (it == events.end()) return google_error(404, "notFound", "Not Found");
      return google_json_answer(200, it->second.resource);
    }
    if (method == "PATCH") return patch(calendar, id, params, body);
    if (method == "DELETE") return remove(calendar, id);
    return google_error(404, "notFound", "Not Found");
  }

  Answer list(const std::string& calendar, const Params& params) {
    const std::string sync = param(params, "syncToken");
    sync_tokens_sent_.push_back(sync);
    const std::string time_min = param(params, "timeMin");
    const std::string show_deleted = param(params, "showDeleted");
    if (!sync.empty()) {
      for (const char* forbidden : {"timeMin", "timeMax", "orderBy", "q", "updatedMin", "iCalUID",
                                    "privateExtendedProperty", "sharedExtendedProperty"})
        if (params.contains(forbidden))
          return google_error(400, "invalid",
                              std::string("syncToken cannot be used with ") + forbidden);
      if (show_deleted != "true")
        return google_error(400, "invalid", "showDeleted must be true with a syncToken");
    }
    if (expire_after_pages_) {
      if (*expire_after_pages_ == 0) {
        expire_all();
        expire_after_pages_.reset();
      } else {
        --*expire_after_pages_;
      }
    }
    std::optional<std::uint64_t> since;
    if (!sync.empty()) {
      const auto it = sync_tokens_.find(sync);
      if (it == sync_tokens_.end() || it->second.expired || it->second.calendar != calendar)
        return Answer{
            410, {{"Content-Type", "application/json; charset=UTF-8"}}, full_sync_required};
      since = it->second.sequence;
    }
    std::size_t size = 250;
    if (params.contains("maxResults")) size = std::stoul(param(params, "maxResults"));
    if (size < 1 || size > 2500) return google_error(400, "invalid", "Invalid maxResults");
    size = std::min(size, page_size_);
    Cursor cursor{calendar, sync, time_min, show_deleted, sequence_, ""};
    if (params.contains("pageToken")) {
      const auto decoded = decode_cursor(param(params, "pageToken"));
      if (!decoded) return google_error(400, "invalid", "Invalid page token");
      if (decoded->calendar != calendar || decoded->sync_token != sync ||
          decoded->time_min != time_min || decoded->show_deleted != show_deleted)
        return google_error(400, "invalid", "The page token was issued for another query");
      cursor = *decoded;
    }
    std::optional<std::int64_t> min;
    if (!time_min.empty()) {
      min = epoch_of(time_min);
      if (!min) return google_error(400, "invalid", "Bad Request");
    }
    const auto& events = calendars_[calendar];
    boost::json::array items;
    bool more = false;
    std::string last;
    for (auto it = events.upper_bound(cursor.after); it != events.end(); ++it) {
      const Stored& entry = it->second;
      const bool match = since ? entry.sequence > *since
                               : (show_deleted == "true" || !entry.cancelled) &&
                                     (!min || !entry.start || *entry.start >= *min);
      if (!match) continue;
      if (items.size() == size) {
        more = true;
        break;
      }
      items.push_back(since && entry.cancelled ? tombstone(entry.resource) : entry.resource);
      last = it->first;
    }
    boost::json::object answer;
    answer["kind"] = "calendar#events";
    answer["summary"] = calendar;
    answer["updated"] = updated_now();
    answer["timeZone"] = "UTC";
    answer["accessRole"] = "owner";
    answer["defaultReminders"] = boost::json::array();
    answer["items"] = std::move(items);
    if (more) {
      cursor.after = last;
      answer["nextPageToken"] = encode(cursor);
    } else {
      const std::string token = "sync" + id_prefix_ + "x" + std::to_string(++issued_);
      sync_tokens_[token] = SyncToken{calendar, cursor.upto, false};
      answer["nextSyncToken"] = token;
    }
    return google_json_answer(200, answer);
  }

  // conferenceDataVersion, or nullopt when it is not 0 or 1.
  static std::optional<int> version_of(const Params& params) {
    const std::string version = param(params, "conferenceDataVersion");
    if (version.empty() || version == "0") return 0;
    if (version == "1") return 1;
    return std::nullopt;
  }
  static boost::json::object object_of(const std::string& body) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) throw std::runtime_error("Parse Error");
    return std::move(value.get_object());
  }

  Answer insert(const std::string& calendar, const Params& params, const std::string& body) {
    const auto version = version_of(params);
    if (!version) return google_error(400, "invalid", "Invalid conferenceDataVersion");
    const boost::json::object request = object_of(body);
    for (const char* field : {"start", "end"}) {
      const auto* time = request.if_contains(field);
      if (!time || !time->is_object())
        return google_error(400, "required", std::string("Missing ") + field + " time.");
    }
    boost::json::object resource = request;
    resource.erase("conferenceData");
    std::string id = text(request, "id");
    if (id.empty()) id = new_id();
    if (calendars_[calendar].contains(id))
      return google_error(409, "duplicate", "The requested identifier already exists.");
    resource["id"] = id;
    const std::string request_id = *version >= 1 ? request_id_of(request) : "";
    apply_conference(resource, request, *version, request_id);
    writes_.push_back({"POST", calendar, id, *version, request_id, request});
    store(calendar, std::move(resource));
    return google_json_answer(200, calendars_[calendar][id].resource);
  }

  Answer patch(const std::string& calendar, const std::string& id, const Params& params,
               const std::string& body) {
    const auto version = version_of(params);
    if (!version) return google_error(400, "invalid", "Invalid conferenceDataVersion");
    auto& events = calendars_[calendar];
    const auto it = events.find(id);
    if (it == events.end()) return google_error(404, "notFound", "Not Found");
    const boost::json::object request = object_of(body);
    boost::json::object resource = it->second.resource;
    for (const auto& [key, value] : request)
      if (key != "conferenceData" && key != "id") resource[key] = value;
    const std::string request_id = *version >= 1 ? request_id_of(request) : "";
    apply_conference(resource, request, *version, request_id);
    writes_.push_back({"PATCH", calendar, id, *version, request_id, request});
    store(calendar, std::move(resource));
    return google_json_answer(200, events.at(id).resource);
  }

  Answer remove(const std::string& calendar, const std::string& id) {
    auto& events = calendars_[calendar];
    const auto it = events.find(id);
    if (it == events.end()) return google_error(404, "notFound", "Not Found");
    writes_.push_back({"DELETE", calendar, id, 0, "", {}});
    if (it->second.cancelled) return google_error(410, "deleted", "Resource has been deleted");
    boost::json::object resource = it->second.resource;
    resource["status"] = "cancelled";
    store(calendar, std::move(resource));
    return Answer{204};
  }

  Answer watch(const std::string& calendar, const std::string& body) {
    const boost::json::object request = object_of(body);
    if (text(request, "type") != "web_hook")
      return google_error(400, "invalid", "type must be web_hook");
    FakeCalendarChannel channel;
    channel.id = text(request, "id");
    channel.address = text(request, "address");
    if (channel.id.empty() || !channel.address.starts_with("https://"))
      return google_error(400, "push.webhookUrlNotHttps", "WebHook callback must be HTTPS");
    channel.token = text(request, "token");
    channel.calendar = calendar;
    channel.resource_id = "cres" + id_prefix_ + "x" + std::to_string(++next_id_);
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count();
    // Calendar's default lifetime is a week.
    channel.expiration_ms = now + 604800 * 1000LL;
    if (const auto* asked = request.if_contains("expiration")) {
      if (asked->is_int64()) channel.expiration_ms = asked->get_int64();
      if (asked->is_string()) channel.expiration_ms = std::stoll(std::string(asked->get_string()));
    }
    if (const auto* extra = request.if_contains("params"); extra && extra->is_object()) {
      const std::string ttl = text(extra->get_object(), "ttl");
      if (!ttl.empty()) channel.expiration_ms = now + std::stoll(ttl) * 1000;
    }
    channels_.push_back(channel);
    boost::json::object answer;
    answer["kind"] = "api#channel";
    answer["id"] = channel.id;
    answer["resourceId"] = channel.resource_id;
    answer["resourceUri"] =
        "https://www.googleapis.com/calendar/v3/calendars/" + calendar + "/events?alt=json";
    if (!channel.token.empty()) answer["token"] = channel.token;
    answer["expiration"] = std::to_string(channel.expiration_ms);
    return google_json_answer(200, answer);
  }

  Answer stop(const std::string& body) {
    const boost::json::object request = object_of(body);
    const std::string id = text(request, "id");
    const std::string resource_id = text(request, "resourceId");
    stops_.emplace_back(id, resource_id);
    for (auto& channel : channels_)
      if (channel.id == id && channel.resource_id == resource_id && !channel.stopped) {
        channel.stopped = true;
        return Answer{204};
      }
    return google_error(404, "notFound", "Channel '" + id + "' not found for project");
  }

  std::mutex mutex_;
  std::deque<Answer> faults_;
  std::size_t page_size_ = 2500;
  std::optional<std::size_t> expire_after_pages_;
  std::uint64_t sequence_ = 0;
  std::size_t next_id_ = 0;
  std::size_t issued_ = 0;
  std::uint64_t meets_ = 0;
  // Ids unique across fakes, as Google's are: tests share one database.
  const std::string id_prefix_ = std::to_string(std::random_device{}());
  std::map<std::string, std::map<std::string, Stored>> calendars_;
  std::map<std::string, SyncToken> sync_tokens_;
  std::vector<FakeCalendarWrite> writes_;
  std::vector<FakeCalendarChannel> channels_;
  std::vector<std::pair<std::string, std::string>> stops_;
  std::vector<std::string> log_;
  std::vector<std::string> sync_tokens_sent_;
};

}  // namespace crmd::test
