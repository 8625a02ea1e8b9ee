// The contacts of a lead and its primary one.
#include "actors/leads.hpp"
#include "storage/audit.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

asio::awaitable<std::vector<leads::LeadContact>> LeadService::contacts(
    Uuid lead, identity::RequestContext context) {
  co_await visible(lead, context);
  co_return co_await repository_.contacts(lead);
}

asio::awaitable<std::vector<leads::LeadContact>> LeadService::add_contact(
    Uuid lead, Uuid contact, bool primary, identity::RequestContext context) {
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  // The contact before the lead: deleting a contact locks it, then (by
  // trigger) its leads, and the same order here cannot deadlock with it.
  const bool exists = co_await repository_.live_contact_exists(tx, contact);
  co_await lock_writable(tx, lead, context);
  if (!exists)
    throw Error(ErrorKind::validation, "validation_error", "no such contact",
                {{"contact_id", "no such contact"}});
  const bool added = co_await repository_.add_contact(tx, lead, contact);
  if (!added)
    throw Error(ErrorKind::conflict, "already_linked", "the contact is already on the lead");
  if (primary) co_await repository_.set_primary_contact(tx, lead, contact);
  {
    const storage::AuditEntry entry{
        "lead_contact_added", "lead", lead.str(), std::nullopt,
        boost::json::object{{"contact_id", contact.str()}, {"is_primary", primary}}};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return co_await repository_.contacts(lead);
}

asio::awaitable<void> LeadService::remove_contact(Uuid lead, Uuid contact,
                                                  identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  co_await lock_writable(tx, lead, context);
  const bool removed = co_await repository_.remove_contact(tx, lead, contact);
  if (!removed) throw Error(ErrorKind::not_found, "not_found", "the contact is not on the lead");
  {
    const storage::AuditEntry entry{"lead_contact_removed", "lead", lead.str(),
                                    boost::json::object{{"contact_id", contact.str()}}};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
}

asio::awaitable<std::vector<leads::LeadContact>> LeadService::set_primary_contact(
    Uuid lead, Uuid contact, identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  co_await lock_writable(tx, lead, context);
  const bool linked = co_await repository_.set_primary_contact(tx, lead, contact);
  if (!linked) throw Error(ErrorKind::not_found, "not_found", "the contact is not on the lead");
  {
    const storage::AuditEntry entry{"lead_primary_contact_set", "lead", lead.str(), std::nullopt,
                                    boost::json::object{{"contact_id", contact.str()}}};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return co_await repository_.contacts(lead);
}

}  // namespace crmd::actors
