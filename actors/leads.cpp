#include "actors/leads.hpp"

#include "domain/leads/scoring.hpp"
#include "storage/audit.hpp"
#include "storage/audited_write.hpp"
#include "storage/leads/workers.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using leads::Lead;

std::optional<Uuid> own_leads_only(const identity::RequestContext& context) {
  if (context.principal && context.principal->role == identity::Role::sales)
    return context.principal->id;
  return std::nullopt;
}

Error LeadService::no_such_lead() {
  return Error(ErrorKind::not_found, "not_found", "no such lead");
}

bool LeadService::may_see(const Lead& lead, const identity::RequestContext& context) {
  const auto own = own_leads_only(context);
  return !own || lead.owner_user_id == *own;
}

asio::awaitable<Lead> LeadService::visible(const Uuid& id,
                                           const identity::RequestContext& context) {
  auto lead = co_await repository_.find(id);
  if (!lead || !may_see(*lead, context)) throw no_such_lead();
  if (lead->deleted_at && !lead->qualified_at) throw no_such_lead();
  co_return *lead;
}

asio::awaitable<Lead> LeadService::lock_writable(pg::Transaction& tx, const Uuid& id,
                                                 const identity::RequestContext& context) {
  auto lead = co_await repository_.lock(tx, id);
  if (!lead || !may_see(*lead, context)) throw no_such_lead();
  if (lead->qualified_at)
    throw Error(ErrorKind::conflict, "lead_qualified", "the lead is qualified");
  if (lead->deleted_at) throw no_such_lead();
  co_return *lead;
}

asio::awaitable<Lead> LeadService::rescore(pg::Transaction& tx, const Uuid& id,
                                           std::optional<leads::PriorityInputs> inputs) {
  if (!inputs) inputs = co_await repository_.priority_inputs(tx, id);
  const int score = leads::priority_score(*inputs);
  co_return co_await repository_.rescore_and_find(tx, id, score);
}

asio::awaitable<std::vector<Listed<Lead>>> LeadService::list(leads::LeadListQuery query,
                                                             std::size_t limit,
                                                             std::optional<PagePosition> from,
                                                             identity::RequestContext context) {
  query.visible_to = own_leads_only(context);
  co_return co_await repository_.list(query, limit, from);
}

asio::awaitable<Lead> LeadService::get(Uuid id, bool include_deleted,
                                       identity::RequestContext context) {
  if (!include_deleted) co_return co_await visible(id, context);
  auto lead = co_await repository_.find(id);
  if (!lead || !may_see(*lead, context)) throw no_such_lead();
  co_return *lead;
}

asio::awaitable<Lead> LeadService::create(leads::LeadChanges changes,
                                          identity::RequestContext context) {
  if (!changes.owner_user_id && context.user_id()) changes.owner_user_id = context.user_id();
  // A sales caller sees its own leads only: one it could not own would be
  // lost to it as soon as made.
  if (own_leads_only(context) && !context.user_id())
    throw Error(ErrorKind::forbidden, "no_user_record",
                "this account has no CRM user (another user has its e-mail), so it cannot own "
                "leads");
  if (!changes.status) changes.status = co_await default_status();
  auto columns = co_await resolve(changes);
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  auto created = co_await repository_.insert(tx, columns);
  std::optional<Lead> lead = co_await rescore(tx, created.id, std::nullopt);
  {
    const storage::AuditEntry entry{"lead_created", "lead", lead->id.str(), std::nullopt,
                                    leads::to_json(*lead)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return *lead;
}

asio::awaitable<Lead> LeadService::update(Uuid id, leads::LeadChanges changes,
                                          identity::RequestContext context) {
  auto columns = co_await resolve(changes);
  auto write = co_await storage::AuditedWrite::begin(pool_, context);
  auto before = co_await lock_writable(write.tx(), id, context);
  write.require_version(before.updated_at);
  auto inputs = co_await repository_.update(write.tx(), id, columns);
  std::optional<Lead> after = co_await rescore(write.tx(), id, std::move(inputs));
  const storage::AuditEntry entry{"lead_updated", "lead", id.str(), leads::to_json(before),
                                  leads::to_json(*after)};
  co_await write.commit(entry);
  co_return *after;
}

asio::awaitable<void> LeadService::remove(Uuid id, identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.lock(tx, id);
  if (!before || !may_see(*before, context) || before->deleted_at) throw no_such_lead();
  auto after = co_await repository_.set_deleted(tx, id, context.user_id(), true);
  {
    const storage::AuditEntry entry{"lead_deleted", "lead", id.str(), leads::to_json(*before),
                                    leads::to_json(after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
}

// ---- activities and views

asio::awaitable<leads::Activity> LeadService::log_activity(Uuid lead, leads::NewActivity activity,
                                                           identity::RequestContext context) {
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  co_await lock_writable(tx, lead, context);
  auto logged = co_await repository_.insert_activity(tx, lead, activity, context.user_id());
  // The recount moves the lead's last interaction to the activity if later.
  co_await storage::recount_engagement(tx, lead);
  co_await rescore(tx, lead, std::nullopt);
  {
    const storage::AuditEntry entry{"lead_activity_logged", "lead", lead.str(), std::nullopt,
                                    leads::to_json(logged)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return logged;
}

asio::awaitable<void> LeadService::follow_event(pg::Transaction& tx, const Uuid& event,
                                                const std::vector<Uuid>& leads,
                                                std::optional<Timestamp> at,
                                                const std::optional<std::string>& summary) {
  std::vector<Uuid> kept;
  if (at) kept = leads;
  const auto touched = co_await repository_.follow_event(tx, event, kept, at, summary);
  for (const auto& lead : touched) {
    co_await storage::recount_engagement(tx, lead);
    co_await rescore(tx, lead, std::nullopt);
  }
}

asio::awaitable<std::vector<Listed<leads::Activity>>> LeadService::activities(
    Uuid lead, std::size_t limit, std::optional<PagePosition> from,
    identity::RequestContext context) {
  co_await visible(lead, context);
  co_return co_await repository_.activities(lead, limit, from);
}

asio::awaitable<leads::ActivityStats> LeadService::stats(Uuid lead,
                                                         identity::RequestContext context) {
  co_await visible(lead, context);
  auto stats = co_await repository_.stats(lead);
  if (!stats) throw no_such_lead();
  co_return *stats;
}

asio::awaitable<std::vector<Listed<leads::SalesViewRow>>> LeadService::sales_view(
    std::size_t limit, std::optional<PagePosition> from, identity::RequestContext context) {
  auto rows = co_await repository_.sales_view(own_leads_only(context), limit, from);
  // Codes and labels from the cache (an id it lacks: a status made since,
  // its NOTIFY on the way; left empty).
  const auto cached = co_await cache();
  const auto fill = [](const std::vector<leads::ReferenceItem>& items,
                       const std::optional<Uuid>& id, std::optional<std::string>& code,
                       std::optional<std::string>& label) {
    if (!id) return;
    for (const auto& item : items)
      if (item.id == *id) {
        code = item.code;
        label = item.label;
      }
  };
  for (auto& row : rows) {
    fill(cached->statuses, row.item.lead.status_id, row.item.lead.status, row.item.status_label);
    fill(cached->origins, row.item.lead.origin_id, row.item.lead.origin, row.item.origin_label);
  }
  co_return rows;
}

asio::awaitable<std::vector<Listed<storage::SlaBreach>>> LeadService::sla_breaches(
    std::size_t limit, std::optional<PagePosition> from, identity::RequestContext context) {
  co_return co_await repository_.sla_breaches(own_leads_only(context), limit, from);
}

}  // namespace crmd::actors
