#include "actors/leads.hpp"

#include <algorithm>
#include <cctype>

#include "domain/leads/scoring.hpp"
#include "storage/audit.hpp"
#include "storage/audited_write.hpp"
#include "storage/leads/workers.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using leads::Lead;
using storage::Reference;

namespace {

Error no_such_lead() {
  return Error(ErrorKind::not_found, "not_found", "no such lead");
}

bool may_see(const Lead& lead, const identity::RequestContext& context) {
  const auto own = own_leads_only(context);
  return !own || lead.owner_user_id == *own;
}

// Codes are matched case-insensitively: "new" is NEW.
std::optional<Uuid> find_code(const std::vector<leads::ReferenceItem>& items,
                              const std::string& code) {
  const auto same = [](std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) ==
             std::tolower(static_cast<unsigned char>(y));
    });
  };
  for (const auto& item : items)
    if (item.is_active && same(item.code, code)) return item.id;
  return std::nullopt;
}

// The status a new lead starts in: the lowest-ordered active one (NEW).
const leads::ReferenceItem* first_active(const std::vector<leads::ReferenceItem>& items) {
  const leads::ReferenceItem* first = nullptr;
  for (const auto& item : items)
    if (item.is_active && (!first || item.sort_order < first->sort_order)) first = &item;
  return first;
}

const char* entity_of(Reference which) {
  return which == Reference::statuses ? "lead_status" : "lead_origin";
}

}  // namespace

std::optional<Uuid> own_leads_only(const identity::RequestContext& context) {
  if (context.principal && context.principal->role == identity::Role::sales)
    return context.principal->id;
  return std::nullopt;
}

// ---- reference data and its cache

asio::awaitable<LeadService::Snapshot> LeadService::cache() {
  bool stale = false;
  {
    std::lock_guard lock(snapshot_mutex_);
    stale = snapshot_ && std::chrono::steady_clock::now() - snapshot_at_ > kReferenceTtl;
    if (snapshot_ && !stale) co_return snapshot_;
  }
  // Besides NOTIFY, a TTL: a notification lost with a half-open LISTEN
  // connection cannot keep a stale cache for long.
  if (stale) co_await invalidate();
  auto load = [this]() -> asio::awaitable<Snapshot> {
    while (!cache_.loaded) {
      const auto generation = cache_.generation;
      auto statuses = co_await repository_.references(Reference::statuses);
      auto origins = co_await repository_.references(Reference::origins);
      // An invalidation while loading: what was read may be stale.
      if (generation != cache_.generation) continue;
      cache_.statuses = std::move(statuses);
      cache_.origins = std::move(origins);
      cache_.loaded = true;
      std::lock_guard lock(snapshot_mutex_);
      snapshot_ = std::make_shared<const Cache>(cache_);
      snapshot_at_ = std::chrono::steady_clock::now();
    }
    Snapshot loaded;
    {
      std::lock_guard lock(snapshot_mutex_);
      loaded = snapshot_;
    }
    if (!loaded) loaded = std::make_shared<const Cache>(cache_);
    co_return loaded;
  };
  co_return co_await actor_.call(std::move(load));
}

asio::awaitable<void> LeadService::invalidate() {
  auto drop = [this] {
    cache_.loaded = false;
    ++cache_.generation;
    std::lock_guard lock(snapshot_mutex_);
    snapshot_.reset();
  };
  co_await actor_.call(std::move(drop));
}

asio::awaitable<void> LeadService::follow_changes(pg::Listener& listener) {
  try {
    auto subscription = co_await listener.subscribe(kLeadReferenceChannel);
    // What was cached before LISTEN took effect may have missed a change.
    co_await invalidate();
    for (;;) {
      co_await subscription->next();  // a change, or possibly missed ones
      co_await invalidate();
    }
  } catch (const pg::Error&) {
    // The listener closed: shutting down.
  }
}

asio::awaitable<std::vector<leads::ReferenceItem>> LeadService::references(Reference which) {
  const auto cached = co_await cache();
  if (which == Reference::statuses) co_return cached->statuses;
  co_return cached->origins;
}

asio::awaitable<leads::ReferenceItem> LeadService::create_reference(
    Reference which, leads::ReferenceChanges changes, identity::RequestContext context) {
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  auto item = co_await repository_.insert_reference(tx, which, changes);
  {
    const storage::AuditEntry entry{std::string(entity_of(which)) + "_created", entity_of(which),
                                    item.id.str(), std::nullopt,
                                    leads::to_json(item, which == Reference::statuses)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_await invalidate();  // at once here; elsewhere on NOTIFY
  co_return item;
}

asio::awaitable<leads::ReferenceItem> LeadService::update_reference(
    Reference which, Uuid id, leads::ReferenceChanges changes, identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  auto item = co_await repository_.update_reference(tx, which, id, changes);
  if (!item)
    throw Error(ErrorKind::not_found, "not_found",
                which == Reference::statuses ? "no such lead status" : "no such lead origin");
  {
    const storage::AuditEntry entry{std::string(entity_of(which)) + "_updated", entity_of(which),
                                    id.str(), std::nullopt,
                                    leads::to_json(*item, which == Reference::statuses)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_await invalidate();
  co_return *item;
}

asio::awaitable<storage::LeadColumns> LeadService::resolve(const leads::LeadChanges& changes) {
  storage::LeadColumns columns;
  columns.title = changes.title;
  columns.trade_name = changes.trade_name;
  columns.address_city = changes.address_city;
  columns.address_state = changes.address_state;
  columns.owner_user_id = changes.owner_user_id;
  if (!changes.status && !changes.origin) co_return columns;
  const auto cached = co_await cache();
  std::vector<FieldError> errors;
  if (changes.status) {
    columns.status_id.emplace();
    if (*changes.status) {
      *columns.status_id = find_code(cached->statuses, **changes.status);
      if (!*columns.status_id) errors.push_back({"status", "no such active lead status"});
    }
  }
  if (changes.origin) {
    columns.origin_id.emplace();
    if (*changes.origin) {
      *columns.origin_id = find_code(cached->origins, **changes.origin);
      if (!*columns.origin_id) errors.push_back({"origin", "no such active lead origin"});
    }
  }
  if (!errors.empty())
    throw Error(ErrorKind::validation, "validation_error", "invalid lead", std::move(errors));
  co_return columns;
}

// ---- leads

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
  if (!changes.status) {
    const auto cached = co_await cache();
    if (const auto* first = first_active(cached->statuses))
      changes.status = std::optional<std::string>(first->code);
  }
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

// ---- qualification

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
  const auto deal_title = request.deal_title.value_or(before->title);
  const auto deal =
      co_await repository_.insert_deal(tx, deal_title, company, id, context.user_id());
  auto after = co_await repository_.mark_qualified(tx, id, company, deal, context.user_id());
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

// ---- tags

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

// ---- lead contacts

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
