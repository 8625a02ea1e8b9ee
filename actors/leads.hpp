// Leads: reads and audited writes, statuses and origins (cached on the leads
// actor's strand and dropped on NOTIFY crmd_lead_reference from any
// process), tags, lead contacts, qualification, the sales view.
//
// Who sees what: sales users their own leads only, managers and admins all.
// A lead the caller may not see answers 404, exactly as a missing one.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <mutex>

#include "actors/actor.hpp"
#include "domain/identity/principal.hpp"
#include "domain/leads/lead.hpp"
#include "storage/audit.hpp"
#include "storage/contacts/company_repository.hpp"
#include "storage/leads/repository.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

inline constexpr const char* kLeadReferenceChannel = "crmd_lead_reference";

class DealService;

class LeadService {
 public:
  // deals: where a qualified lead's deal is opened.
  LeadService(Actor& actor, pg::Pool& pool, DealService& deals)
      : actor_(actor), pool_(pool), deals_(deals), repository_(pool), companies_(pool) {}

  // Statements run by the repository so far (tests count them).
  std::int64_t statements() const { return repository_.statements(); }
  storage::LeadRepository& repository() { return repository_; }

  // Drops the reference cache whenever statuses or origins change anywhere.
  boost::asio::awaitable<void> follow_changes(pg::Listener& listener);

  // Statuses and origins, from the cache.
  boost::asio::awaitable<std::vector<leads::ReferenceItem>> references(storage::Reference which);
  boost::asio::awaitable<leads::ReferenceItem> create_reference(storage::Reference which,
                                                                leads::ReferenceChanges changes,
                                                                identity::RequestContext context);
  boost::asio::awaitable<leads::ReferenceItem> update_reference(storage::Reference which, Uuid id,
                                                                leads::ReferenceChanges changes,
                                                                identity::RequestContext context);

  // The caller's visibility applies (query.visible_to is set for sales).
  boost::asio::awaitable<std::vector<Listed<leads::Lead>>> list(leads::LeadListQuery query,
                                                                std::size_t limit,
                                                                std::optional<PagePosition> from,
                                                                identity::RequestContext context);
  // Live or qualified leads; include_deleted also the soft-deleted ones.
  boost::asio::awaitable<leads::Lead> get(Uuid id, bool include_deleted,
                                          identity::RequestContext context);
  boost::asio::awaitable<leads::Lead> create(leads::LeadChanges changes,
                                             identity::RequestContext context);
  boost::asio::awaitable<leads::Lead> update(Uuid id, leads::LeadChanges changes,
                                             identity::RequestContext context);
  boost::asio::awaitable<void> remove(Uuid id, identity::RequestContext context);

  // One transaction each. Qualifying a qualified lead is Error{conflict}.
  boost::asio::awaitable<leads::Lead> qualify(Uuid id, leads::QualifyRequest request,
                                              identity::RequestContext context);
  boost::asio::awaitable<leads::Lead> disqualify(Uuid id, std::string reason,
                                                 identity::RequestContext context);
  // Admins: undoes a qualification or disqualification, or a delete.
  boost::asio::awaitable<leads::Lead> restore(Uuid id, identity::RequestContext context);

  // Tags.
  boost::asio::awaitable<std::vector<leads::Tag>> tags() { return repository_.tags(); }
  boost::asio::awaitable<leads::Tag> create_tag(leads::TagChanges changes,
                                                identity::RequestContext context);
  boost::asio::awaitable<leads::Tag> update_tag(Uuid id, leads::TagChanges changes,
                                                identity::RequestContext context);
  boost::asio::awaitable<void> delete_tag(Uuid id, identity::RequestContext context);
  boost::asio::awaitable<leads::Lead> set_lead_tags(Uuid lead, leads::TagSet set,
                                                    identity::RequestContext context);
  boost::asio::awaitable<leads::Lead> add_lead_tag(Uuid lead, Uuid tag,
                                                   identity::RequestContext context);
  boost::asio::awaitable<leads::Lead> remove_lead_tag(Uuid lead, Uuid tag,
                                                      identity::RequestContext context);

  // Lead contacts.
  boost::asio::awaitable<std::vector<leads::LeadContact>> contacts(
      Uuid lead, identity::RequestContext context);
  boost::asio::awaitable<std::vector<leads::LeadContact>> add_contact(
      Uuid lead, Uuid contact, bool primary, identity::RequestContext context);
  boost::asio::awaitable<void> remove_contact(Uuid lead, Uuid contact,
                                              identity::RequestContext context);
  boost::asio::awaitable<std::vector<leads::LeadContact>> set_primary_contact(
      Uuid lead, Uuid contact, identity::RequestContext context);

  boost::asio::awaitable<leads::ActivityStats> stats(Uuid lead, identity::RequestContext context);
  // An activity (call, note...) on a live lead: its last interaction, stats,
  // engagement and priority follow in the same transaction.
  boost::asio::awaitable<leads::Activity> log_activity(Uuid lead, leads::NewActivity activity,
                                                       identity::RequestContext context);
  // In the caller's transaction, the `event` activities of a calendar event:
  // one on each of `leads` at the event's start (moved with it, its summary
  // kept up to date), none on any other lead, none at all once the event is
  // cancelled (at is nullopt). Each lead touched is recounted and rescored
  // as log_activity does.
  boost::asio::awaitable<void> follow_event(pg::Transaction& tx, const Uuid& event,
                                            const std::vector<Uuid>& leads,
                                            std::optional<Timestamp> at,
                                            const std::optional<std::string>& summary);
  boost::asio::awaitable<std::vector<Listed<leads::Activity>>> activities(
      Uuid lead, std::size_t limit, std::optional<PagePosition> from,
      identity::RequestContext context);

  boost::asio::awaitable<std::vector<Listed<leads::SalesViewRow>>> sales_view(
      std::size_t limit, std::optional<PagePosition> from, identity::RequestContext context);
  boost::asio::awaitable<std::vector<Listed<storage::SlaBreach>>> sla_breaches(
      std::size_t limit, std::optional<PagePosition> from, identity::RequestContext context);

  boost::asio::awaitable<std::vector<Listed<storage::AuditRow>>> audit(
      std::string entity_type, std::optional<std::string> entity_id,
      std::optional<PagePosition> from, std::size_t limit) {
    co_return co_await storage::read_audit(pool_, entity_type, entity_id, from, limit);
  }

 private:
  struct Cache {
    bool loaded = false;
    std::uint64_t generation = 0;  // bumped by every invalidation
    std::vector<leads::ReferenceItem> statuses, origins;
  };
  using Snapshot = std::shared_ptr<const Cache>;
  // The loaded cache: read without a hop onto the strand while one is
  // published; loaded (on the strand) otherwise.
  boost::asio::awaitable<Snapshot> cache();
  boost::asio::awaitable<void> invalidate();
  // The code of the status a new lead starts in: the lowest-ordered active
  // one (NEW), if any.
  boost::asio::awaitable<std::optional<std::string>> default_status();
  // Codes to ids (Error{validation} for an unknown or inactive code).
  boost::asio::awaitable<storage::LeadColumns> resolve(const leads::LeadChanges& changes);
  // Locks a lead the caller may change: live (not deleted, not qualified:
  // Error{conflict} for a qualified one) and visible.
  boost::asio::awaitable<leads::Lead> lock_writable(pg::Transaction& tx, const Uuid& id,
                                                    const identity::RequestContext& context);
  // Recomputes the priority score from its inputs (read when not given)
  // and answers the lead as it is now.
  boost::asio::awaitable<leads::Lead> rescore(pg::Transaction& tx, const Uuid& id,
                                              std::optional<leads::PriorityInputs> inputs);
  boost::asio::awaitable<leads::Lead> visible(const Uuid& id,
                                              const identity::RequestContext& context);
  // A lead the caller may not see answers as a missing one.
  static Error no_such_lead();
  static bool may_see(const leads::Lead& lead, const identity::RequestContext& context);

  Actor& actor_;
  pg::Pool& pool_;
  DealService& deals_;
  storage::LeadRepository repository_;
  storage::CompanyRepository companies_;  // qualification creates companies through it
  Cache cache_;                           // the actor's state
  std::mutex snapshot_mutex_;
  Snapshot snapshot_;  // cache_ once loaded; reset by invalidation or after kReferenceTtl
  std::chrono::steady_clock::time_point snapshot_at_;
  static constexpr std::chrono::seconds kReferenceTtl{60};
};

// Whether the caller sees only its own leads (a sales user), and whose.
std::optional<Uuid> own_leads_only(const identity::RequestContext& context);

}  // namespace crmd::actors
