#include "actors/calendar_sync.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "domain/common/crypto.hpp"
#include "domain/common/json_of.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

Timestamp now() {
  return std::chrono::time_point_cast<Timestamp::duration>(std::chrono::system_clock::now());
}

json::value channel_json(const std::optional<storage::CalendarChannel>& c) {
  if (!c) return nullptr;
  return json::object{{"id", c->channel_id}, {"expires_at", format_rfc3339(c->expiration)}};
}

json::object state_json(const storage::CalendarSyncState& s) {
  json::object o;
  o["calendar_id"] = s.calendar_id;
  o["stage"] = s.stage;
  o["status"] = s.status;
  o["stage_started_at"] = json_of(s.stage_started_at);
  o["throttle_failure_count"] = s.throttle_failure_count;
  o["throttled_until"] = json_of(s.throttled_until);
  o["last_success_at"] = json_of(s.last_success_at);
  o["last_error"] = json_of(s.last_error);
  o["events_synced"] = s.events_synced;
  o["incremental"] = s.sync_token.has_value();
  o["channel"] = s.active ? channel_json(s.channel) : json::value(nullptr);
  o["previous_channel"] = channel_json(s.previous_channel);
  return o;
}

Error not_followed() {
  return Error(ErrorKind::validation, "validation_failed",
               "calendar_id: not a calendar crmd follows", {{"calendar_id", "not followed"}});
}

}  // namespace

std::chrono::seconds throttle_pause(int failures) {
  return std::chrono::minutes(1) * (1 << std::clamp(failures, 0, 10));
}

FailureVerdict failure_verdict(const Error& error, bool needs_reconnect, int failures) {
  if (needs_reconnect) return {"failed_needs_reconnect", std::nullopt};
  if (error.kind() != ErrorKind::rate_limited) return {"failed", std::nullopt};
  const int now_failed = failures + 1;
  return {now_failed < kMaxThrottleFailures ? "active" : "failed", throttle_pause(now_failed)};
}

json::object to_json(const CalendarSyncRun& run) {
  return json::object{{"calendar_id", run.calendar_id},
                      {"ran", run.ran},
                      {"busy", run.busy},
                      {"full", run.full},
                      {"pages", run.pages},
                      {"events", run.events},
                      {"changed", run.changed}};
}

CalendarSync::CalendarSync(Actor& actor, pg::Pool& pool, CalendarService& calendar,
                           google::GoogleCalendar& gateway, google::GoogleAuth& auth,
                           CalendarSyncOptions options)
    : actor_(actor),
      pool_(pool),
      calendar_(calendar),
      gateway_(gateway),
      auth_(auth),
      repository_(pool),
      options_(std::move(options)),
      idle_(std::make_shared<LoopEnd>(actor.executor())) {}

asio::awaitable<bool> CalendarSync::enter() {
  bool entered = false;
  auto count = [&] {
    if (stopped_) return;
    ++busy_;
    entered = true;
  };
  co_await actor_.call(count);
  co_return entered;
}

asio::awaitable<void> CalendarSync::leave() {
  auto uncount = [this] {
    if (--busy_ == 0 && stopped_) idle_->ended();
  };
  co_await actor_.call(uncount);
}

asio::awaitable<void> CalendarSync::start() {
  const bool entered = co_await enter();
  if (!entered) co_return;
  std::optional<std::string> failure;
  try {
    co_await repository_.ensure(calendars());
    if (!options_.public_url.empty()) co_await renew_channels();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure) spdlog::warn("calendar: start: {}", *failure);
  for (const auto& calendar : calendars()) wake(calendar);
  co_await leave();
}

void CalendarSync::stop() {
  auto cancel = [this] {
    stopped_ = true;
    for (auto& [calendar, run] : runs_)
      if (run.timer) run.timer->cancel();
    if (busy_ == 0) idle_->ended();
  };
  asio::post(actor_.executor(), std::move(cancel));
}

asio::awaitable<void> CalendarSync::stopped() {
  co_await idle_->wait();
}

asio::awaitable<NotificationVerdict> CalendarSync::receive(google::PushNotification n) {
  const auto match = co_await repository_.channel(n.channel_id);
  if (!match || match->channel.expiration < now()) {
    spdlog::info("calendar: a notification for unknown or ended channel {} ignored",
                 n.channel_id.substr(0, 64));
    co_return NotificationVerdict::ignored;
  }
  if (!constant_time_equal(n.token, match->channel.token)) {
    spdlog::warn("calendar: a notification for channel {} with a wrong token refused",
                 n.channel_id);
    co_return NotificationVerdict::forbidden;
  }
  const bool first_time =
      co_await repository_.log_notification(n.channel_id, n.message_number, n.resource_state);
  if (first_time && n.resource_state != "sync") wake(match->calendar_id);
  co_return NotificationVerdict::accepted;
}

void CalendarSync::wake(const std::string& calendar) {
  auto schedule = [this, calendar] {
    auto& run = runs_[calendar];
    if (run.scheduled || stopped_) return;
    run.scheduled = true;
    asio::co_spawn(actor_.executor(), debounced(calendar), asio::detached);
  };
  asio::post(actor_.executor(), std::move(schedule));
}

asio::awaitable<void> CalendarSync::debounced(std::string calendar) {
  auto& entry = runs_[calendar];
  if (!entry.timer) entry.timer = std::make_unique<asio::steady_timer>(actor_.executor());
  entry.timer->expires_after(options_.debounce);
  boost::system::error_code ec;
  co_await entry.timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  runs_[calendar].scheduled = false;
  if (stopped_) co_return;
  std::optional<std::string> failure;
  bool busy = false;
  try {
    const auto outcome = co_await run(calendar, false);
    busy = outcome.busy;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure) spdlog::warn("calendar: sync of {} failed: {}", calendar, *failure);
  // Another process has the calendar: its run may have passed this change.
  if (busy && !stopped_) wake(calendar);
}

asio::awaitable<CalendarSyncRun> CalendarSync::sync(std::string calendar, bool force) {
  if (std::find(calendars().begin(), calendars().end(), calendar) == calendars().end())
    throw not_followed();
  co_return co_await run(calendar, force);
}

// On the strand for its bookkeeping; one run of a calendar at a time here,
// a wake during it making one more.
asio::awaitable<CalendarSyncRun> CalendarSync::run(const std::string& calendar, bool force) {
  CalendarSyncRun out;
  out.calendar_id = calendar;
  bool mine = false;
  auto claim = [&] {
    auto& run = runs_[calendar];
    if (run.running) {
      run.again = true;
      return;
    }
    run.running = true;
    mine = true;
  };
  const bool entered = co_await enter();
  if (!entered) co_return out;
  co_await actor_.call(claim);
  if (!mine) {
    co_await leave();
    co_return out;
  }
  std::exception_ptr failure;
  bool again = true;
  while (again && !failure) {
    try {
      auto state = co_await repository_.acquire(calendar, options_.owner, options_.lease);
      out.busy = !state;
      if (state) {
        const bool paused = state->status == "failed_needs_reconnect" && auth_.needs_reconnect();
        const bool throttled = state->throttled_until && *state->throttled_until > now();
        if (!paused && (force || !throttled)) {
          out = CalendarSyncRun{calendar, true};
          co_await run_pages(std::move(*state), out);
        }
      }
    } catch (...) {
      failure = std::current_exception();
    }
    co_await repository_.release(calendar, options_.owner);
    auto next = [&] {
      auto& run = runs_[calendar];
      again = run.again && !stopped_ && !failure;
      run.again = false;
      if (!again) run.running = false;
    };
    co_await actor_.call(next);
  }
  co_await leave();
  if (failure) std::rethrow_exception(failure);
  co_return out;
}

asio::awaitable<void> CalendarSync::run_pages(storage::CalendarSyncState state,
                                              CalendarSyncRun& out) {
  const auto& calendar = state.calendar_id;
  bool full = !state.sync_token;
  const bool resume =
      full && state.stage == "full_sync" && state.full_sync_page_token && state.stage_started_at;
  Timestamp started = resume ? *state.stage_started_at : Timestamp{};
  std::optional<std::string> page_token;
  if (resume)
    page_token = state.full_sync_page_token;
  else
    started = co_await repository_.begin_run(calendar, options_.owner, full);
  bool restarted = false;
  std::optional<Error> failure;
  for (;;) {
    google::CalendarListQuery query;
    query.max_results = options_.page_size;
    query.page_token = page_token;
    if (full)
      query.time_min = started - options_.past;
    else
      query.sync_token = state.sync_token;
    std::optional<google::CalendarEventPage> page;
    bool dead_token = false;
    try {
      page = co_await gateway_.list_events(calendar, query);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::gone && !full)
        dead_token = true;
      else
        failure = e;
    }
    if (failure && resume && out.pages == 0 && !restarted &&
        failure->kind() != ErrorKind::rate_limited && !auth_.needs_reconnect()) {
      // The page a dead process reached is no longer one Google knows: the
      // full sync starts over.
      failure.reset();
      restarted = true;
      page_token.reset();
      started = co_await repository_.begin_run(calendar, options_.owner, true);
      continue;
    }
    if (failure) break;
    if (dead_token) {
      // The token is dead: a full sync reconciles the mirror (once; a full
      // sync sends no token, so this cannot loop).
      spdlog::info("calendar: {}: the sync token expired, full sync", calendar);
      full = true;
      page_token.reset();
      started = co_await repository_.begin_run(calendar, options_.owner, true);
      continue;
    }
    out.full = full;
    ++out.pages;
    out.events += page->events.size();
    auto tx = co_await pool_.begin();
    out.changed += co_await calendar_.write_mirror_page(tx, calendar, page->events);
    if (page->next_page_token) {
      std::optional<std::string> resume_at;
      if (full) resume_at = page->next_page_token;
      co_await repository_.page_written(tx, calendar, options_.owner, resume_at,
                                        static_cast<std::int64_t>(page->events.size()),
                                        options_.lease);
      co_await tx.commit();
      page_token = page->next_page_token;
      continue;
    }
    if (!page->next_sync_token)
      throw Error(ErrorKind::unavailable, "google_error",
                  "Google Calendar ended a list without a nextSyncToken");
    co_await repository_.page_written(tx, calendar, options_.owner, std::nullopt,
                                      static_cast<std::int64_t>(page->events.size()),
                                      options_.lease);
    if (full)
      out.changed +=
          co_await calendar_.cancel_unseen(tx, calendar, started, started - options_.past);
    co_await repository_.finish_run(tx, calendar, options_.owner, *page->next_sync_token);
    co_await tx.commit();
    break;
  }
  if (failure) {
    co_await note_failure(calendar, *failure, state.throttle_failure_count);
    throw *failure;
  }
}

asio::awaitable<void> CalendarSync::note_failure(const std::string& calendar, const Error& error,
                                                 int throttle_failures) {
  const bool reconnect = auth_.needs_reconnect();
  const auto verdict = failure_verdict(error, reconnect, throttle_failures);
  const std::string message = reconnect ? auth_.last_error() : std::string(error.what());
  std::optional<Timestamp> throttled_until;
  if (verdict.pause) throttled_until = now() + *verdict.pause;
  spdlog::warn("calendar: {}: {}", calendar, message);
  co_await repository_.fail_run(calendar, verdict.status, message, throttled_until);
}

asio::awaitable<void> CalendarSync::register_channel(const std::string& calendar) {
  storage::CalendarChannel channel{
      Uuid::random_v4().str(), hex(random_bytes(32)), std::nullopt,
      now() + std::chrono::duration_cast<Timestamp::duration>(options_.channel_ttl)};
  const auto old = co_await repository_.state(calendar);
  // Recorded before the watch: Google's first ("sync") message may come
  // before the watch's answer.
  co_await repository_.set_channel(calendar, channel);
  std::optional<google::Channel> watched;
  std::exception_ptr failure;
  try {
    watched = co_await gateway_.watch_events(calendar, channel.channel_id,
                                             options_.public_url + "/webhooks/google/calendar",
                                             channel.token, options_.channel_ttl);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_await repository_.channel_failed(calendar, channel.channel_id);
    std::rethrow_exception(failure);
  }
  const auto expiration = std::chrono::time_point_cast<Timestamp::duration>(watched->expiration);
  co_await repository_.channel_registered(calendar, channel.channel_id, watched->resource_id,
                                          expiration);
  spdlog::info("calendar: {}: push channel {} until {}", calendar, channel.channel_id,
               format_rfc3339(expiration));
  // The new one is live: the old one goes (Google lets an unstopped one lapse
  // by itself, so a failed stop is only logged).
  if (old && old->active && old->channel && old->channel->resource_id) {
    std::optional<std::string> stop_failure;
    try {
      co_await gateway_.stop_channel(old->channel->channel_id, *old->channel->resource_id);
    } catch (const std::exception& e) {
      stop_failure = e.what();
    }
    if (stop_failure)
      spdlog::warn("calendar: stopping channel {} failed: {}", old->channel->channel_id,
                   *stop_failure);
  }
  co_await repository_.clear_previous(calendar);
}

asio::awaitable<std::size_t> CalendarSync::renew_channels() {
  if (options_.public_url.empty()) co_return 0;
  const auto margin = std::chrono::duration_cast<Timestamp::duration>(options_.channel_ttl / 4);
  std::size_t renewed = 0;
  const auto states = co_await repository_.states(calendars());
  for (const auto& state : states) {
    if (state.active && state.channel && state.channel->expiration > now() + margin) continue;
    // One calendar's failure does not keep the others from their channels.
    std::optional<std::string> failure;
    try {
      co_await register_channel(state.calendar_id);
      ++renewed;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (failure) spdlog::warn("calendar: {}: no push channel: {}", state.calendar_id, *failure);
  }
  co_return renewed;
}

asio::awaitable<json::array> CalendarSync::status() {
  const auto states = co_await repository_.states(calendars());
  json::array out;
  for (const auto& state : states) {
    auto o = state_json(state);
    if (auth_.needs_reconnect()) o["status"] = "failed_needs_reconnect";
    out.push_back(std::move(o));
  }
  co_return out;
}

}  // namespace crmd::actors
