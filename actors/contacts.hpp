// Contacts: reads and audited writes, run through the contacts actor.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "actors/actor.hpp"
#include "domain/common/ttl_cache.hpp"
#include "domain/contacts/apollo.hpp"
#include "domain/contacts/batch.hpp"
#include "domain/contacts/contact.hpp"
#include "domain/contacts/contact_method.hpp"
#include "domain/identity/principal.hpp"
#include "storage/audit.hpp"
#include "storage/contacts/company_repository.hpp"
#include "storage/contacts/contact_method_repository.hpp"
#include "storage/contacts/repository.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

class ContactService {
 public:
  // actor owns the cache of Apollo URL analyses.
  ContactService(Actor& actor, pg::Pool& pool)
      : actor_(actor), pool_(pool), repository_(pool), methods_(pool) {}

  // Error{not_found} for an unknown or (unless include_deleted) deleted contact.
  boost::asio::awaitable<contacts::Contact> get(Uuid id, bool include_deleted);
  boost::asio::awaitable<std::vector<Listed<contacts::Contact>>> list(
      contacts::ContactListQuery query, std::size_t limit, std::optional<PagePosition> from,
      std::size_t offset = 0);
  // The analysis of an Apollo search URL, cached for an hour
  // (Error{validation} saying why for a URL that is not one).
  boost::asio::awaitable<contacts::ApolloSearch> analyze_apollo(std::string url);
  boost::asio::awaitable<std::int64_t> count(contacts::ContactListQuery query);

  // Empties the cache of company matches whenever companies change, in
  // any process (NOTIFY crmd_companies), until the listener closes.
  boost::asio::awaitable<void> follow_company_changes(pg::Listener& listener);
  boost::asio::awaitable<contacts::Contact> create(contacts::ContactChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<contacts::Contact> update(Uuid id, contacts::ContactChanges changes,
                                                   identity::RequestContext context);
  boost::asio::awaitable<contacts::Contact> set_deleted(Uuid id, bool deleted,
                                                        identity::RequestContext context);

  // Upserts the valid items by e-mail in one transaction; items naming an
  // unknown company or owner fail on their own.
  boost::asio::awaitable<std::vector<contacts::BatchResult>> upsert_batch(
      std::vector<contacts::BatchItem> items, identity::RequestContext context);

  // Contact methods of a live contact (Error{not_found} otherwise).
  boost::asio::awaitable<std::vector<contacts::ContactMethod>> methods(Uuid contact_id);
  // Error{conflict} beyond kMaxMethodsPerContact.
  boost::asio::awaitable<contacts::ContactMethod> add_method(Uuid contact_id,
                                                             contacts::ContactMethodChanges changes,
                                                             identity::RequestContext context);
  // body is parsed once the method's current type is known.
  boost::asio::awaitable<contacts::ContactMethod> update_method(Uuid contact_id, Uuid id,
                                                                boost::json::value body,
                                                                identity::RequestContext context);
  boost::asio::awaitable<void> remove_method(Uuid contact_id, Uuid id,
                                             identity::RequestContext context);

 private:
  // Gives each change that names a company (company, company_domain) its
  // company_id, creating the companies not found; their audit rows go to audit.
  boost::asio::awaitable<void> resolve_named_companies(
      pg::Transaction& tx, const std::vector<contacts::ContactChanges*>& changes,
      std::vector<storage::AuditEntry>& audit);
  Actor& actor_;
  TtlCache<std::string, contacts::ApolloSearch> apollo_cache_{1000, std::chrono::hours(1)};

  // The companies a query's company filters match (its name fragments,
  // industries and head counts as key), so that a search reads them once
  // and not on every page or request. Emptied on every change of companies;
  // company_generation_ tells a lookup that a change came while it ran. The
  // actor owns both.
  boost::asio::awaitable<std::optional<storage::CompanyIds>> matching_companies(
      const contacts::ContactListQuery& query);
  TtlCache<std::string, storage::CompanyIds> company_cache_{256, std::chrono::minutes(5)};
  std::uint64_t company_generation_ = 0;
  pg::Pool& pool_;
  // Locks the live contact for a write to its methods.
  boost::asio::awaitable<void> lock_live(pg::Transaction& tx, const Uuid& id,
                                         const identity::RequestContext& context);

  storage::ContactRepository repository_;
  storage::ContactMethodRepository methods_;
};

}  // namespace crmd::actors
