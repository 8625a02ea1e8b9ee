#include "actors/calendar.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <unordered_set>

#include "actors/calendar_google.hpp"
#include "domain/common/version.hpp"
#include "storage/audit.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using calendar::Event;

namespace {

// The e-mail cache is dropped whole past this many entries.
constexpr std::size_t kMaxCachedEmails = 100000;

Error no_such_event() {
  return Error(ErrorKind::not_found, "not_found", "no such event");
}

Error invalid(const std::string& field, const std::string& message) {
  return Error(ErrorKind::validation, "validation_failed", field + ": " + message,
               {{field, message}});
}

// An event's JSON without its clock, to tell a change from a rewrite.
boost::json::object content_of(const Event& e) {
  auto o = calendar::to_json(e);
  o.erase("updated_at");
  return o;
}

std::string action_of(const storage::EventChange& c) {
  if (!c.before) return "event_created";
  if (c.after.cancelled() && !c.before->cancelled()) return "event_cancelled";
  return "event_updated";
}

// Whether the event's lead activities may differ after the change.
bool moves_activities(const storage::EventChange& c) {
  if (!c.before) return !c.after.links.lead_ids.empty();
  const auto& b = *c.before;
  return b.links.lead_ids != c.after.links.lead_ids || b.start.at != c.after.start.at ||
         b.summary != c.after.summary || b.cancelled() != c.after.cancelled();
}

std::vector<std::string> attendee_emails(const std::vector<storage::EventChange>& changes) {
  std::vector<std::string> emails;
  for (const auto& c : changes)
    for (const auto& a : c.after.attendees) emails.push_back(a.email);
  std::sort(emails.begin(), emails.end());
  emails.erase(std::unique(emails.begin(), emails.end()), emails.end());
  return emails;
}

// 422 naming each kind of link whose records the caller cannot link.
void check_found(const std::vector<Uuid>& leads, const std::vector<Uuid>& contacts,
                 const std::vector<Uuid>& deals) {
  std::vector<FieldError> problems;
  const std::pair<const char*, const std::vector<Uuid>*> kinds[] = {
      {"lead_ids", &leads}, {"contact_ids", &contacts}, {"deal_ids", &deals}};
  for (const auto& [field, unknown] : kinds)
    if (!unknown->empty()) problems.push_back({field, "no such record: " + unknown->front().str()});
  if (problems.empty()) return;
  const auto detail = problems.front().field + ": " + problems.front().message;
  throw Error(ErrorKind::validation, "validation_failed", detail, std::move(problems));
}

// The e-mails a page's owners may be: the calendar's, and each organizer's.
std::vector<std::string> owner_emails(const std::string& calendar_id,
                                      const std::vector<storage::EventRow>& rows) {
  std::vector<std::string> emails{calendar_id};
  for (const auto& row : rows)
    if (row.organizer_email) emails.push_back(*row.organizer_email);
  for (auto& e : emails)
    std::transform(e.begin(), e.end(), e.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::sort(emails.begin(), emails.end());
  emails.erase(std::unique(emails.begin(), emails.end()), emails.end());
  return emails;
}

storage::EventRow local_row(const std::string& calendar_id, calendar::EventFields fields) {
  storage::EventRow row;
  row.calendar_id = calendar_id;
  row.fields = std::move(fields);
  return row;
}

}  // namespace

CalendarService::CalendarService(Actor& actor, pg::Pool& pool, LeadService& leads,
                                 google::GoogleCalendar* google, CalendarOptions options)
    : actor_(actor),
      pool_(pool),
      leads_(leads),
      google_(google),
      options_(std::move(options)),
      repository_(pool) {
  if (options_.calendars.empty()) options_.calendars.emplace_back("primary");
}

asio::awaitable<void> CalendarService::follow_changes(pg::Listener& listener) {
  auto clear = [this] {
    emails_.clear();
    ++emails_generation_;
  };
  try {
    auto subscription = co_await listener.subscribe(kContactEmailsChannel);
    co_await actor_.call(clear);
    for (;;) {
      co_await subscription->next();
      co_await actor_.call(clear);
    }
  } catch (const pg::Error&) {
    // The listener closed: shutting down.
  }
}

asio::awaitable<std::unordered_map<std::string, Uuid>> CalendarService::contacts_of(
    std::vector<std::string> emails) {
  std::unordered_map<std::string, Uuid> found;
  if (emails.empty()) co_return found;
  std::vector<std::string> missing;
  std::uint64_t generation = 0;
  auto look_up = [&] {
    generation = emails_generation_;
    for (const auto& email : emails) {
      auto it = emails_.find(email);
      if (it == emails_.end())
        missing.push_back(email);
      else if (it->second)
        found.emplace(email, *it->second);
    }
  };
  co_await actor_.call(look_up);
  if (missing.empty()) co_return found;
  const auto rows = co_await repository_.contacts_by_email(missing);
  for (const auto& [email, id] : rows) found.emplace(email, id);
  // Kept unless the contacts changed meanwhile (the answer may be older).
  auto keep = [&] {
    if (generation != emails_generation_) return;
    if (emails_.size() + missing.size() > kMaxCachedEmails) emails_.clear();
    for (const auto& email : missing) {
      auto it = found.find(email);
      emails_[email] = it == found.end() ? std::nullopt : std::optional<Uuid>(it->second);
    }
  };
  co_await actor_.call(keep);
  co_return found;
}

asio::awaitable<std::vector<Event>> CalendarService::after_write(
    pg::Transaction& tx, std::vector<storage::EventChange> changes,
    const identity::RequestContext& context, std::size_t* changed) {
  std::vector<Uuid> ids;
  for (const auto& c : changes) ids.push_back(c.after.id);
  if (ids.empty()) co_return std::vector<Event>{};
  const auto contacts = co_await contacts_of(attendee_emails(changes));
  std::vector<std::pair<Uuid, Uuid>> links;
  for (const auto& c : changes)
    for (const auto& a : c.after.attendees)
      if (auto it = contacts.find(a.email); it != contacts.end())
        links.emplace_back(c.after.id, it->second);
  co_await repository_.set_attendee_links(tx, links, ids);
  auto now = co_await repository_.reread(tx, ids);
  std::vector<storage::AuditEntry> entries;
  for (auto& c : changes) {
    auto it =
        std::find_if(now.begin(), now.end(), [&](const Event& e) { return e.id == c.after.id; });
    if (it == now.end()) continue;
    c.after = *it;
    if (c.before && content_of(*c.before) == content_of(c.after)) continue;
    if (moves_activities(c)) {
      const auto at =
          c.after.cancelled() ? std::nullopt : std::optional<Timestamp>(c.after.start.at);
      co_await leads_.follow_event(tx, c.after.id, c.after.links.lead_ids, at, c.after.summary);
    }
    std::optional<boost::json::value> before;
    if (c.before) before = calendar::to_json(*c.before);
    entries.emplace_back(action_of(c), "calendar", c.after.id.str(), std::move(before),
                         calendar::to_json(c.after));
  }
  if (changed) *changed = entries.size();
  if (!entries.empty()) co_await storage::write_audits(tx, context, entries);
  co_return now;
}

std::string CalendarService::calendar_of(const std::optional<std::string>& requested) const {
  if (!requested) return options_.calendars.front();
  if (std::find(options_.calendars.begin(), options_.calendars.end(), *requested) ==
      options_.calendars.end())
    throw invalid("calendar_id", "not a calendar crmd follows (CRMD_GOOGLE_CALENDAR_IDS)");
  return *requested;
}

asio::awaitable<void> CalendarService::check_links(const calendar::Links& links,
                                                   const identity::RequestContext& context) {
  const auto own = own_leads_only(context);
  std::vector<Uuid> leads, contacts, deals;
  if (!links.lead_ids.empty()) leads = co_await repository_.unknown_leads(links.lead_ids, own);
  if (!links.contact_ids.empty())
    contacts = co_await repository_.unknown_contacts(links.contact_ids);
  if (!links.deal_ids.empty()) deals = co_await repository_.unknown_deals(links.deal_ids, own);
  check_found(leads, contacts, deals);
}

asio::awaitable<Event> CalendarService::create(calendar::NewEvent e,
                                               identity::RequestContext context) {
  const auto calendar_id = calendar_of(e.calendar_id);
  if (e.meet && !google_)
    throw invalid("meet", "Google Calendar is not connected: no Meet link can be made");
  co_await check_links(e.links, context);
  storage::EventRow row = local_row(calendar_id, e.fields);
  if (google_) {
    std::optional<std::string> request_id;
    if (e.meet) request_id = Uuid::random_v4().str();
    auto made = co_await google_->insert_event(calendar_id, google_write(e.fields, request_id));
    auto mirrored = mirror_of(made, calendar_id);
    if (auto* as_row = std::get_if<storage::EventRow>(&mirrored)) row = std::move(*as_row);
    row.fields.visibility = e.fields.visibility;
  }
  row.owner_id = row.created_by = context.user_id();
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  Event written;
  if (row.google_event_id)
    written = co_await repository_.upsert(tx, row);
  else
    written = co_await repository_.insert(tx, row);
  co_await repository_.set_links(tx, written.id, "lead", e.links.lead_ids);
  co_await repository_.set_links(tx, written.id, "contact", e.links.contact_ids);
  co_await repository_.set_links(tx, written.id, "deal", e.links.deal_ids);
  std::vector<storage::EventChange> changes(1);
  changes[0].after = std::move(written);
  auto now = co_await after_write(tx, std::move(changes), context);
  co_await scope.commit();
  co_return now.front();
}

asio::awaitable<Event> CalendarService::writable(const Uuid& id,
                                                 const identity::RequestContext& context) {
  const auto own = own_leads_only(context);
  auto event = co_await repository_.get(id, own);
  if (!event) throw no_such_event();
  if (own && event->owner_id != own)
    throw Error(ErrorKind::forbidden, "forbidden",
                "only the event's owner or a manager changes it");
  if (event->cancelled())
    throw Error(ErrorKind::conflict, "event_cancelled", "a cancelled event cannot be changed");
  require_version(context.if_match, event->updated_at);
  co_return *event;
}

asio::awaitable<Event> CalendarService::update(Uuid id, calendar::EventChanges changes,
                                               identity::RequestContext context) {
  const auto current = co_await writable(id, context);
  auto fields = calendar::apply(current, changes);
  if (changes.meet && !google_)
    throw invalid("meet", "Google Calendar is not connected: no Meet link can be made");
  calendar::Links links = current.links;
  if (changes.lead_ids) links.lead_ids = *changes.lead_ids;
  if (changes.contact_ids) links.contact_ids = *changes.contact_ids;
  if (changes.deal_ids) links.deal_ids = *changes.deal_ids;
  calendar::Links added;
  const auto fresh = [](const std::vector<Uuid>& now, const std::vector<Uuid>& before) {
    std::vector<Uuid> out;
    for (const auto& id : now)
      if (std::find(before.begin(), before.end(), id) == before.end()) out.push_back(id);
    return out;
  };
  added.lead_ids = fresh(links.lead_ids, current.links.lead_ids);
  added.contact_ids = fresh(links.contact_ids, current.links.contact_ids);
  added.deal_ids = fresh(links.deal_ids, current.links.deal_ids);
  co_await check_links(added, context);

  storage::EventRow row = local_row(current.calendar_id, fields);
  row.google_event_id = current.google_event_id;
  row.meet_link = current.meet_link;
  row.html_link = current.html_link;
  row.organizer_email = current.organizer_email;
  row.status = current.status;
  row.recurring_event_id = current.recurring_event_id;
  row.original_start_time = current.original_start_time;
  row.owner_id = current.owner_id;
  if (google_ && current.google_event_id && changes.touches_google()) {
    std::optional<std::string> request_id;
    if (changes.meet && !current.meet_link) request_id = Uuid::random_v4().str();
    auto patched = co_await google_->patch_event(current.calendar_id, *current.google_event_id,
                                                 google_write(fields, request_id));
    auto mirrored = mirror_of(patched, current.calendar_id);
    if (auto* as_row = std::get_if<storage::EventRow>(&mirrored)) {
      as_row->owner_id = current.owner_id;
      as_row->fields.visibility = fields.visibility;
      if (!as_row->meet_link) as_row->meet_link = current.meet_link;
      row = std::move(*as_row);
    }
  }
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  auto locked = co_await repository_.lock(tx, id);
  if (!locked) throw no_such_event();
  require_version(context.if_match, locked->updated_at);
  auto written = co_await repository_.update(tx, id, row);
  if (changes.lead_ids) co_await repository_.set_links(tx, id, "lead", *changes.lead_ids);
  if (changes.contact_ids) co_await repository_.set_links(tx, id, "contact", *changes.contact_ids);
  if (changes.deal_ids) co_await repository_.set_links(tx, id, "deal", *changes.deal_ids);
  std::vector<storage::EventChange> rewritten(1);
  rewritten[0].before = std::move(*locked);
  rewritten[0].after = std::move(written);
  auto now = co_await after_write(tx, std::move(rewritten), context);
  co_await scope.commit();
  co_return now.front();
}

asio::awaitable<Event> CalendarService::cancel(Uuid id, identity::RequestContext context) {
  const auto current = co_await writable(id, context);
  if (google_ && current.google_event_id)
    co_await google_->delete_event(current.calendar_id, *current.google_event_id);
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  auto locked = co_await repository_.lock(tx, id);
  if (!locked) throw no_such_event();
  auto written = co_await repository_.cancel(tx, id);
  std::vector<storage::EventChange> changes(1);
  changes[0].before = std::move(*locked);
  changes[0].after = std::move(written);
  auto now = co_await after_write(tx, std::move(changes), context);
  co_await scope.commit();
  co_return now.front();
}

asio::awaitable<Event> CalendarService::get(Uuid id, identity::RequestContext context) {
  auto event = co_await repository_.get(id, own_leads_only(context));
  if (!event) throw no_such_event();
  co_return *event;
}

asio::awaitable<std::vector<Listed<Event>>> CalendarService::list(
    storage::EventQuery query, std::size_t limit, std::optional<PagePosition> from,
    identity::RequestContext context) {
  query.visible_to = own_leads_only(context);
  co_return co_await repository_.list(query, limit, from);
}

asio::awaitable<std::size_t> CalendarService::write_mirror_page(
    pg::Transaction& tx, const std::string& calendar_id,
    const std::vector<google::CalendarEvent>& events) {
  // The last word on an event within a page is its last.
  std::vector<storage::EventRow> rows;
  std::vector<storage::Tombstone> tombstones;
  std::unordered_set<std::string_view> seen;
  for (auto g = events.rbegin(); g != events.rend(); ++g) {
    if (g->id.empty() || g->id.size() > 1024 || !seen.insert(g->id).second) continue;
    auto mirrored = mirror_of(*g, calendar_id);
    if (auto* row = std::get_if<storage::EventRow>(&mirrored))
      rows.push_back(std::move(*row));
    else if (g->status == "cancelled")
      tombstones.push_back(std::get<storage::Tombstone>(std::move(mirrored)));
    else  // times that make no span: nothing to mirror, and nothing cancelled
      spdlog::warn("calendar: {}: event {} has no readable start and end; skipped", calendar_id,
                   g->id.substr(0, 64));
  }
  // Owners: the user whose calendar it is, else the organizer's.
  const auto users = co_await repository_.users_by_email(owner_emails(calendar_id, rows));
  const auto user_of = [&](std::string email) -> std::optional<Uuid> {
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [known, id] : users)
      if (known == email) return id;
    return std::nullopt;
  };
  const auto owner = user_of(calendar_id);
  for (auto& row : rows) {
    row.owner_id = owner;
    if (!row.owner_id && row.organizer_email) row.owner_id = user_of(*row.organizer_email);
  }
  auto changes = co_await repository_.upsert_mirror(tx, calendar_id, rows);
  auto cancelled = co_await repository_.apply_tombstones(tx, calendar_id, tombstones);
  for (auto& c : cancelled) changes.push_back(std::move(c));
  const identity::RequestContext system;
  std::size_t changed = 0;
  co_await after_write(tx, std::move(changes), system, &changed);
  co_return changed;
}

asio::awaitable<std::size_t> CalendarService::cancel_unseen(pg::Transaction& tx,
                                                            const std::string& calendar_id,
                                                            Timestamp run_started,
                                                            Timestamp window_start) {
  auto changes = co_await repository_.cancel_unseen(tx, calendar_id, run_started, window_start);
  const identity::RequestContext system;
  std::size_t changed = 0;
  co_await after_write(tx, std::move(changes), system, &changed);
  co_return changed;
}

}  // namespace crmd::actors
