// The deals actor: its caches, and pipelines and stages (admin writes).
#include "actors/deals.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "domain/common/clock.hpp"
#include "storage/audit.hpp"
#include "storage/audited_write.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using deals::Pipeline;
using deals::Stage;

namespace {

// Past this many aggregates the oldest go.
constexpr std::size_t kMaxCachedAggregates = 1000;

Error no_such(const char* what) {
  return Error(ErrorKind::not_found, "not_found", std::string("no such ") + what);
}

Error managed_by_pipedrive(const char* what) {
  return Error(ErrorKind::conflict, "managed_by_pipedrive",
               std::string("this ") + what +
                   " is mirrored from Pipedrive: change it there (or set"
                   " CRMD_PIPEDRIVE_WRITE_BACK=true for deals)");
}

}  // namespace

const Pipeline* DealReference::pipeline(const Uuid& id) const {
  for (const auto& p : pipelines)
    if (p.id == id) return &p;
  return nullptr;
}

const Stage* DealReference::stage(const Uuid& id) const {
  for (const auto& s : stages)
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<const Stage*> DealReference::stages_of(const Uuid& pipeline) const {
  std::vector<const Stage*> out;
  for (const auto& s : stages)
    if (s.pipeline_id == pipeline) out.push_back(&s);
  return out;
}

DealService::DealService(Actor& actor, pg::Pool& pool, DealOptions options)
    : actor_(actor),
      pool_(pool),
      options_(std::move(options)),
      repository_(pool),
      aggregates_(kMaxCachedAggregates, options_.aggregate_ttl) {}

asio::awaitable<void> DealService::follow_changes(pg::Listener& listener) {
  auto drop_aggregates = [this] {
    aggregates_.clear();
    ++deals_generation_;
  };
  auto drop_reference = [this] {
    reference_.reset();
    ++reference_generation_;
    aggregates_.clear();
  };
  asio::co_spawn(actor_.executor(), follow(listener, kDealsChannel, drop_aggregates),
                 asio::detached);
  co_await follow(listener, kDealReferenceChannel, drop_reference);
}

asio::awaitable<void> DealService::follow(pg::Listener& listener, std::string channel,
                                          std::function<void()> drop) {
  try {
    auto subscription = co_await listener.subscribe(channel);
    co_await actor_.call(drop);
    for (;;) {
      co_await subscription->next();
      co_await actor_.call(drop);
    }
  } catch (const pg::Error&) {
    // The listener closed: shutting down.
  }
}

asio::awaitable<void> DealService::deals_changed() {
  auto drop = [this] {
    aggregates_.clear();
    ++deals_generation_;
  };
  co_await actor_.call(std::move(drop));
}

asio::awaitable<DealService::Reference> DealService::reference() {
  auto load = [this]() -> asio::awaitable<Reference> {
    while (!reference_) {
      const auto generation = reference_generation_;
      auto pipelines = co_await repository_.pipelines();
      auto stages = co_await repository_.stages();
      // An invalidation while loading: what was read may be stale.
      if (generation != reference_generation_) continue;
      auto loaded = std::make_shared<DealReference>();
      loaded->pipelines = std::move(pipelines);
      loaded->stages = std::move(stages);
      reference_ = std::move(loaded);
    }
    co_return reference_;
  };
  co_return co_await actor_.call(std::move(load));
}

asio::awaitable<DealService::Reference> DealService::pipeline_reference(const Uuid& pipeline) {
  auto reference = co_await this->reference();
  if (!reference->pipeline(pipeline)) throw no_such("pipeline");
  co_return reference;
}

asio::awaitable<void> DealService::drop_reference() {
  auto drop = [this] {
    reference_.reset();
    ++reference_generation_;
    aggregates_.clear();
  };
  co_await actor_.call(std::move(drop));
}

asio::awaitable<Pipeline> DealService::create_pipeline(deals::NewPipeline p,
                                                       identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto made = co_await repository_.insert_pipeline(write.tx(), p);
  const storage::AuditEntry entry{"pipeline_created", "pipeline", made.id.str(), std::nullopt,
                                  deals::to_json(made)};
  co_await write.commit(entry);
  co_await drop_reference();
  co_return made;
}

asio::awaitable<Pipeline> DealService::update_pipeline(Uuid id, deals::PipelineChanges c,
                                                       identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto before = co_await repository_.lock_pipeline(write.tx(), id);
  if (!before) throw no_such("pipeline");
  write.require_version(before->updated_at);
  if (before->pipedrive_id) throw managed_by_pipedrive("pipeline");
  auto changed = *before;
  if (c.name) changed.name = *c.name;
  if (c.order_nr) changed.order_nr = *c.order_nr;
  if (c.uses_probability) changed.uses_probability = *c.uses_probability;
  auto after = co_await repository_.update_pipeline(write.tx(), changed);
  const storage::AuditEntry entry{"pipeline_updated", "pipeline", id.str(), deals::to_json(*before),
                                  deals::to_json(after)};
  co_await write.commit(entry);
  co_await drop_reference();
  co_return after;
}

asio::awaitable<void> DealService::delete_pipeline(Uuid id, identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto before = co_await repository_.lock_pipeline(write.tx(), id);
  if (!before) throw no_such("pipeline");
  write.require_version(before->updated_at);
  if (before->pipedrive_id) throw managed_by_pipedrive("pipeline");
  const auto live = co_await repository_.live_deals_in(write.tx(), "pipeline_id", id);
  if (live > 0)
    throw Error(ErrorKind::conflict, "pipeline_has_deals",
                "the pipeline has " + std::to_string(live) + " deals: move or delete them first");
  co_await repository_.delete_pipeline(write.tx(), id);
  const storage::AuditEntry entry{"pipeline_deleted", "pipeline", id.str(),
                                  deals::to_json(*before)};
  co_await write.commit(entry);
  co_await drop_reference();
}

asio::awaitable<Stage> DealService::create_stage(deals::NewStage s,
                                                 identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto pipeline = co_await repository_.lock_pipeline(write.tx(), s.pipeline_id);
  if (!pipeline)
    throw Error(ErrorKind::validation, "validation_failed", "pipeline_id: no such pipeline",
                {{"pipeline_id", "no such pipeline"}});
  if (pipeline->pipedrive_id) throw managed_by_pipedrive("pipeline");
  Stage stage;
  stage.pipeline_id = s.pipeline_id;
  stage = deals::apply(std::move(stage), s.fields);
  auto made = co_await repository_.insert_stage(write.tx(), stage);
  const storage::AuditEntry entry{"stage_created", "stage", made.id.str(), std::nullopt,
                                  deals::to_json(made)};
  co_await write.commit(entry);
  co_await drop_reference();
  co_return made;
}

asio::awaitable<Stage> DealService::update_stage(Uuid id, deals::StageChanges c,
                                                 identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto before = co_await repository_.lock_stage(write.tx(), id);
  if (!before) throw no_such("stage");
  write.require_version(before->updated_at);
  // order_received and the checklist are crmd's own, mirrored stage or not.
  if (before->pipedrive_id && c.touches_pipedrive()) throw managed_by_pipedrive("stage");
  auto after = co_await repository_.update_stage(write.tx(), deals::apply(*before, c));
  const storage::AuditEntry entry{"stage_updated", "stage", id.str(), deals::to_json(*before),
                                  deals::to_json(after)};
  co_await write.commit(entry);
  co_await drop_reference();
  co_return after;
}

asio::awaitable<void> DealService::delete_stage(Uuid id, std::optional<Uuid> move_to,
                                                identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto& tx = write.tx();
  auto before = co_await repository_.lock_stage(tx, id);
  if (!before) throw no_such("stage");
  write.require_version(before->updated_at);
  if (before->pipedrive_id) throw managed_by_pipedrive("stage");
  const auto live = co_await repository_.live_deals_in(tx, "stage_id", id);
  std::vector<Uuid> moved;
  if (live > 0) {
    if (!move_to)
      throw Error(ErrorKind::conflict, "stage_has_deals",
                  "the stage has " + std::to_string(live) +
                      " deals: name a stage to move them to (?move_to=)");
    if (*move_to == id)
      throw Error(ErrorKind::validation, "validation_failed", "move_to: another stage",
                  {{"move_to", "another stage"}});
    auto target = co_await repository_.lock_stage(tx, *move_to);
    if (!target)
      throw Error(ErrorKind::validation, "validation_failed", "move_to: no such stage",
                  {{"move_to", "no such stage"}});
    moved = co_await repository_.move_stage_deals(tx, id, *target, context.user_id());
  }
  co_await repository_.delete_stage(tx, id);
  boost::json::object details = deals::to_json(*before);
  if (move_to) details["deals_moved_to"] = move_to->str();
  details["deals_moved"] = static_cast<std::int64_t>(moved.size());
  const storage::AuditEntry entry{"stage_deleted", "stage", id.str(), std::move(details)};
  co_await write.commit(entry);
  co_await drop_reference();
}

deals::StageTerms DealService::terms_of(const Stage& s) {
  deals::StageTerms t;
  if (s.probability) t.probability = static_cast<int>(*s.probability);
  t.rot_enabled = s.rot_enabled;
  if (s.days_to_rotten) t.days_to_rotten = static_cast<int>(*s.days_to_rotten);
  return t;
}

asio::awaitable<std::chrono::sys_days> DealService::today() {
  auto read = [this]() -> asio::awaitable<std::chrono::sys_days> {
    const auto now = current_time();
    if (!today_ || now >= today_->second) today_ = co_await repository_.today(options_.time_zone);
    co_return today_->first;
  };
  co_return co_await actor_.call(std::move(read));
}

asio::awaitable<boost::json::object> DealService::cached(
    std::string key, std::function<asio::awaitable<boost::json::object>()> make) {
  // One computation a key at a time: the others wait for its answer
  // instead of running the same aggregate side by side.
  struct Look {
    std::optional<boost::json::object> hit;
    bool waited = false;      // for another request's computation: look again
    bool registered = false;  // this request computes it for the others
    std::uint64_t generation = 0;
  };
  for (int round = 0;; ++round) {
    // On the strand, as the timer's cancel: nothing ends the computation
    // between seeing it and waiting for it.
    auto look = [this, &key, round]() -> asio::awaitable<Look> {
      Look l;
      l.hit = aggregates_.get(key);
      if (l.hit) co_return l;
      auto it = computing_.find(key);
      if (it != computing_.end() && round < 3) {
        const auto timer = it->second;
        boost::system::error_code ignored;
        co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        l.waited = true;
        co_return l;
      }
      if (it == computing_.end()) {
        computing_[key] = std::make_shared<asio::steady_timer>(
            actor_.executor(), asio::steady_timer::time_point::max());
        l.registered = true;
      }
      l.generation = deals_generation_;
      co_return l;
    };
    auto found = co_await actor_.call(std::move(look));
    if (found.hit) co_return std::move(*found.hit);
    if (found.waited) continue;
    std::optional<boost::json::object> made;
    std::exception_ptr failure;
    try {
      made = co_await make();
    } catch (...) {
      failure = std::current_exception();
    }
    // Kept only when no deal changed while it was computed; the waiters
    // look again either way.
    auto done = [this, &key, &made, found] {
      if (made && found.generation == deals_generation_) aggregates_.put(key, *made);
      if (!found.registered) return;
      auto it = computing_.find(key);
      if (it != computing_.end()) {
        it->second->cancel();
        computing_.erase(it);
      }
    };
    co_await actor_.call(std::move(done));
    if (failure) std::rethrow_exception(failure);
    co_return std::move(*made);
  }
}

}  // namespace crmd::actors
