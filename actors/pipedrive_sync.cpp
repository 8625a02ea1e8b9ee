#include "actors/pipedrive_sync.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "domain/common/clock.hpp"
#include "domain/common/date.hpp"
#include "domain/common/json_of.hpp"
#include "domain/deals/money.hpp"
#include "storage/audit.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// Whether Pipedrive filters the entity by updated_since (the others are
// read whole every run: they are few).
bool incremental(std::string_view entity) {
  return entity != "users" && entity != "pipelines" && entity != "stages" &&
         entity != "deals_reconcile";
}

template <class T>
std::optional<Timestamp> newest(const std::vector<T>& items) {
  std::optional<Timestamp> out;
  for (const auto& item : items)
    if (item.update_time && (!out || *item.update_time > *out)) out = item.update_time;
  return out;
}

// The audit row of a deal the mirror wrote: the event it stands for.
std::string action_of(const storage::MirroredDeal& m) {
  if (m.after.deleted_at) return "deal_deleted";
  if (!m.status_before) return "deal_created";
  if (*m.status_before != m.after.status) {
    if (m.after.status == "won") return "deal_won";
    if (m.after.status == "lost") return "deal_lost";
    return "deal_reopened";
  }
  if (m.stage_before && *m.stage_before != m.after.stage_id) return "deal_stage_changed";
  return "deal_updated";
}

std::vector<storage::AuditEntry> audit_entries(const storage::MirrorWrite& write) {
  std::vector<storage::AuditEntry> entries;
  entries.reserve(write.deals.size());
  for (const auto& m : write.deals) {
    auto after = deals::to_json(m.after);
    after["changed_by"] = "pipedrive";
    entries.emplace_back(action_of(m), "deal", m.after.id.str(), std::nullopt, std::move(after));
  }
  return entries;
}

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (out.size() > 2000) break;
    out += (out.empty() ? "" : "; ") + p;
  }
  return out;
}

json::object rate_limit_json(const pipedrive::RateLimitState& s) {
  json::object o;
  o["remaining"] = s.remaining ? json::value(*s.remaining) : json::value(nullptr);
  o["limit"] = s.limit ? json::value(*s.limit) : json::value(nullptr);
  o["reset_seconds"] = s.reset ? json::value(s.reset->count()) : json::value(nullptr);
  o["daily_remaining"] = s.daily_remaining ? json::value(*s.daily_remaining) : json::value(nullptr);
  o["daily_limit"] = s.daily_limit ? json::value(*s.daily_limit) : json::value(nullptr);
  o["paused_until"] = json_of(s.paused_until);
  o["last_verdict"] = s.last_verdict;
  o["last_status"] = s.last_status;
  return o;
}

// A mirrored deal's changes as Pipedrive's v2 PATCH body; 409 for what is
// not written back.
json::object pipedrive_changes(const deals::DealChanges& c, const DealReference& reference) {
  if (c.owner_id || c.company_id || c.contact_id || c.custom_fields ||
      (c.pipeline_id && !c.stage_id))
    throw Error(ErrorKind::conflict, "managed_by_pipedrive",
                "owner, company, contact, custom fields and pipelines of a mirrored deal are "
                "changed in Pipedrive");
  json::object body;
  if (c.title) body["title"] = *c.title;
  if (c.value)
    body["value"] =
        *c.value ? json::value(static_cast<double>(**c.value) / 100.0) : json::value(nullptr);
  if (c.currency) body["currency"] = *c.currency;
  if (c.status) body["status"] = *c.status;
  if (c.probability)
    body["probability"] = *c.probability ? json::value(**c.probability) : json::value(nullptr);
  if (c.lost_reason)
    body["lost_reason"] = *c.lost_reason ? json::value(**c.lost_reason) : json::value(nullptr);
  if (c.expected_close_date)
    body["expected_close_date"] = *c.expected_close_date
                                      ? json::value(format_date(**c.expected_close_date))
                                      : json::value(nullptr);
  if (c.stage_id) {
    const auto* stage = reference.stage(*c.stage_id);
    if (!stage)
      throw Error(ErrorKind::validation, "validation_failed", "stage_id: no such stage",
                  {{"stage_id", "no such stage"}});
    if (!stage->pipedrive_id)
      throw Error(ErrorKind::conflict, "managed_by_pipedrive",
                  "a mirrored deal moves only to a stage mirrored from Pipedrive");
    body["stage_id"] = *stage->pipedrive_id;
  }
  return body;
}

}  // namespace

struct PipedriveSync::Step {
  storage::MirrorWrite write;
  std::optional<std::string> next;
  std::optional<Timestamp> watermark;
  std::vector<std::string> problems;
};

PipedriveSync::PipedriveSync(pg::Pool& pool, DealService& deals, pipedrive::PipedriveClient& client,
                             PipedriveSyncOptions options)
    : pool_(pool), deals_(deals), client_(client), options_(std::move(options)), state_(pool) {}

asio::awaitable<std::int64_t> PipedriveSync::run(std::vector<std::string> entities, bool wait) {
  const bool everything = entities.empty();
  for (const auto& e : entities)
    if (std::find(kSyncEntities.begin(), kSyncEntities.end(), e) == kSyncEntities.end())
      throw Error(ErrorKind::validation, "validation_failed", "entity: no such entity " + e,
                  {{"entity",
                    "one of users, pipelines, stages, organizations, persons, deals, "
                    "deals_archived, deals_deleted, notes, deals_reconcile"}});
  const auto pause = co_await state_.pause();
  if (pause.until && *pause.until > current_time())
    throw Error(ErrorKind::rate_limited, "pipedrive_paused",
                "Pipedrive syncs are paused until " + format_rfc3339(*pause.until) + ": " +
                    pause.reason.value_or(""));
  // A name of this run: two runs of one process exclude each other too.
  const auto owner = options_.process + ":" + Uuid::random_v4().str();
  const auto deadline = std::chrono::steady_clock::now() + options_.lease;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    const bool got = co_await state_.acquire(owner, current_time() + options_.lease);
    if (got) break;
    if (!wait || std::chrono::steady_clock::now() > deadline) {
      spdlog::info("pipedrive: a sync is running elsewhere: this one is skipped");
      co_return 0;
    }
    timer.expires_after(std::chrono::milliseconds(500));
    co_await timer.async_wait(asio::use_awaitable);
  }
  lease_owner_ = owner;
  std::int64_t written = 0;
  std::optional<std::string> failure;
  std::optional<Error> rate_failure;
  for (auto entity : kSyncEntities) {
    const std::string name(entity);
    const bool asked = std::find(entities.begin(), entities.end(), name) != entities.end();
    if (!everything && !asked) continue;
    try {
      written += co_await run_entity(name, asked);
    } catch (const Error& e) {
      if (e.code() == "pipedrive_budget_exhausted" ||
          e.code() == "pipedrive_rate_limited_forbidden")
        rate_failure = e;
      failure = name + ": " + e.detail();
    } catch (const std::exception& e) {
      failure = name + ": " + e.what();
    }
    if (failure) break;
  }
  if (rate_failure) {
    const auto limits = client_.rate_limit();
    std::optional<Timestamp> until = limits.paused_until;
    if (rate_failure->code() == "pipedrive_rate_limited_forbidden" || !until)
      until = current_time() + options_.hard_stop_pause;
    co_await state_.set_pause(until, rate_failure->detail());
  }
  co_await note_rate_limit();
  co_await state_.release(owner);
  if (written > 0) co_await deals_.deals_changed();
  if (failure) throw std::runtime_error(*failure);
  co_return written;
}

asio::awaitable<std::int64_t> PipedriveSync::run_entity(std::string entity, bool forced) {
  if (entity == "deals_reconcile") {
    auto meta = co_await state_.get(entity);
    const bool due = !meta.last_reconciled_at ||
                     current_time() - *meta.last_reconciled_at >= options_.reconcile_every;
    if (!due && !forced) co_return 0;
    co_return co_await reconcile();
  }
  const auto started = std::chrono::steady_clock::now();
  auto meta = co_await state_.get(entity);
  std::optional<Timestamp> since;
  if (incremental(entity) && meta.watermark) since = *meta.watermark - options_.overlap;
  meta = co_await state_.begin(entity, since, since ? "incremental" : "full");
  std::int64_t written = 0;
  std::vector<std::string> problems;
  std::optional<std::string> failure;
  std::exception_ptr error;
  try {
    for (;;) {
      auto step = co_await page(entity, meta);
      written += static_cast<std::int64_t>(step.write.written);
      problems.insert(problems.end(), step.problems.begin(), step.problems.end());
      problems.insert(problems.end(), step.write.problems.begin(), step.write.problems.end());
      if (!step.next) break;
      meta.cursor = step.next;
    }
  } catch (const std::exception& e) {
    failure = e.what();
    error = std::current_exception();
  }
  if (failure) {
    co_await state_.fail(entity, ms_since(started), *failure);
    co_await note_rate_limit();
    std::rethrow_exception(error);  // as it was: run() tells the rate limits by their code
  }
  std::optional<std::string> noted;
  if (!problems.empty()) noted = std::to_string(problems.size()) + " skipped: " + joined(problems);
  co_await state_.finish(entity, ms_since(started), noted);
  co_return written;
}

// One page of the entity from where meta says the run is, stored with the
// run's new position in one transaction.
asio::awaitable<PipedriveSync::Step> PipedriveSync::page(const std::string& entity,
                                                         const storage::SyncMetadata& meta) {
  pipedrive::ListQuery query;
  query.updated_since = meta.run_since;
  query.cursor = meta.cursor;
  Step step;
  auto tx = co_await pool_.begin();
  if (entity == "users") {
    auto page = co_await client_.users();
    step.problems = page.problems;
    step.write = co_await storage::DealMirror::users(tx, page.items);
  } else if (entity == "pipelines") {
    auto page = co_await client_.pipelines(meta.cursor);
    step.next = page.next_cursor;
    step.problems = page.problems;
    step.write = co_await storage::DealMirror::pipelines(tx, page.items);
  } else if (entity == "stages") {
    auto page = co_await client_.stages(meta.cursor);
    step.next = page.next_cursor;
    step.problems = page.problems;
    step.write = co_await storage::DealMirror::stages(tx, page.items);
  } else if (entity == "organizations") {
    auto page = co_await client_.organizations(query);
    step.next = page.next_cursor;
    step.watermark = newest(page.items);
    step.problems = page.problems;
    step.write = co_await storage::DealMirror::organizations(tx, page.items);
  } else if (entity == "persons") {
    auto page = co_await client_.persons(query);
    step.next = page.next_cursor;
    step.watermark = newest(page.items);
    step.problems = page.problems;
    step.write = co_await storage::DealMirror::persons(tx, page.items);
  } else if (entity == "notes") {
    pipedrive::NotesQuery notes;
    notes.updated_since = meta.run_since;
    if (meta.cursor) notes.start = std::stoll(*meta.cursor);
    auto page = co_await client_.notes(notes);
    if (page.next_start) step.next = std::to_string(*page.next_start);
    step.watermark = newest(page.items);
    step.problems = page.problems;
    step.write = co_await storage::DealMirror::notes(tx, page.items);
  } else {
    if (entity == "deals_deleted") query.status = "deleted";
    std::optional<pipedrive::Page<pipedrive::Deal>> page;
    if (entity == "deals_archived")
      page = co_await client_.archived_deals(query);
    else
      page = co_await client_.deals(query);
    step.next = page->next_cursor;
    step.watermark = newest(page->items);
    step.problems = page->problems;
    step.write = co_await storage::DealMirror::deals(tx, page->items);
    co_await audit_deals(tx, step.write);
  }
  co_await state_.page_stored(tx, entity, step.next, step.watermark,
                              static_cast<std::int64_t>(step.write.written));
  co_await tx.commit();
  // Renewed with every page; lost (another run took over) only when pages
  // took longer than the lease.
  co_await state_.acquire(lease_owner_, current_time() + options_.lease);
  co_await note_rate_limit();
  co_return step;
}

asio::awaitable<void> PipedriveSync::audit_deals(pg::Transaction& tx,
                                                 const storage::MirrorWrite& write) {
  if (write.deals.empty()) co_return;
  const identity::RequestContext context;  // the system: Pipedrive's change
  co_await storage::write_audits(tx, context, audit_entries(write));
}

asio::awaitable<std::int64_t> PipedriveSync::reconcile() {
  const auto started = std::chrono::steady_clock::now();
  co_await state_.begin("deals_reconcile", std::nullopt, "full");
  std::vector<std::int64_t> ids;
  std::optional<std::string> failure;
  try {
    const bool listings[] = {false, true};  // live, then archived
    for (const bool archived : listings) {
      std::optional<std::string> cursor;
      do {
        auto page = co_await client_.deal_ids(cursor, archived);
        ids.insert(ids.end(), page.items.begin(), page.items.end());
        cursor = page.next_cursor;
      } while (cursor);
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure) {
    co_await state_.fail("deals_reconcile", ms_since(started), *failure);
    throw Error(ErrorKind::unavailable, "pipedrive_sync_failed", *failure);
  }
  auto tx = co_await pool_.begin();
  const auto purged = co_await storage::DealMirror::purge_missing(tx, ids);
  co_await audit_deals(tx, purged);
  co_await state_.page_stored(tx, "deals_reconcile", std::nullopt, std::nullopt,
                              static_cast<std::int64_t>(purged.written));
  co_await tx.commit();
  co_await state_.finish("deals_reconcile", ms_since(started), std::nullopt, true);
  co_return static_cast<std::int64_t>(purged.written);
}

asio::awaitable<void> PipedriveSync::note_rate_limit() {
  co_await state_.set_rate_limit(rate_limit_json(client_.rate_limit()));
}

asio::awaitable<json::object> PipedriveSync::status() {
  const auto pause = co_await state_.pause();
  const auto entities = co_await state_.all();
  json::object out;
  out["configured"] = true;
  const bool running = pause.lease_until && *pause.lease_until > current_time();
  out["running"] = running;
  out["lease_until"] = running ? json_of(pause.lease_until) : json::value(nullptr);
  const bool paused = pause.until && *pause.until > current_time();
  out["paused_until"] = paused ? json_of(pause.until) : json::value(nullptr);
  out["pause_reason"] = paused ? json_of(pause.reason) : json::value(nullptr);
  out["rate_limit"] = pause.rate_limit;
  json::array list;
  for (const auto& m : entities) list.push_back(storage::to_json(m));
  out["entities"] = std::move(list);
  co_return out;
}

asio::awaitable<deals::Deal> PipedriveSync::write_back(deals::Deal current,
                                                       deals::DealChanges changes) {
  const auto reference = co_await deals_.reference();
  auto body = pipedrive_changes(changes, *reference);
  auto patched = co_await client_.patch_deal(*current.pipedrive_id, std::move(body));
  std::vector<pipedrive::Deal> items;
  items.push_back(std::move(patched));
  auto tx = co_await pool_.begin();
  auto write = co_await storage::DealMirror::deals(tx, items);
  co_await audit_deals(tx, write);
  co_await tx.commit();
  co_await deals_.deals_changed();
  if (!write.deals.empty()) co_return write.deals.front().after;
  // Pipedrive answered with what is mirrored already.
  auto again = co_await deals_.repository().get(current.id, std::nullopt);
  co_return again.value_or(current);
}

JobHandler pipedrive_sync_handler(pg::Pool& pool, PipedriveSync& sync) {
  ScheduledWork work = [&sync](JobContext& context) -> asio::awaitable<std::int64_t> {
    std::vector<std::string> entities;
    bool scheduled = false;
    if (const auto* payload = context.job().payload.if_object()) {
      scheduled = payload->contains("run_id");
      if (const auto* list = payload->if_contains("entities"); list && list->is_array())
        for (const auto& e : list->get_array())
          if (e.is_string()) entities.emplace_back(e.get_string());
    }
    // A scheduled tick while a run goes on is skipped; a sync asked for waits its turn.
    co_return co_await sync.run(std::move(entities), !scheduled);
  };
  return scheduled_handler(pool, std::move(work));
}

}  // namespace crmd::actors
