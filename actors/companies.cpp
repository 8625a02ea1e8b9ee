#include "actors/companies.hpp"

#include "storage/audit.hpp"
#include "storage/audited_write.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using contacts::Company;

namespace {

Error no_such_company() {
  return Error(ErrorKind::not_found, "not_found", "no such company");
}

}  // namespace

// Two live companies never share a domain, so that imports and
// company_domain resolve to one company.
asio::awaitable<void> CompanyService::require_free_domain(pg::Transaction& tx,
                                                          const std::optional<std::string>& domain,
                                                          const std::optional<Uuid>& self) {
  if (!domain) co_return;
  auto other = co_await repository_.live_with_domain(tx, *domain, self);
  if (other)
    throw Error(ErrorKind::conflict, "domain_taken",
                "company " + other->str() + " already has the domain " + *domain,
                {{"domain", "already the domain of company " + other->str()}});
}

asio::awaitable<Company> CompanyService::get(Uuid id, bool include_deleted) {
  auto found = co_await repository_.find(id, include_deleted);
  if (!found) throw no_such_company();
  co_return *found;
}

asio::awaitable<Company> CompanyService::create(contacts::CompanyChanges changes,
                                                identity::RequestContext context) {
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  if (changes.domain) co_await require_free_domain(tx, *changes.domain, std::nullopt);
  auto created = co_await repository_.insert(tx, changes);
  {
    const storage::AuditEntry entry{"company_created", "company", created.id.str(), std::nullopt,
                                    contacts::to_json(created)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return created;
}

asio::awaitable<Company> CompanyService::update(Uuid id, contacts::CompanyChanges changes,
                                                identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock(write.tx(), id);
  if (!before || before->deleted_at) throw no_such_company();
  write.require_version(before->updated_at);
  if (changes.domain) co_await require_free_domain(write.tx(), *changes.domain, id);
  auto after = co_await repository_.update(write.tx(), id, changes);
  const storage::AuditEntry entry{"company_updated", "company", id.str(),
                                  contacts::to_json(*before), contacts::to_json(after)};
  co_await write.commit(entry);
  co_return after;
}

asio::awaitable<Company> CompanyService::set_deleted(Uuid id, bool deleted,
                                                     identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.lock(tx, id);
  if (!before || before->deleted_at.has_value() == deleted) throw no_such_company();
  if (!deleted) co_await require_free_domain(tx, before->domain, id);
  auto after = co_await repository_.set_deleted(tx, id, context.user_id(), deleted);
  {
    const storage::AuditEntry entry{deleted ? "company_deleted" : "company_restored", "company",
                                    id.str(), contacts::to_json(*before), contacts::to_json(after)};
    co_await storage::write_audit(tx, context, entry);
  }
  if (deleted) {
    const auto unlinked = co_await repository_.unlink_contacts(tx, id);
    const storage::AuditEntry entry{
        "contact_unlinked", "contact", "",
        boost::json::value(boost::json::object{{"company_id", id.str()}}),
        boost::json::value(
            boost::json::object{{"company_id", nullptr}, {"reason", "company_deleted"}})};
    co_await storage::write_audit_each(tx, context, entry, unlinked);
  }
  co_await tx.commit();
  co_return after;
}

}  // namespace crmd::actors
