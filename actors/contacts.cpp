#include "actors/contacts.hpp"

#include "storage/audit.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using contacts::Contact;

namespace {

Error no_such_contact() {
  return Error(ErrorKind::not_found, "not_found", "no such contact");
}

}  // namespace

asio::awaitable<Contact> ContactService::get(Uuid id, bool include_deleted) {
  auto found = co_await repository_.find(id, include_deleted);
  if (!found) throw no_such_contact();
  co_return *found;
}

asio::awaitable<Contact> ContactService::create(contacts::ContactChanges changes,
                                                identity::RequestContext context) {
  if (!changes.owner_user_id && context.user_id())
    changes.owner_user_id = context.user_id();
  auto tx = co_await pool_.begin();
  auto created = co_await repository_.insert(tx, changes);
  {
    const storage::AuditEntry entry{"contact_created", "contact", created.id.str(), std::nullopt,
                                    contacts::to_json(created)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return created;
}

asio::awaitable<Contact> ContactService::update(Uuid id, contacts::ContactChanges changes,
                                                identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.lock(tx, id);
  if (!before || before->deleted_at) throw no_such_contact();
  auto after = co_await repository_.update(tx, id, changes);
  {
    const storage::AuditEntry entry{"contact_updated", "contact", id.str(),
                                    contacts::to_json(*before), contacts::to_json(after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return after;
}

asio::awaitable<Contact> ContactService::set_deleted(Uuid id, bool deleted,
                                                     identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.lock(tx, id);
  // Deleting a deleted contact, or restoring a live one, names nothing.
  if (!before || before->deleted_at.has_value() == deleted) throw no_such_contact();
  auto after = co_await repository_.set_deleted(tx, id, context.user_id(), deleted);
  {
    const storage::AuditEntry entry{deleted ? "contact_deleted" : "contact_restored", "contact",
                                    id.str(), contacts::to_json(*before), contacts::to_json(after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return after;
}

}  // namespace crmd::actors
