// Deals: made, changed and deleted here (a mirrored one through Pipedrive
// when write-back is on), read, and their notes.
#include <algorithm>

#include "actors/deals.hpp"
#include "actors/leads.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/version.hpp"
#include "domain/deals/money.hpp"
#include "storage/audit.hpp"
#include "storage/audited_write.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using deals::Deal;

namespace {

Error no_such_deal() {
  return Error(ErrorKind::not_found, "not_found", "no such deal");
}

Error invalid(const std::string& field, const std::string& message) {
  return Error(ErrorKind::validation, "validation_failed", field + ": " + message,
               {{field, message}});
}

// The event a change stands for: its outcome first, then a move.
std::string action_of(const Deal& before, const Deal& after) {
  if (before.status != after.status) {
    if (after.status == "won") return "deal_won";
    if (after.status == "lost") return "deal_lost";
    return "deal_reopened";
  }
  if (before.stage_id != after.stage_id) return "deal_stage_changed";
  return "deal_updated";
}

// The default pipeline: the one of that name, else the first.
const deals::Pipeline* default_pipeline(const DealReference& r, const std::string& name) {
  for (const auto& p : r.pipelines)
    if (p.name == name) return &p;
  return r.pipelines.empty() ? nullptr : &r.pipelines.front();
}

}  // namespace

asio::awaitable<void> DealService::check(const Deal& after, const deals::DealChanges& c,
                                         const identity::RequestContext& context) {
  const auto own = own_leads_only(context);
  if (own && c.owner_id && *c.owner_id != own)
    throw Error(ErrorKind::forbidden, "forbidden", "only managers give a deal to someone else");
  if (c.company_id && *c.company_id) {
    const bool exists = co_await repository_.live_exists("companies", **c.company_id);
    if (!exists) throw invalid("company_id", "no such company");
  }
  if (c.contact_id && *c.contact_id) {
    const bool exists = co_await repository_.live_exists("contacts", **c.contact_id);
    if (!exists) throw invalid("contact_id", "no such contact");
  }
  if (after.status != "lost" && c.lost_reason && *c.lost_reason)
    throw invalid("lost_reason", "only a lost deal has a lost reason");
}

asio::awaitable<Deal> DealService::create(deals::DealChanges c, identity::RequestContext context) {
  const auto reference = co_await this->reference();
  const deals::Stage* stage = nullptr;
  if (c.stage_id) {
    stage = reference->stage(*c.stage_id);
    if (!stage) throw invalid("stage_id", "no such stage");
    if (c.pipeline_id && stage->pipeline_id != *c.pipeline_id)
      throw invalid("stage_id", "a stage of the pipeline given");
  } else {
    const auto* pipeline = c.pipeline_id ? reference->pipeline(*c.pipeline_id)
                                         : default_pipeline(*reference, options_.default_pipeline);
    if (!pipeline) throw invalid("pipeline_id", "no such pipeline");
    const auto stages = reference->stages_of(pipeline->id);
    if (stages.empty()) throw invalid("pipeline_id", "the pipeline has no stage");
    stage = stages.front();
  }
  const auto now = current_time();
  Deal d;
  d.pipeline_id = stage->pipeline_id;
  d.stage_id = stage->id;
  d.owner_id = d.created_by = context.user_id();
  d.add_time = d.update_time = d.stage_entered_at = now;
  c.pipeline_id.reset();
  c.stage_id.reset();
  d = deals::apply(std::move(d), c, now);
  co_await check(d, c, context);
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto made = co_await repository_.insert(write.tx(), d);
  co_await repository_.enter_stage(write.tx(), made, write.context().user_id());
  const storage::AuditEntry entry{"deal_created", "deal", made.id.str(), std::nullopt,
                                  deals::to_json(made)};
  co_await write.commit(entry);
  co_await deals_changed();
  co_return made;
}

asio::awaitable<Deal> DealService::writable(const Uuid& id,
                                            const identity::RequestContext& context) {
  auto deal = co_await repository_.get(id, own_leads_only(context));
  if (!deal) throw no_such_deal();
  require_version(context.if_match, deal->updated_at);
  co_return *deal;
}

asio::awaitable<Deal> DealService::update(Uuid id, deals::DealChanges c,
                                          identity::RequestContext context) {
  const auto current = co_await writable(id, context);
  if (c.empty()) co_return current;
  if (current.mirrored()) {
    if (!options_.pipedrive_write_back || !write_back_)
      throw Error(ErrorKind::conflict, "managed_by_pipedrive",
                  "this deal is mirrored from Pipedrive: change it there (or set "
                  "CRMD_PIPEDRIVE_WRITE_BACK=true)");
    auto written = co_await write_back_(current, c);
    co_await deals_changed();
    co_return written;
  }
  const auto reference = co_await this->reference();
  if (c.stage_id) {
    const auto* stage = reference->stage(*c.stage_id);
    if (!stage) throw invalid("stage_id", "no such stage");
    if (c.pipeline_id && stage->pipeline_id != *c.pipeline_id)
      throw invalid("stage_id", "a stage of the pipeline given");
    c.pipeline_id = stage->pipeline_id;
  } else if (c.pipeline_id && *c.pipeline_id != current.pipeline_id) {
    if (!reference->pipeline(*c.pipeline_id)) throw invalid("pipeline_id", "no such pipeline");
    const auto stages = reference->stages_of(*c.pipeline_id);
    if (stages.empty()) throw invalid("pipeline_id", "the pipeline has no stage");
    c.stage_id = stages.front()->id;
  }
  const auto after = deals::apply(current, c, current_time());
  co_await check(after, c, context);
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto locked = co_await repository_.lock(write.tx(), id);
  if (!locked) throw no_such_deal();
  write.require_version(locked->updated_at);
  // Changed since it was read: apply the changes to what is there now.
  const auto next =
      locked->updated_at == current.updated_at ? after : deals::apply(*locked, c, current_time());
  auto written = co_await repository_.update(write.tx(), next);
  if (written.stage_id != locked->stage_id)
    co_await repository_.enter_stage(write.tx(), written, write.context().user_id());
  const storage::AuditEntry entry{action_of(*locked, written), "deal", id.str(),
                                  deals::to_json(*locked), deals::to_json(written)};
  co_await write.commit(entry);
  co_await deals_changed();
  co_return written;
}

asio::awaitable<void> DealService::remove(Uuid id, identity::RequestContext context) {
  const auto current = co_await writable(id, context);
  if (current.mirrored())
    throw Error(ErrorKind::conflict, "managed_by_pipedrive",
                "this deal is mirrored from Pipedrive: delete it there");
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto locked = co_await repository_.lock(write.tx(), id);
  if (!locked) throw no_such_deal();
  write.require_version(locked->updated_at);
  co_await repository_.set_deleted(write.tx(), id, write.context().user_id(), std::nullopt);
  const storage::AuditEntry entry{"deal_deleted", "deal", id.str(), deals::to_json(*locked)};
  co_await write.commit(entry);
  co_await deals_changed();
}

asio::awaitable<Deal> DealService::get(Uuid id, identity::RequestContext context) {
  auto deal = co_await repository_.get(id, own_leads_only(context));
  if (!deal) throw no_such_deal();
  co_return *deal;
}

asio::awaitable<std::vector<Listed<Deal>>> DealService::list(storage::DealQuery query,
                                                             std::size_t limit,
                                                             std::optional<PagePosition> from,
                                                             identity::RequestContext context) {
  query.visible_to = own_leads_only(context);
  co_return co_await repository_.list(query, limit, from);
}

asio::awaitable<Deal> DealService::open_for_lead(pg::Transaction& tx, std::string title,
                                                 Uuid company, Uuid lead, std::optional<Uuid> owner,
                                                 const identity::RequestContext& context) {
  const auto reference = co_await this->reference();
  const auto* pipeline = default_pipeline(*reference, options_.default_pipeline);
  const auto stages =
      pipeline ? reference->stages_of(pipeline->id) : std::vector<const deals::Stage*>{};
  if (stages.empty())
    throw Error(ErrorKind::conflict, "no_default_pipeline",
                "no pipeline with a stage to open the deal in (CRMD_DEFAULT_PIPELINE=" +
                    options_.default_pipeline + ")");
  const auto now = current_time();
  Deal d;
  d.title = std::move(title);
  d.company_id = company;
  d.lead_id = lead;
  d.owner_id = owner;
  d.created_by = context.user_id();
  d.pipeline_id = pipeline->id;
  d.stage_id = stages.front()->id;
  d.add_time = d.update_time = d.stage_entered_at = now;
  auto made = co_await repository_.insert(tx, d);
  co_await repository_.enter_stage(tx, made, context.user_id());
  const storage::AuditEntry entry{"deal_created", "deal", made.id.str(), std::nullopt,
                                  deals::to_json(made)};
  co_await storage::write_audit(tx, context, entry);
  co_await deals_changed();
  co_return made;
}

asio::awaitable<boost::json::object> DealService::detail(Uuid id,
                                                         identity::RequestContext context) {
  const auto deal = co_await get(id, context);
  const auto reference = co_await this->reference();
  const auto day = co_await today();
  auto history = co_await repository_.history(id);
  auto notes = co_await repository_.notes("deal", id, 10, std::nullopt);
  auto links = co_await repository_.links_of(deal);
  std::vector<std::optional<Uuid>> users{deal.owner_id};
  std::vector<std::int64_t> pipedrive;
  if (deal.pipedrive_owner_id) pipedrive.push_back(*deal.pipedrive_owner_id);
  const auto names = co_await repository_.owner_names(users, pipedrive);
  const auto now = current_time();
  boost::json::object out;
  out["deal"] = deals::to_json(deal);
  const auto* stage = reference->stage(deal.stage_id);
  const auto* pipeline = reference->pipeline(deal.pipeline_id);
  out["stage_name"] = stage ? boost::json::value(stage->name) : boost::json::value(nullptr);
  out["pipeline_name"] =
      pipeline ? boost::json::value(pipeline->name) : boost::json::value(nullptr);
  out["owner_name"] =
      names.empty() ? boost::json::value(nullptr) : boost::json::value(names.front().name);
  boost::json::array visits;
  for (const auto& v : history) visits.push_back(deals::to_json(v, now));
  out["stage_history"] = std::move(visits);
  boost::json::array recent;
  for (const auto& n : notes) recent.push_back(deals::to_json(n.item));
  out["recent_notes"] = std::move(recent);
  out["links"] = std::move(links);
  out["health"] = health_of(deal, *reference, day, now);
  co_return out;
}

boost::json::object DealService::health_of(const Deal& deal, const DealReference& reference,
                                           std::chrono::sys_days today, Timestamp now) const {
  const auto* stage = reference.stage(deal.stage_id);
  const auto* pipeline = reference.pipeline(deal.pipeline_id);
  const auto terms = stage ? terms_of(*stage) : deals::StageTerms{};
  deals::PipelineTerms pipeline_terms;
  if (pipeline) pipeline_terms.uses_probability = pipeline->uses_probability;
  std::optional<int> deal_probability;
  if (deal.probability) deal_probability = static_cast<int>(*deal.probability);
  const int p = deals::effective_probability(deal_probability, terms, pipeline_terms);
  boost::json::object h;
  h["days_in_stage"] = deals::whole_days(deal.stage_entered_at, now);
  h["rotten"] = deals::is_rotten(terms, deal.status, deal.update_time, now);
  const auto stuck =
      deals::stuck(terms, deal.status, deal.stage_entered_at, now, options_.stuck_days);
  if (stuck) {
    boost::json::object s;
    s["days_in_stage"] = stuck->days_in_stage;
    s["threshold_days"] = stuck->threshold_days;
    s["rule"] = stuck->rule;
    h["stuck"] = std::move(s);
  } else {
    h["stuck"] = nullptr;
  }
  const auto overdue = deals::overdue_days(deal.expected_close_date, deal.status, today);
  h["overdue_days"] = overdue ? boost::json::value(*overdue) : boost::json::value(nullptr);
  h["probability"] = p;
  h["weighted_value"] =
      deal.value ? boost::json::value(deals::format_money(deals::weighted_cents(*deal.value, p)))
                 : boost::json::value(nullptr);
  return h;
}

asio::awaitable<deals::Note> DealService::add_note(std::string type, Uuid entity,
                                                   std::string content,
                                                   identity::RequestContext context) {
  const bool visible =
      co_await repository_.note_target_visible(type, entity, own_leads_only(context));
  if (!visible) throw Error(ErrorKind::not_found, "not_found", "no such " + type);
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto note =
      co_await repository_.insert_note(write.tx(), type, entity, content, context.user_id());
  const storage::AuditEntry entry{"note_created", "note", note.id.str(), std::nullopt,
                                  deals::to_json(note)};
  co_await write.commit(entry);
  if (type == "deal") co_await deals_changed();
  co_return note;
}

asio::awaitable<std::vector<Listed<deals::Note>>> DealService::notes(
    std::string type, Uuid entity, std::size_t limit, std::optional<PagePosition> from,
    identity::RequestContext context) {
  const bool visible =
      co_await repository_.note_target_visible(type, entity, own_leads_only(context));
  if (!visible) throw Error(ErrorKind::not_found, "not_found", "no such " + type);
  co_return co_await repository_.notes(type, entity, limit, from);
}

}  // namespace crmd::actors
