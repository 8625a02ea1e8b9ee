#include "domain/calendar/event.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <span>

#include "domain/common/json_of.hpp"
#include "domain/identity/user.hpp"

namespace crmd::calendar {
namespace json = boost::json;
using namespace std::chrono;

namespace {

constexpr std::array<std::string_view, 4> kResponseStatuses{"needsAction", "declined", "tentative",
                                                            "accepted"};

bool one_of(std::string_view value, std::span<const std::string_view> values) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::optional<Timestamp> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  for (auto i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  y = std::stoi(std::string(text.substr(0, 4)));
  m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return Timestamp(sys_days{ymd});
}

// An attendee of a request body: {"email", "optional"?, "display_name"?}.
std::optional<Attendee> attendee_of(const json::value& value, const std::string& field,
                                    FieldReader& r) {
  FieldReader item(value, {"email", "optional", "display_name"});
  auto email = item.string("email", true, 254);
  const auto optional = item.boolean("optional");
  auto name = item.string("display_name", false, 256);
  if (email && !identity::valid_email(*email)) item.fail("email", "not an e-mail address");
  try {
    item.finish();
  } catch (const Error& e) {
    for (const auto& f : e.fields()) r.fail(field + "." + f.field, f.message);
    return std::nullopt;
  }
  Attendee a;
  a.email = identity::normalize_email(*email);
  a.optional = optional.value_or(false);
  a.display_name = std::move(name);
  return a;
}

std::optional<std::vector<Attendee>> read_attendees(const json::value& body, FieldReader& r) {
  const auto* object = body.if_object();
  const auto* value = object ? object->if_contains("attendees") : nullptr;
  if (!value || value->is_null()) return std::nullopt;
  if (!value->is_array()) {
    r.fail("attendees", "expected an array of {\"email\", \"optional\"}");
    return std::nullopt;
  }
  const auto& items = value->get_array();
  if (items.size() > kMaxAttendees) {
    r.fail("attendees", "at most " + std::to_string(kMaxAttendees) + " attendees");
    return std::nullopt;
  }
  std::vector<Attendee> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto a = attendee_of(items[i], "attendees[" + std::to_string(i) + "]", r);
    if (!a) continue;
    const bool repeated =
        std::any_of(out.begin(), out.end(), [&](const Attendee& o) { return o.email == a->email; });
    if (repeated)
      r.fail("attendees[" + std::to_string(i) + "].email", "this attendee is already listed");
    else
      out.push_back(std::move(*a));
  }
  return out;
}

std::optional<EventTime> read_time(FieldReader& r, std::string_view name, bool required) {
  const auto text = r.string(name, required, 40);
  if (!text) return std::nullopt;
  auto t = parse_event_time(*text);
  if (!t)
    r.fail(std::string(name),
           "expected RFC 3339 with an offset (2026-12-01T10:00:00+01:00) or a date (2026-12-01)");
  return t;
}

std::optional<std::vector<Uuid>> read_ids(FieldReader& r, std::string_view name) {
  auto texts = r.strings(name, false, kMaxLinks, 36);
  if (!texts) return std::nullopt;
  std::vector<Uuid> ids;
  for (const auto& text : *texts) {
    auto id = Uuid::parse(text);
    if (!id) {
      r.fail(std::string(name), "expected UUIDs");
      return std::nullopt;
    }
    if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  }
  return ids;
}

void read_time_zone(FieldReader& r, std::optional<std::string>& out) {
  out = r.string("time_zone", false, 64);
  if (out && !valid_time_zone(*out)) r.fail("time_zone", "expected an IANA time zone name");
}

std::optional<std::string> read_visibility(FieldReader& r) {
  auto v = r.string("visibility", false, 16);
  if (v && !one_of(*v, kVisibilities))
    r.fail("visibility", "expected one of default, public, private, confidential");
  return v;
}

schema::Schema time_schema() {
  return schema::described(schema::string(40),
                           "RFC 3339 with an offset, or a date (YYYY-MM-DD) for all-day events");
}

schema::Schema attendee_input_schema() {
  return schema::Object("CalendarAttendeeInput")
      .field("email", schema::email())
      .optional("optional", schema::boolean())
      .optional("display_name", schema::string(256));
}

json::array ids_json(const std::vector<Uuid>& ids, const json::storage_ptr& sp) {
  json::array out(sp);
  for (const auto& id : ids) out.push_back(json_of(id, sp));
  return out;
}

}  // namespace

std::optional<EventTime> parse_event_time(std::string_view text) {
  if (auto date = parse_date(text)) return EventTime{*date, std::string(text)};
  if (text.size() < 20) return std::nullopt;  // a date and a time with an offset at least
  auto at = parse_timestamp(text);
  if (!at) return std::nullopt;
  return EventTime{*at, std::nullopt};
}

std::string to_string(const EventTime& t) {
  return t.date ? *t.date : format_rfc3339(t.at);
}

bool valid_time_zone(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

json::value to_json(const std::vector<Attendee>& attendees, const json::storage_ptr& sp) {
  json::array out(sp);
  out.reserve(attendees.size());
  for (const auto& a : attendees) {
    json::object o(sp);
    o["email"] = json_of(a.email, sp);
    o["optional"] = a.optional;
    o["organizer"] = a.organizer;
    o["response_status"] = json_of(a.response_status, sp);
    o["display_name"] = json_of(a.display_name, sp);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<Attendee> attendees_of(const json::value& value) {
  std::vector<Attendee> out;
  const auto* items = value.if_array();
  if (!items) return out;
  for (const auto& item : *items) {
    const auto* o = item.if_object();
    if (!o) continue;
    const auto* email = o->if_contains("email");
    if (!email || !email->is_string() || email->get_string().empty()) continue;
    Attendee a;
    a.email = std::string(email->get_string());
    if (const auto* v = o->if_contains("optional"); v && v->is_bool()) a.optional = v->get_bool();
    if (const auto* v = o->if_contains("organizer"); v && v->is_bool()) a.organizer = v->get_bool();
    if (const auto* v = o->if_contains("response_status");
        v && v->is_string() && one_of(v->get_string(), kResponseStatuses))
      a.response_status = std::string(v->get_string());
    if (const auto* v = o->if_contains("display_name"); v && v->is_string())
      a.display_name = std::string(v->get_string());
    out.push_back(std::move(a));
  }
  return out;
}

json::object to_json(const Event& e, const json::storage_ptr& sp) {
  json::object links(sp);
  links["lead_ids"] = ids_json(e.links.lead_ids, sp);
  links["contact_ids"] = ids_json(e.links.contact_ids, sp);
  links["deal_ids"] = ids_json(e.links.deal_ids, sp);
  json::object o(sp);
  o.reserve(24);
  o["id"] = json_of(e.id, sp);
  o["calendar_id"] = json_of(e.calendar_id, sp);
  o["source"] = e.google_event_id ? "google" : "local";
  o["summary"] = json_of(e.summary, sp);
  o["description"] = json_of(e.description, sp);
  o["location"] = json_of(e.location, sp);
  o["start"] = json_of(to_string(e.start), sp);
  o["end"] = json_of(to_string(e.end), sp);
  o["all_day"] = e.start.all_day();
  o["time_zone"] = json_of(e.time_zone, sp);
  o["status"] = json_of(e.status, sp);
  o["visibility"] = json_of(e.visibility, sp);
  o["meet_link"] = json_of(e.meet_link, sp);
  o["html_link"] = json_of(e.html_link, sp);
  o["organizer_email"] = json_of(e.organizer_email, sp);
  o["attendees"] = to_json(e.attendees, sp);
  o["recurring_event_id"] = json_of(e.recurring_event_id, sp);
  o["original_start_time"] = json_of(e.original_start_time, sp);
  o["owner_id"] = json_of(e.owner_id, sp);
  o["created_by"] = json_of(e.created_by, sp);
  o["links"] = std::move(links);
  o["cancelled_at"] = json_of(e.cancelled_at, sp);
  o["created_at"] = json_of(e.created_at, sp);
  o["updated_at"] = json_of(e.updated_at, sp);
  return o;
}

schema::Schema json_schema(std::type_identity<Event>) {
  using namespace schema;
  const auto ids = array(uuid());
  return Object("CalendarEvent")
      .field("id", uuid())
      .field("calendar_id", string())
      .field("source", one_of_strings({"local", "google"}), "where the event lives")
      .field("summary", nullable(string()))
      .field("description", nullable(string()))
      .field("location", nullable(string()))
      .field("start", time_schema())
      .field("end", time_schema(), "exclusive; an all-day event's day after its last")
      .field("all_day", boolean())
      .field("time_zone", nullable(string()))
      .field("status", one_of_strings({"confirmed", "tentative", "cancelled"}))
      .field("visibility", one_of_strings({"default", "public", "private", "confidential"}))
      .field("meet_link", nullable(uri()))
      .field("html_link", nullable(uri()))
      .field("organizer_email", nullable(string()))
      .field("attendees",
             array(Object("CalendarAttendee")
                       .field("email", string())
                       .field("optional", boolean())
                       .field("organizer", boolean())
                       .field("response_status",
                              one_of_strings({"needsAction", "declined", "tentative", "accepted"}))
                       .field("display_name", nullable(string()))))
      .field("recurring_event_id", nullable(string()), "an instance of this recurring event")
      .field("original_start_time", nullable(timestamp()))
      .field("owner_id", nullable(uuid()))
      .field("created_by", nullable(uuid()))
      .field("links", Object("CalendarEventLinks")
                          .field("lead_ids", ids)
                          .field("contact_ids", ids)
                          .field("deal_ids", ids))
      .field("cancelled_at", nullable(timestamp()))
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
}

void check_span(const EventTime& start, const EventTime& end) {
  std::optional<std::string> problem;
  if (start.all_day() != end.all_day())
    problem = "start and end are both dates (all-day) or both times";
  else if (start.all_day() ? end.at <= start.at : end.at < start.at)
    problem = "must be after start";
  else if (end.at - start.at > kMaxSpan)
    problem = "at most " + std::to_string(kMaxSpan.count()) + " days after start";
  if (problem)
    throw Error(ErrorKind::validation, "validation_failed", "end: " + *problem,
                {{"end", *problem}});
}

NewEvent parse_new_event(const json::value& body) {
  FieldReader r(body,
                {"calendar_id", "summary", "description", "location", "start", "end", "time_zone",
                 "attendees", "visibility", "lead_ids", "contact_ids", "deal_ids", "meet"});
  NewEvent e;
  e.calendar_id = r.string("calendar_id", false, 255);
  e.fields.summary = r.string("summary", false, kMaxSummaryBytes);
  e.fields.description = r.string("description", false, kMaxDescriptionBytes, false);
  e.fields.location = r.string("location", false, kMaxLocationBytes);
  const auto start = read_time(r, "start", true);
  const auto end = read_time(r, "end", true);
  read_time_zone(r, e.fields.time_zone);
  if (auto attendees = read_attendees(body, r)) e.fields.attendees = std::move(*attendees);
  if (auto v = read_visibility(r)) e.fields.visibility = std::move(*v);
  if (auto ids = read_ids(r, "lead_ids")) e.links.lead_ids = std::move(*ids);
  if (auto ids = read_ids(r, "contact_ids")) e.links.contact_ids = std::move(*ids);
  if (auto ids = read_ids(r, "deal_ids")) e.links.deal_ids = std::move(*ids);
  e.meet = r.boolean("meet").value_or(false);
  r.finish();
  e.fields.start = *start;
  e.fields.end = *end;
  check_span(e.fields.start, e.fields.end);
  return e;
}

schema::Schema new_event_schema() {
  using namespace schema;
  const auto ids = array(uuid(), kMaxLinks);
  return Object("NewCalendarEvent")
      .optional("calendar_id", string(255), "one of CRMD_GOOGLE_CALENDAR_IDS; the first if absent")
      .optional("summary", string(kMaxSummaryBytes))
      .optional("description", string(kMaxDescriptionBytes))
      .optional("location", string(kMaxLocationBytes))
      .field("start", time_schema())
      .field("end", time_schema())
      .optional("time_zone", string(64), "IANA name, e.g. Europe/Paris")
      .optional("attendees", array(attendee_input_schema(), kMaxAttendees))
      .optional("visibility", one_of_strings({"default", "public", "private", "confidential"}))
      .optional("lead_ids", ids)
      .optional("contact_ids", ids)
      .optional("deal_ids", ids)
      .optional("meet", boolean(), "a Google Meet link (Google connected only)");
}

bool EventChanges::touches_google() const {
  return summary || description || location || time_zone || start || end || attendees ||
         visibility || meet;
}

EventChanges parse_event_changes(const json::value& body) {
  FieldReader r(body, {"summary", "description", "location", "start", "end", "time_zone",
                       "attendees", "visibility", "lead_ids", "contact_ids", "deal_ids", "meet"});
  EventChanges c;
  r.change("summary", c.summary, kMaxSummaryBytes);
  r.change("description", c.description, kMaxDescriptionBytes);
  r.change("location", c.location, kMaxLocationBytes);
  r.change("time_zone", c.time_zone, 64);
  if (c.time_zone && *c.time_zone && !valid_time_zone(**c.time_zone))
    r.fail("time_zone", "expected an IANA time zone name");
  c.start = read_time(r, "start", false);
  c.end = read_time(r, "end", false);
  c.attendees = read_attendees(body, r);
  if (r.has("attendees") && !c.attendees) c.attendees.emplace();  // null clears them
  c.visibility = read_visibility(r);
  c.lead_ids = read_ids(r, "lead_ids");
  c.contact_ids = read_ids(r, "contact_ids");
  c.deal_ids = read_ids(r, "deal_ids");
  const auto meet = r.boolean("meet");
  if (meet && !*meet) r.fail("meet", "a Meet link cannot be removed; only true is accepted");
  c.meet = meet.value_or(false);
  r.finish();
  return c;
}

schema::Schema event_changes_schema() {
  using namespace schema;
  const auto ids = array(uuid(), kMaxLinks);
  return Object("CalendarEventChanges")
      .optional("summary", nullable(string(kMaxSummaryBytes)))
      .optional("description", nullable(string(kMaxDescriptionBytes)))
      .optional("location", nullable(string(kMaxLocationBytes)))
      .optional("start", time_schema())
      .optional("end", time_schema())
      .optional("time_zone", nullable(string(64)))
      .optional("attendees", nullable(array(attendee_input_schema(), kMaxAttendees)))
      .optional("visibility", one_of_strings({"default", "public", "private", "confidential"}))
      .optional("lead_ids", ids, "replaces the explicit lead links")
      .optional("contact_ids", ids, "replaces the explicit contact links")
      .optional("deal_ids", ids, "replaces the explicit deal links")
      .optional("meet", boolean(), "true adds a Google Meet link");
}

EventFields apply(const Event& event, const EventChanges& c) {
  EventFields f{event.summary, event.description, event.location,  event.start,
                event.end,     event.time_zone,   event.attendees, event.visibility};
  if (c.summary) f.summary = *c.summary;
  if (c.description) f.description = *c.description;
  if (c.location) f.location = *c.location;
  if (c.time_zone) f.time_zone = *c.time_zone;
  if (c.start) f.start = *c.start;
  if (c.end) f.end = *c.end;
  if (c.attendees) f.attendees = *c.attendees;
  if (c.visibility) f.visibility = *c.visibility;
  check_span(f.start, f.end);
  return f;
}

}  // namespace crmd::calendar
