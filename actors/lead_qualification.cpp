// Qualification: a lead becomes a company, its contacts linked, and a deal.
#include "actors/deals.hpp"
#include "actors/leads.hpp"
#include "storage/audit.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using leads::Lead;

asio::awaitable<Lead> LeadService::qualify(Uuid id, leads::QualifyRequest request,
                                           identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  // The lead's contacts (which qualifying links to the company) before the
  // lead: deleting a contact locks it, then its leads, in that order too.
  co_await repository_.lock_contacts_of(tx, id);
  // The row lock makes racing qualifications take turns: the second sees
  // qualified_at and answers 409, so one company and one deal are made.
  auto before = co_await repository_.lock(tx, id);
  if (!before || !may_see(*before, context)) throw no_such_lead();
  if (before->qualified_at)
    throw Error(ErrorKind::conflict, "already_qualified", "the lead is already qualified");
  if (before->deleted_at) throw no_such_lead();
  if (before->disqualified_at)
    throw Error(ErrorKind::conflict, "lead_disqualified",
                "the lead is disqualified: an admin restores it first");
  Uuid company;
  bool created_company = false;
  if (request.company_id) {
    const bool exists = co_await repository_.live_company_exists(tx, *request.company_id);
    if (!exists)
      throw Error(ErrorKind::validation, "validation_error", "no such company",
                  {{"company_id", "no such company"}});
    company = *request.company_id;
  } else {
    leads::NewCompany data = request.company
                                 ? *request.company
                                 : leads::NewCompany{before->title, std::nullopt,
                                                     before->address_city, before->address_state};
    contacts::CompanyChanges changes;
    changes.name = std::optional<std::string>(data.name);
    if (data.domain)
      changes.domain = std::optional<std::string>(contacts::normalize_domain(*data.domain));
    changes.city = data.city;
    changes.state = data.state;
    if (changes.domain) {
      auto other = co_await companies_.live_with_domain(tx, **changes.domain, std::nullopt);
      if (other)
        throw Error(ErrorKind::conflict, "domain_taken",
                    "company " + other->str() + " already has this domain: qualify with its id",
                    {{"company.domain", "already the domain of company " + other->str()}});
    }
    auto made = co_await companies_.insert(tx, changes);
    company = made.id;
    created_company = true;
    const storage::AuditEntry entry{"company_created", "company", made.id.str(), std::nullopt,
                                    contacts::to_json(made)};
    co_await storage::write_audit(tx, context, entry);
  }
  auto deal_title = request.deal_title.value_or(before->title);
  // The lead's owner keeps the deal; a lead without one gives it to whoever qualifies it.
  const auto owner = before->owner_user_id ? before->owner_user_id : context.user_id();
  const auto deal =
      co_await deals_.open_for_lead(tx, std::move(deal_title), company, id, owner, context);
  auto after = co_await repository_.mark_qualified(tx, id, company, deal.id, context.user_id());
  const auto linked = co_await repository_.copy_contacts_to_company(tx, id, company);
  const auto contacts_linked = static_cast<std::int64_t>(linked.size());
  {
    const storage::AuditEntry entry{
        "contact_linked", "contact", "",
        boost::json::value(boost::json::object{{"company_id", nullptr}}),
        boost::json::value(
            boost::json::object{{"company_id", company.str()}, {"reason", "lead_qualified"}})};
    co_await storage::write_audit_each(tx, context, entry, linked);
  }
  {
    boost::json::object details = leads::to_json(after);
    details["company_created"] = created_company;
    details["contacts_linked"] = contacts_linked;
    const storage::AuditEntry entry{"qualify_lead", "lead", id.str(), leads::to_json(*before),
                                    std::move(details)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return after;
}

asio::awaitable<Lead> LeadService::disqualify(Uuid id, std::string reason,
                                              identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await lock_writable(tx, id, context);
  if (before.disqualified_at)
    throw Error(ErrorKind::conflict, "already_disqualified", "the lead is already disqualified");
  co_await repository_.mark_disqualified(tx, id, reason);
  std::optional<Lead> after = co_await rescore(tx, id, std::nullopt);
  {
    const storage::AuditEntry entry{"disqualify_lead", "lead", id.str(), leads::to_json(before),
                                    leads::to_json(*after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return *after;
}

asio::awaitable<Lead> LeadService::restore(Uuid id, identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto before = co_await repository_.lock(tx, id);
  if (!before) throw no_such_lead();
  if (!before->qualified_at && !before->disqualified_at && !before->deleted_at)
    throw Error(ErrorKind::conflict, "not_restorable",
                "the lead is neither qualified, disqualified nor deleted");
  co_await repository_.restore(tx, id);
  std::optional<Lead> after = co_await rescore(tx, id, std::nullopt);
  {
    const storage::AuditEntry entry{"restore_lead", "lead", id.str(), leads::to_json(*before),
                                    leads::to_json(*after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return *after;
}

}  // namespace crmd::actors
