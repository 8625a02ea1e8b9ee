// The SQL of leads, their reference data, tags, contacts, activity and the
// sales view. Writes take the caller's transaction so that the audit row
// commits with them. Every statement but the loads of the reference-data
// cache goes through run(), which counts it: tests read the count to prove
// that a page costs one statement. Its methods live in one file per concern:
// repository.cpp (leads and qualification), reference_data, tags,
// lead_contacts, activities and sales_view (with the SLA breaches).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <optional>

#include "domain/common/json_schema.hpp"
#include "domain/common/page.hpp"
#include "domain/leads/lead.hpp"
#include "domain/leads/scoring.hpp"
#include "storage/pg/pool.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {

enum class Reference { statuses, origins };

// Resolved writable columns of a lead (codes already turned into ids).
struct LeadColumns {
  Change<std::string> title, trade_name, address_city, address_state;
  Change<Uuid> status_id, origin_id, owner_user_id;
};

struct SlaBreach {
  Uuid id;  // the lead's
  leads::Lead lead;
  int sla_days = 0;
  double days_without_interaction = 0;
};
// The lead's JSON with sla_days and days_without_interaction.
boost::json::value to_json(const SlaBreach& breach, const boost::json::storage_ptr& sp);
schema::Schema json_schema(std::type_identity<SlaBreach>);

class LeadRepository {
 public:
  explicit LeadRepository(pg::Pool& pool) : pool_(pool) {}

  std::int64_t statements() const { return statements_.load(); }

  // Reference data.
  boost::asio::awaitable<std::vector<leads::ReferenceItem>> references(Reference which);
  boost::asio::awaitable<leads::ReferenceItem> insert_reference(
      pg::Transaction& tx, Reference which, const leads::ReferenceChanges& changes);
  // nullopt when no such row.
  boost::asio::awaitable<std::optional<leads::ReferenceItem>> update_reference(
      pg::Transaction& tx, Reference which, const Uuid& id, const leads::ReferenceChanges& changes);

  // Tags.
  boost::asio::awaitable<std::vector<leads::Tag>> tags();
  // The lock taken: the weakest that serves (a rename takes no lock that
  // holds up leads being tagged with it, which would invert the lock order
  // with the rename's trigger, that updates those leads).
  enum class TagLock { use, update, remove };
  boost::asio::awaitable<std::optional<leads::Tag>> find_tag(pg::Transaction& tx, const Uuid& id,
                                                             TagLock lock);
  boost::asio::awaitable<leads::Tag> insert_tag(pg::Transaction& tx,
                                                const leads::TagChanges& changes);
  boost::asio::awaitable<leads::Tag> update_tag(pg::Transaction& tx, const Uuid& id,
                                                const leads::TagChanges& changes);
  boost::asio::awaitable<void> delete_tag(pg::Transaction& tx, const Uuid& id);
  // The ids of the named tags (created when missing if may_create) and of
  // the given ids; Error{validation} for an unknown one.
  boost::asio::awaitable<std::vector<Uuid>> resolve_tags(pg::Transaction& tx,
                                                         const leads::TagSet& set, bool may_create);
  boost::asio::awaitable<void> set_lead_tags(pg::Transaction& tx, const Uuid& lead,
                                             const std::vector<Uuid>& tags);
  boost::asio::awaitable<void> add_lead_tag(pg::Transaction& tx, const Uuid& lead, const Uuid& tag);
  // false when the lead did not have the tag.
  boost::asio::awaitable<bool> remove_lead_tag(pg::Transaction& tx, const Uuid& lead,
                                               const Uuid& tag);

  // Leads.
  boost::asio::awaitable<std::vector<Listed<leads::Lead>>> list(
      const leads::LeadListQuery& query, std::size_t limit,
      const std::optional<PagePosition>& from);
  boost::asio::awaitable<std::optional<leads::Lead>> find(const Uuid& id);
  boost::asio::awaitable<std::optional<leads::Lead>> find(pg::Transaction& tx, const Uuid& id);
  boost::asio::awaitable<std::optional<leads::Lead>> lock(pg::Transaction& tx, const Uuid& id);
  // Error{validation} for an unknown owner.
  boost::asio::awaitable<leads::Lead> insert(pg::Transaction& tx, const LeadColumns& columns);
  // The lead's triggers keep updated_at and the interaction timestamps.
  // Answers the priority score's inputs as the update left them (nullopt
  // when there was nothing to write).
  boost::asio::awaitable<std::optional<leads::PriorityInputs>> update(pg::Transaction& tx,
                                                                      const Uuid& id,
                                                                      const LeadColumns& columns);
  boost::asio::awaitable<leads::PriorityInputs> priority_inputs(pg::Transaction& tx,
                                                                const Uuid& id);
  // Writes a recomputed score, when it changed, and answers the lead, in
  // one statement: not an interaction (crmd.derived_write, for the rest of
  // the transaction).
  boost::asio::awaitable<leads::Lead> rescore_and_find(pg::Transaction& tx, const Uuid& id,
                                                       int score);
  boost::asio::awaitable<leads::Lead> set_deleted(pg::Transaction& tx, const Uuid& id,
                                                  const std::optional<Uuid>& by, bool deleted);

  // Qualification.
  boost::asio::awaitable<bool> live_company_exists(pg::Transaction& tx, const Uuid& id);
  boost::asio::awaitable<leads::Lead> mark_qualified(pg::Transaction& tx, const Uuid& id,
                                                     const Uuid& company, const Uuid& deal,
                                                     const std::optional<Uuid>& by);
  // Links the lead's contacts that have no company to it; answers their ids.
  boost::asio::awaitable<std::vector<std::string>> copy_contacts_to_company(pg::Transaction& tx,
                                                                            const Uuid& lead,
                                                                            const Uuid& company);
  boost::asio::awaitable<leads::Lead> mark_disqualified(pg::Transaction& tx, const Uuid& id,
                                                        const std::string& reason);
  // Undoes a qualification (its deal soft-deleted, the company kept) and a
  // disqualification; a soft-deleted lead comes back too.
  boost::asio::awaitable<leads::Lead> restore(pg::Transaction& tx, const Uuid& id);

  // Lead contacts.
  boost::asio::awaitable<std::vector<leads::LeadContact>> contacts(const Uuid& lead);
  boost::asio::awaitable<bool> live_contact_exists(pg::Transaction& tx, const Uuid& id);
  // Locks the lead's contacts for update, in id order.
  boost::asio::awaitable<void> lock_contacts_of(pg::Transaction& tx, const Uuid& lead);
  // false when already linked.
  boost::asio::awaitable<bool> add_contact(pg::Transaction& tx, const Uuid& lead,
                                           const Uuid& contact);
  boost::asio::awaitable<bool> remove_contact(pg::Transaction& tx, const Uuid& lead,
                                              const Uuid& contact);
  // Clears the old primary and sets this one (false: not linked).
  boost::asio::awaitable<bool> set_primary_contact(pg::Transaction& tx, const Uuid& lead,
                                                   const Uuid& contact);

  boost::asio::awaitable<std::optional<leads::ActivityStats>> stats(const Uuid& lead);

  // Activities: logged one at a time, listed newest first in keyset pages.
  boost::asio::awaitable<leads::Activity> insert_activity(pg::Transaction& tx, const Uuid& lead,
                                                          const leads::NewActivity& activity,
                                                          const std::optional<Uuid>& created_by);
  boost::asio::awaitable<std::vector<Listed<leads::Activity>>> activities(
      const Uuid& lead, std::size_t limit, const std::optional<PagePosition>& from);
  // A calendar event's activities made to be one on each of leads (at, with
  // summary), and none on any other; the leads whose activities changed.
  boost::asio::awaitable<std::vector<Uuid>> follow_event(pg::Transaction& tx, const Uuid& event,
                                                         const std::vector<Uuid>& leads,
                                                         std::optional<Timestamp> at,
                                                         const std::optional<std::string>& summary);

  // The sales view: one statement (see the .cpp).
  boost::asio::awaitable<std::vector<Listed<leads::SalesViewRow>>> sales_view(
      const std::optional<Uuid>& owner, std::size_t limit, const std::optional<PagePosition>& from);

  // Live leads flagged by the SLA worker, longest without interaction first.
  // Live leads past their status's SLA, longest without interaction first.
  boost::asio::awaitable<std::vector<Listed<SlaBreach>>> sla_breaches(
      const std::optional<Uuid>& owner, std::size_t limit, const std::optional<PagePosition>& from);

 private:
  boost::asio::awaitable<pg::Result> run(std::string sql, pg::Params params);
  // A page's read (pg::Pool::read_page).
  boost::asio::awaitable<pg::Result> run_page(std::string sql, pg::Params params,
                                              pg::Format format = pg::Format::text);
  boost::asio::awaitable<pg::Result> run(pg::Transaction& tx, std::string sql, pg::Params params);
  boost::asio::awaitable<pg::Result> run(pg::Transaction& tx, std::string sql, pg::Params params,
                                         ErrorMapper map_error);

  pg::Pool& pool_;
  std::atomic<std::int64_t> statements_{0};
};

}  // namespace crmd::storage
