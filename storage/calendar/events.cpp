#include <boost/json.hpp>

#include "domain/common/error.hpp"
#include "domain/common/json_of.hpp"
#include "storage/calendar/repository.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
namespace json = boost::json;
using calendar::Event;

namespace {

constexpr const char* kEventColumns =
    "e.id, e.calendar_id, e.google_event_id, e.summary, e.description, e.location, e.start_time,"
    " e.end_time, e.start_date::text, e.end_date::text, e.time_zone, e.meet_link, e.html_link,"
    " e.organizer_email, e.status, e.visibility, e.attendees, e.recurring_event_id,"
    " e.original_start_time, e.owner_id, e.created_by, e.cancelled_at, e.created_at,"
    " e.updated_at, (SELECT coalesce(jsonb_agg(jsonb_build_array(k.entity_type, k.entity_id)"
    " ORDER BY k.entity_type, k.entity_id), '[]') FROM calendar_event_links k"
    " WHERE k.event_id = e.id)";
constexpr int kSortKey = 25;

// The columns a writer sets, in this order, as $2.. of an insert or update.
constexpr const char* kWritten =
    "google_event_id, summary, description, location, start_time, end_time, start_date,"
    " end_date, time_zone, meet_link, html_link, organizer_email, status, visibility, attendees,"
    " recurring_event_id, original_start_time, google_updated_at, owner_id";

// $1 (the calendar), kWritten's $2..$20, then created_by.
constexpr const char* kWrittenValues =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
    " $21";

// As a jsonb_to_recordset column list.
constexpr const char* kRecordset =
    "google_event_id text, summary text, description text, location text,"
    " start_time timestamptz, end_time timestamptz, start_date date, end_date date,"
    " time_zone text, meet_link text, html_link text, organizer_email text, status text,"
    " visibility text, attendees jsonb, recurring_event_id text, original_start_time timestamptz,"
    " google_updated_at timestamptz, owner_id uuid";

calendar::EventTime time_at(const pg::Row& r, int at, int date) {
  return {r.get<Timestamp>(at), r.get<std::optional<std::string>>(date)};
}

void put_links(calendar::Links& links, const json::value& value) {
  const auto* items = value.if_array();
  if (!items) return;
  for (const auto& item : *items) {
    const auto* pair = item.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) continue;
    const auto id = Uuid::parse((*pair)[1].get_string());
    if (!id) continue;
    const auto type = (*pair)[0].get_string();
    if (type == "lead") links.lead_ids.push_back(*id);
    if (type == "contact") links.contact_ids.push_back(*id);
    if (type == "deal") links.deal_ids.push_back(*id);
  }
}

Event event_from(const pg::Row& r) {
  Event e;
  e.id = r.get<Uuid>(0);
  e.calendar_id = r.get<std::string>(1);
  e.google_event_id = r.get<std::optional<std::string>>(2);
  e.summary = r.get<std::optional<std::string>>(3);
  e.description = r.get<std::optional<std::string>>(4);
  e.location = r.get<std::optional<std::string>>(5);
  e.start = time_at(r, 6, 8);
  e.end = time_at(r, 7, 9);
  e.time_zone = r.get<std::optional<std::string>>(10);
  e.meet_link = r.get<std::optional<std::string>>(11);
  e.html_link = r.get<std::optional<std::string>>(12);
  e.organizer_email = r.get<std::optional<std::string>>(13);
  e.status = r.get<std::string>(14);
  e.visibility = r.get<std::string>(15);
  if (auto attendees = r.get<std::optional<json::value>>(16))
    e.attendees = calendar::attendees_of(*attendees);
  e.recurring_event_id = r.get<std::optional<std::string>>(17);
  e.original_start_time = r.get<std::optional<Timestamp>>(18);
  e.owner_id = r.get<std::optional<Uuid>>(19);
  e.created_by = r.get<std::optional<Uuid>>(20);
  e.cancelled_at = r.get<std::optional<Timestamp>>(21);
  e.created_at = r.get<Timestamp>(22);
  e.updated_at = r.get<Timestamp>(23);
  if (auto links = r.get<std::optional<json::value>>(24)) put_links(e.links, *links);
  return e;
}

std::vector<Event> events_of(const pg::Result& result) {
  std::vector<Event> out;
  out.reserve(result.rows());
  for (auto row : result) out.push_back(event_from(row));
  return out;
}

void add_written(pg::Params& p, const EventRow& row) {
  const auto& f = row.fields;
  p.add(row.google_event_id);
  p.add(f.summary);
  p.add(f.description);
  p.add(f.location);
  p.add(f.start.at);
  p.add(f.end.at);
  p.add(f.start.date);
  p.add(f.end.date);
  p.add(f.time_zone);
  p.add(row.meet_link);
  p.add(row.html_link);
  p.add(row.organizer_email);
  p.add(row.status);
  p.add(f.visibility);
  p.add(calendar::to_json(f.attendees));
  p.add(row.recurring_event_id);
  p.add(row.original_start_time);
  p.add(row.google_updated_at);
  p.add(row.owner_id);
}

// The same row as a jsonb_to_recordset element (kRecordset).
json::object record_of(const EventRow& row) {
  const auto& f = row.fields;
  json::object o;
  o["google_event_id"] = json_of(row.google_event_id);
  o["summary"] = json_of(f.summary);
  o["description"] = json_of(f.description);
  o["location"] = json_of(f.location);
  o["start_time"] = json_of(f.start.at);
  o["end_time"] = json_of(f.end.at);
  o["start_date"] = json_of(f.start.date);
  o["end_date"] = json_of(f.end.date);
  o["time_zone"] = json_of(f.time_zone);
  o["meet_link"] = json_of(row.meet_link);
  o["html_link"] = json_of(row.html_link);
  o["organizer_email"] = json_of(row.organizer_email);
  o["status"] = json_of(row.status);
  o["visibility"] = json_of(f.visibility);
  o["attendees"] = calendar::to_json(f.attendees);
  o["recurring_event_id"] = json_of(row.recurring_event_id);
  o["original_start_time"] = json_of(row.original_start_time);
  o["google_updated_at"] = json_of(row.google_updated_at);
  o["owner_id"] = json_of(row.owner_id);
  return o;
}

// What an update from Google sets: everything it says (the owner only when
// there was none), updated_at only when something changed.
constexpr const char* kMirrorSet =
    " summary = excluded.summary, description = excluded.description,"
    " location = excluded.location, start_time = excluded.start_time,"
    " end_time = excluded.end_time, start_date = excluded.start_date,"
    " end_date = excluded.end_date, time_zone = excluded.time_zone,"
    " meet_link = coalesce(excluded.meet_link, e.meet_link), html_link = excluded.html_link,"
    " organizer_email = excluded.organizer_email, status = excluded.status,"
    " visibility = excluded.visibility, attendees = excluded.attendees,"
    " recurring_event_id = excluded.recurring_event_id,"
    " original_start_time = excluded.original_start_time,"
    " google_updated_at = excluded.google_updated_at,"
    " owner_id = coalesce(e.owner_id, excluded.owner_id), synced_at = now(),"
    " cancelled_at = CASE WHEN excluded.status = 'cancelled' THEN coalesce(e.cancelled_at, now())"
    " END,"
    " updated_at = CASE WHEN (e.summary, e.description, e.location, e.start_time, e.end_time,"
    " e.time_zone, e.html_link, e.organizer_email, e.status, e.visibility, e.attendees,"
    " e.original_start_time) IS DISTINCT FROM (excluded.summary, excluded.description,"
    " excluded.location, excluded.start_time, excluded.end_time, excluded.time_zone,"
    " excluded.html_link, excluded.organizer_email, excluded.status, excluded.visibility,"
    " excluded.attendees, excluded.original_start_time) OR excluded.meet_link IS DISTINCT FROM"
    " coalesce(excluded.meet_link, e.meet_link) THEN now() ELSE e.updated_at END";

std::vector<EventChange> changes_of(std::vector<Event> before, std::vector<Event> after) {
  std::vector<EventChange> out;
  out.reserve(after.size());
  for (auto& a : after) {
    EventChange change{std::nullopt, std::move(a)};
    for (auto& b : before)
      if (b.id == change.after.id) change.before = std::move(b);
    out.push_back(std::move(change));
  }
  return out;
}

std::string link_type_condition(std::string_view type, const std::string& me) {
  if (type == "contact") return "TRUE";
  if (type == "lead")
    return "EXISTS (SELECT 1 FROM leads l WHERE l.id = k.entity_id AND l.owner_user_id = " + me +
           ")";
  return "EXISTS (SELECT 1 FROM deals d WHERE d.id = k.entity_id AND d.owner_id = " + me + ")";
}

// Of an overlap with [start, …): what runs at start, exactly (open at both
// ends), read whole through the span index: a condition of its own, so that
// no plan, a generic one least of all, reads it through another index.
KeysetQuery::Branch running_at(const std::string& start) {
  return {"tstzrange(e.start_time, e.end_time, '()') @> " + start, true};
}

json::value attendee_match(const std::string& email) {
  json::array match;
  match.push_back(json::object{{"email", email}});
  return match;
}

// Cancelled instances of a series never mirrored, as recordset rows.
json::array holes_of(const std::vector<Tombstone>& tombstones) {
  json::array holes;
  for (const auto& t : tombstones)
    if (t.recurring_event_id && t.original_start_time)
      holes.push_back(
          json::object{{"google_event_id", t.google_event_id},
                       {"recurring_event_id", *t.recurring_event_id},
                       {"original_start_time", format_rfc3339(*t.original_start_time)}});
  return holes;
}

}  // namespace

std::string calendar_event_visible(std::string_view alias, const std::string& me) {
  const std::string e(alias);
  return "(" + e + ".owner_id = " + me + " OR (" + e +
         ".visibility NOT IN ('private', 'confidential') AND EXISTS (SELECT 1 FROM"
         " calendar_event_links k WHERE k.event_id = " +
         e + ".id AND (k.entity_type = 'contact' OR (k.entity_type = 'lead' AND " +
         link_type_condition("lead", me) + ") OR (k.entity_type = 'deal' AND " +
         link_type_condition("deal", me) + ")))))";
}

asio::awaitable<std::optional<Event>> CalendarRepository::get(
    const Uuid& id, const std::optional<Uuid>& visible_to) {
  pg::Params params(id);
  std::string sql =
      std::string("SELECT ") + kEventColumns + " FROM calendar_events e WHERE e.id = $1";
  if (visible_to) sql += " AND " + calendar_event_visible("e", placeholder(params, *visible_to));
  const auto result = co_await pool_.read(sql, params);
  if (result.rows() == 0) co_return std::nullopt;
  co_return event_from(result[0]);
}

asio::awaitable<std::vector<Listed<Event>>> CalendarRepository::list(
    const EventQuery& q, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  std::string where = "TRUE";
  // Overlapping [start, end): what runs at start (the span index finds it),
  // and what starts within (a range of the start index). One condition for
  // both walked the start index from the calendar's first event.
  std::vector<KeysetQuery::Branch> any_of;
  if (q.start) {
    const auto lower = placeholder(params, *q.start) + "::timestamptz";
    std::string starting = "e.start_time >= " + lower;
    if (q.end) starting += " AND e.start_time < " + placeholder(params, *q.end) + "::timestamptz";
    any_of.push_back(running_at(lower));
    any_of.push_back(KeysetQuery::Branch{starting});
  } else if (q.end) {
    where += " AND e.start_time < " + placeholder(params, *q.end) + "::timestamptz";
  }
  if (!q.calendar_ids.empty())
    where += " AND e.calendar_id = ANY(" + placeholder(params, q.calendar_ids) + "::text[])";
  if (!q.statuses.empty())
    where += " AND e.status = ANY(" + placeholder(params, q.statuses) + "::text[])";
  else
    where += " AND e.status <> 'cancelled'";
  if (q.attendee) {
    where += " AND e.attendees @> " + placeholder(params, attendee_match(*q.attendee)) + "::jsonb";
  }
  const auto linked = [&](std::string_view type, const std::optional<Uuid>& id) {
    if (!id) return;
    where +=
        " AND EXISTS (SELECT 1 FROM calendar_event_links k WHERE k.event_id = e.id AND"
        " k.entity_type = '" +
        std::string(type) + "' AND k.entity_id = " + placeholder(params, *id) + ")";
  };
  linked("lead", q.lead_id);
  linked("contact", q.contact_id);
  linked("deal", q.deal_id);
  if (q.visible_to)
    where += " AND " + calendar_event_visible("e", placeholder(params, *q.visible_to));
  KeysetQuery keyset{kEventColumns, "calendar_events e", where};
  keyset.sort = "e.start_time";
  keyset.sort_type = SortKeyType::timestamp;
  keyset.id = "e.id";
  keyset.any_of = std::move(any_of);
  const auto result = co_await pool_.read_page(keyset.sql(from, limit, params), params);
  std::vector<Listed<Event>> rows;
  rows.reserve(result.rows());
  for (auto row : result) rows.push_back({event_from(row), row.get<std::string>(kSortKey)});
  reorder(rows, from);
  co_return rows;
}

asio::awaitable<std::optional<Event>> CalendarRepository::lock(pg::Transaction& tx,
                                                               const Uuid& id) {
  const auto result = co_await tx.query(
      std::string("SELECT ") + kEventColumns + " FROM calendar_events e WHERE e.id = $1 FOR UPDATE",
      pg::Params(id));
  if (result.rows() == 0) co_return std::nullopt;
  co_return event_from(result[0]);
}

asio::awaitable<std::vector<Event>> CalendarRepository::reread(pg::Transaction& tx,
                                                               const std::vector<Uuid>& ids) {
  const auto result = co_await tx.query(std::string("SELECT ") + kEventColumns +
                                            " FROM calendar_events e WHERE e.id = ANY($1::uuid[])"
                                            " ORDER BY e.id",
                                        pg::Params(ids));
  co_return events_of(result);
}

asio::awaitable<Event> CalendarRepository::insert(pg::Transaction& tx, const EventRow& row) {
  pg::Params params(row.calendar_id);
  add_written(params, row);
  params.add(row.created_by);
  const auto result =
      co_await tx.query(std::string("INSERT INTO calendar_events (calendar_id, ") + kWritten +
                            ", created_by, synced_at) VALUES (" + kWrittenValues +
                            ", CASE WHEN $2::text IS NULL THEN NULL ELSE now() END) RETURNING id",
                        params);
  const std::vector<Uuid> ids(1, result.one().get<Uuid>(0));
  const auto events = co_await reread(tx, ids);
  co_return events.front();
}

asio::awaitable<Event> CalendarRepository::upsert(pg::Transaction& tx, const EventRow& row) {
  pg::Params params(row.calendar_id);
  add_written(params, row);
  params.add(row.created_by);
  const auto result = co_await tx.query(
      std::string("INSERT INTO calendar_events AS e (calendar_id, ") + kWritten +
          ", created_by, synced_at) VALUES (" + kWrittenValues +
          ", now())"
          " ON CONFLICT (calendar_id, google_event_id) DO UPDATE SET" +
          kMirrorSet + ", created_by = coalesce(e.created_by, excluded.created_by) RETURNING e.id",
      params);
  const std::vector<Uuid> ids(1, result.one().get<Uuid>(0));
  const auto events = co_await reread(tx, ids);
  co_return events.front();
}

asio::awaitable<Event> CalendarRepository::update(pg::Transaction& tx, const Uuid& id,
                                                  const EventRow& row) {
  pg::Params params(id);
  add_written(params, row);
  co_await tx.query(
      "UPDATE calendar_events SET (" + std::string(kWritten) +
          ") = ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,"
          " $20), synced_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END,"
          " updated_at = now() WHERE id = $1",
      params);
  const std::vector<Uuid> ids(1, id);
  const auto events = co_await reread(tx, ids);
  co_return events.front();
}

asio::awaitable<Event> CalendarRepository::cancel(pg::Transaction& tx, const Uuid& id) {
  co_await tx.query(
      "UPDATE calendar_events SET status = 'cancelled', cancelled_at = now(), updated_at = now()"
      " WHERE id = $1 AND status <> 'cancelled'",
      pg::Params(id));
  const std::vector<Uuid> ids(1, id);
  const auto events = co_await reread(tx, ids);
  co_return events.front();
}

asio::awaitable<void> CalendarRepository::set_links(pg::Transaction& tx, const Uuid& event,
                                                    std::string_view type,
                                                    const std::vector<Uuid>& ids) {
  co_await tx.query(
      "DELETE FROM calendar_event_links WHERE event_id = $1 AND entity_type = $2"
      " AND source = 'explicit' AND entity_id <> ALL($3::uuid[])",
      pg::Params(event, type, ids));
  co_await tx.query(
      "INSERT INTO calendar_event_links (event_id, entity_type, entity_id, source)"
      " SELECT $1, $2, unnest($3::uuid[]), 'explicit'"
      " ON CONFLICT (event_id, entity_type, entity_id) DO UPDATE SET source = 'explicit'",
      pg::Params(event, type, ids));
}

asio::awaitable<void> CalendarRepository::set_attendee_links(
    pg::Transaction& tx, const std::vector<std::pair<Uuid, Uuid>>& event_contacts,
    const std::vector<Uuid>& events) {
  std::vector<Uuid> linked_events, contacts;
  for (const auto& [event, contact] : event_contacts) {
    linked_events.push_back(event);
    contacts.push_back(contact);
  }
  co_await tx.query(
      "DELETE FROM calendar_event_links k WHERE k.event_id = ANY($1::uuid[]) AND k.source ="
      " 'attendee' AND NOT EXISTS (SELECT 1 FROM unnest($2::uuid[], $3::uuid[]) AS n (e, c)"
      " WHERE n.e = k.event_id AND n.c = k.entity_id)",
      pg::Params(events, linked_events, contacts));
  if (event_contacts.empty()) co_return;
  co_await tx.query(
      "INSERT INTO calendar_event_links (event_id, entity_type, entity_id, source)"
      " SELECT n.e, 'contact', n.c, 'attendee' FROM unnest($1::uuid[], $2::uuid[]) AS n (e, c)"
      " ON CONFLICT DO NOTHING",
      pg::Params(linked_events, contacts));
}

asio::awaitable<std::vector<EventChange>> CalendarRepository::upsert_mirror(
    pg::Transaction& tx, const std::string& calendar_id, const std::vector<EventRow>& rows) {
  if (rows.empty()) co_return std::vector<EventChange>{};
  json::array records;
  std::vector<std::string> ids;
  records.reserve(rows.size());
  for (const auto& row : rows) {
    records.push_back(record_of(row));
    ids.push_back(*row.google_event_id);
  }
  const auto before = co_await tx.query(
      std::string("SELECT ") + kEventColumns +
          " FROM calendar_events e WHERE e.calendar_id = $1 AND e.google_event_id ="
          " ANY($2::text[]) ORDER BY e.id FOR UPDATE",
      pg::Params(calendar_id, ids));
  const auto written = co_await tx.query(
      std::string("INSERT INTO calendar_events AS e (calendar_id, ") + kWritten +
          ", synced_at, cancelled_at) SELECT $1, " + kWritten +
          ", now(), CASE WHEN v.status = 'cancelled' THEN now() END"
          " FROM jsonb_to_recordset($2::jsonb) AS v (" +
          kRecordset + ") ON CONFLICT (calendar_id, google_event_id) DO UPDATE SET" + kMirrorSet +
          " RETURNING e.id",
      pg::Params(calendar_id, json::value(std::move(records))));
  std::vector<Uuid> written_ids;
  for (auto row : written) written_ids.push_back(row.get<Uuid>(0));
  auto after = co_await reread(tx, written_ids);
  co_return changes_of(events_of(before), std::move(after));
}

asio::awaitable<std::vector<EventChange>> CalendarRepository::apply_tombstones(
    pg::Transaction& tx, const std::string& calendar_id, const std::vector<Tombstone>& tombstones) {
  if (tombstones.empty()) co_return std::vector<EventChange>{};
  std::vector<std::string> ids;
  for (const auto& t : tombstones) ids.push_back(t.google_event_id);
  const auto before = co_await tx.query(
      std::string("SELECT ") + kEventColumns +
          " FROM calendar_events e WHERE e.calendar_id = $1 AND e.google_event_id ="
          " ANY($2::text[]) AND e.status <> 'cancelled' ORDER BY e.id FOR UPDATE",
      pg::Params(calendar_id, ids));
  const auto cancelled = co_await tx.query(
      "UPDATE calendar_events SET status = 'cancelled', cancelled_at = now(), synced_at = now(),"
      " updated_at = now() WHERE calendar_id = $1 AND google_event_id = ANY($2::text[])"
      " AND status <> 'cancelled' RETURNING id",
      pg::Params(calendar_id, ids));
  co_await tx.query(
      "UPDATE calendar_events SET synced_at = now() WHERE calendar_id = $1"
      " AND google_event_id = ANY($2::text[]) AND status = 'cancelled'",
      pg::Params(calendar_id, ids));
  // A cancelled instance of a series never mirrored: kept, at its original
  // start, so that the series shows its hole.
  const auto holes = holes_of(tombstones);
  std::vector<Uuid> changed;
  for (auto row : cancelled) changed.push_back(row.get<Uuid>(0));
  if (!holes.empty()) {
    const auto inserted = co_await tx.query(
        "INSERT INTO calendar_events (calendar_id, google_event_id, status, start_time, end_time,"
        " recurring_event_id, original_start_time, synced_at, cancelled_at)"
        " SELECT $1, v.google_event_id, 'cancelled', v.original_start_time,"
        " v.original_start_time, v.recurring_event_id, v.original_start_time, now(), now()"
        " FROM jsonb_to_recordset($2::jsonb) AS v (google_event_id text, recurring_event_id text,"
        " original_start_time timestamptz) ON CONFLICT DO NOTHING RETURNING id",
        pg::Params(calendar_id, json::value(holes)));
    for (auto row : inserted) changed.push_back(row.get<Uuid>(0));
  }
  auto after = co_await reread(tx, changed);
  co_return changes_of(events_of(before), std::move(after));
}

asio::awaitable<std::vector<EventChange>> CalendarRepository::cancel_unseen(
    pg::Transaction& tx, const std::string& calendar_id, Timestamp run_started,
    Timestamp window_start) {
  const auto before = co_await tx.query(
      std::string("SELECT ") + kEventColumns +
          " FROM calendar_events e WHERE e.calendar_id = $1 AND e.google_event_id IS NOT NULL"
          " AND e.status <> 'cancelled' AND e.end_time >= $3"
          " AND coalesce(e.synced_at, '-infinity') < $2 ORDER BY e.id FOR UPDATE",
      pg::Params(calendar_id, run_started, window_start));
  auto old = events_of(before);
  if (old.empty()) co_return std::vector<EventChange>{};
  std::vector<Uuid> ids;
  for (const auto& e : old) ids.push_back(e.id);
  co_await tx.query(
      "UPDATE calendar_events SET status = 'cancelled', cancelled_at = now(), updated_at = now()"
      " WHERE id = ANY($1::uuid[])",
      pg::Params(ids));
  auto after = co_await reread(tx, ids);
  co_return changes_of(std::move(old), std::move(after));
}

asio::awaitable<std::vector<std::pair<std::string, Uuid>>> CalendarRepository::contacts_by_email(
    const std::vector<std::string>& emails) {
  std::vector<std::pair<std::string, Uuid>> out;
  if (emails.empty()) co_return out;
  const auto result = co_await pool_.read(
      "SELECT lower(email::text), id FROM contacts WHERE email = ANY($1::citext[])"
      " AND deleted_at IS NULL",
      pg::Params(emails));
  for (auto row : result) out.emplace_back(row.get<std::string>(0), row.get<Uuid>(1));
  co_return out;
}

asio::awaitable<std::vector<Uuid>> CalendarRepository::unknown_leads(
    const std::vector<Uuid>& ids, const std::optional<Uuid>& owner) {
  const auto result = co_await pool_.read(
      "SELECT i FROM unnest($1::uuid[]) AS i WHERE NOT EXISTS (SELECT 1 FROM leads l"
      " WHERE l.id = i AND l.deleted_at IS NULL AND ($2::uuid IS NULL OR l.owner_user_id = $2))",
      pg::Params(ids, owner));
  std::vector<Uuid> out;
  for (auto row : result) out.push_back(row.get<Uuid>(0));
  co_return out;
}

asio::awaitable<std::vector<Uuid>> CalendarRepository::unknown_contacts(
    const std::vector<Uuid>& ids) {
  const auto result = co_await pool_.read(
      "SELECT i FROM unnest($1::uuid[]) AS i WHERE NOT EXISTS (SELECT 1 FROM contacts c"
      " WHERE c.id = i AND c.deleted_at IS NULL)",
      pg::Params(ids));
  std::vector<Uuid> out;
  for (auto row : result) out.push_back(row.get<Uuid>(0));
  co_return out;
}

asio::awaitable<std::vector<Uuid>> CalendarRepository::unknown_deals(
    const std::vector<Uuid>& ids, const std::optional<Uuid>& owner) {
  const auto result = co_await pool_.read(
      "SELECT i FROM unnest($1::uuid[]) AS i WHERE NOT EXISTS (SELECT 1 FROM deals d"
      " WHERE d.id = i AND d.deleted_at IS NULL AND ($2::uuid IS NULL OR d.owner_id = $2))",
      pg::Params(ids, owner));
  std::vector<Uuid> out;
  for (auto row : result) out.push_back(row.get<Uuid>(0));
  co_return out;
}

asio::awaitable<std::vector<std::pair<std::string, Uuid>>> CalendarRepository::users_by_email(
    const std::vector<std::string>& emails) {
  const auto result = co_await pool_.read(
      "SELECT lower(email), id FROM users WHERE lower(email) = ANY($1::text[])",
      pg::Params(emails));
  std::vector<std::pair<std::string, Uuid>> out;
  for (auto row : result) out.emplace_back(row.get<std::string>(0), row.get<Uuid>(1));
  co_return out;
}

asio::awaitable<std::int64_t> CalendarRepository::archive_cancelled(Timestamp before,
                                                                    std::int64_t limit) {
  auto tx = co_await pool_.begin();
  const auto moved = co_await tx.query(
      "WITH gone AS (DELETE FROM calendar_events e WHERE e.id IN (SELECT id FROM calendar_events"
      " WHERE status = 'cancelled' AND cancelled_at < $1 ORDER BY cancelled_at LIMIT $2"
      " FOR UPDATE SKIP LOCKED) RETURNING e.*)"
      " INSERT INTO calendar_events_archive SELECT gone.*, coalesce((SELECT"
      " jsonb_agg(jsonb_build_array(k.entity_type, k.entity_id)) FROM calendar_event_links k"
      " WHERE k.event_id = gone.id), '[]') FROM gone",
      pg::Params(before, limit));
  co_await tx.commit();
  co_return moved.affected();
}

}  // namespace crmd::storage
