// Tags and the tags of a lead.
#include "actors/leads.hpp"
#include "storage/audit.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using leads::Lead;

asio::awaitable<leads::Tag> LeadService::create_tag(leads::TagChanges changes,
                                                    identity::RequestContext context) {
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  auto tag = co_await repository_.insert_tag(tx, changes);
  {
    const storage::AuditEntry entry{"tag_created", "tag", tag.id.str(), std::nullopt,
                                    leads::to_json(tag)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return tag;
}

asio::awaitable<leads::Tag> LeadService::update_tag(Uuid id, leads::TagChanges changes,
                                                    identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.find_tag(tx, id, storage::LeadRepository::TagLock::update);
  if (!before) throw Error(ErrorKind::not_found, "not_found", "no such tag");
  auto after = co_await repository_.update_tag(tx, id, changes);
  {
    const storage::AuditEntry entry{"tag_updated", "tag", id.str(), leads::to_json(*before),
                                    leads::to_json(after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return after;
}

asio::awaitable<void> LeadService::delete_tag(Uuid id, identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.find_tag(tx, id, storage::LeadRepository::TagLock::remove);
  if (!before) throw Error(ErrorKind::not_found, "not_found", "no such tag");
  co_await repository_.delete_tag(tx, id);
  {
    const storage::AuditEntry entry{"tag_deleted", "tag", id.str(), leads::to_json(*before)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
}

asio::awaitable<Lead> LeadService::set_lead_tags(Uuid lead, leads::TagSet set,
                                                 identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await lock_writable(tx, lead, context);
  // The tag vocabulary is the managers': sales users pick existing tags.
  const bool may_create =
      context.principal && identity::at_least(context.principal->role, identity::Role::manager);
  const auto ids = co_await repository_.resolve_tags(tx, set, may_create);
  co_await repository_.set_lead_tags(tx, lead, ids);
  std::optional<Lead> after = co_await rescore(tx, lead, std::nullopt);
  {
    const storage::AuditEntry entry{"lead_tags_set", "lead", lead.str(), leads::to_json(before),
                                    leads::to_json(*after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return *after;
}

asio::awaitable<Lead> LeadService::add_lead_tag(Uuid lead, Uuid tag,
                                                identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await lock_writable(tx, lead, context);
  auto found = co_await repository_.find_tag(tx, tag, storage::LeadRepository::TagLock::use);
  if (!found)
    throw Error(ErrorKind::validation, "validation_error", "no such tag",
                {{"tag_id", "no such tag"}});
  co_await repository_.add_lead_tag(tx, lead, tag);
  std::optional<Lead> after = co_await rescore(tx, lead, std::nullopt);
  {
    const storage::AuditEntry entry{"lead_tag_added", "lead", lead.str(), std::nullopt,
                                    leads::to_json(*found)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return *after;
}

asio::awaitable<Lead> LeadService::remove_lead_tag(Uuid lead, Uuid tag,
                                                   identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  co_await lock_writable(tx, lead, context);
  const bool removed = co_await repository_.remove_lead_tag(tx, lead, tag);
  if (!removed) throw Error(ErrorKind::not_found, "not_found", "the lead has no such tag");
  std::optional<Lead> after = co_await rescore(tx, lead, std::nullopt);
  {
    const storage::AuditEntry entry{"lead_tag_removed", "lead", lead.str(),
                                    boost::json::object{{"tag_id", tag.str()}}};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return *after;
}

}  // namespace crmd::actors
