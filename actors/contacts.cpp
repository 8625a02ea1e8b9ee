#include "actors/contacts.hpp"

#include <map>

#include "domain/contacts/company.hpp"
#include "domain/identity/user.hpp"
#include "storage/audit.hpp"
#include "storage/audited_write.hpp"
#include "storage/sql.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using contacts::Contact;

namespace {

Error no_such_contact() {
  return Error(ErrorKind::not_found, "not_found", "no such contact");
}

Error not_yours() {
  return Error(ErrorKind::forbidden, "not_owner",
               "a sales user changes only its own contacts and unowned ones");
}

Error no_such_method() {
  return Error(ErrorKind::not_found, "not_found", "no such contact method");
}

}  // namespace

asio::awaitable<Contact> ContactService::get(Uuid id, bool include_deleted) {
  auto found = co_await repository_.find(id, include_deleted);
  if (!found) throw no_such_contact();
  co_return *found;
}

namespace {

// More companies than this are better read by the query itself.
constexpr std::size_t kMaxCachedCompanies = 5000;

std::string company_key(const contacts::ContactListQuery& q) {
  std::vector<std::string> names;
  for (const auto& name : q.companies) names.push_back(contacts::normalize_company_name(name));
  return contacts::Fingerprint()
      .add("company", names)
      .add("industry", storage::lowered(q.industries))
      .add("employees", q.employees)
      .digest();
}

}  // namespace

asio::awaitable<std::optional<storage::CompanyIds>> ContactService::matching_companies(
    const contacts::ContactListQuery& query) {
  if (!storage::filters_companies(query)) co_return std::nullopt;
  struct Lookup {
    std::optional<storage::CompanyIds> ids;
    std::uint64_t generation = 0;
  };
  const auto key = company_key(query);
  auto look_up = [this, key] { return Lookup{company_cache_.get(key), company_generation_}; };
  auto cached = co_await actor_.call(std::move(look_up));
  if (cached.ids) co_return cached.ids;
  auto ids = co_await repository_.companies_matching(query, kMaxCachedCompanies);
  if (!ids) co_return std::nullopt;
  // Kept only when no change of companies came while it was read.
  auto keep = [this, key, ids = *ids, generation = cached.generation] {
    if (generation == company_generation_) company_cache_.put(key, ids);
  };
  co_await actor_.call(std::move(keep));
  co_return ids;
}

asio::awaitable<std::vector<Listed<Contact>>> ContactService::list(contacts::ContactListQuery query,
                                                                   std::size_t limit,
                                                                   std::optional<PagePosition> from,
                                                                   std::size_t offset) {
  const auto companies = co_await matching_companies(query);
  const storage::CompanyIds* matched = companies ? &*companies : nullptr;
  co_return co_await repository_.list(query, limit, from, offset, matched);
}

asio::awaitable<std::int64_t> ContactService::count(contacts::ContactListQuery query) {
  const auto companies = co_await matching_companies(query);
  const storage::CompanyIds* matched = companies ? &*companies : nullptr;
  co_return co_await repository_.count(query, matched);
}

asio::awaitable<void> ContactService::follow_company_changes(pg::Listener& listener) {
  auto forget = [this] {
    ++company_generation_;
    company_cache_.clear();
  };
  try {
    auto subscription = co_await listener.subscribe("crmd_companies");
    // Whatever was read before the LISTEN took effect may be stale.
    co_await actor_.call(forget);
    for (;;) {
      co_await subscription->next();
      co_await actor_.call(forget);
    }
  } catch (const pg::Error&) {
    // The listener closed: shutting down.
  }
}

asio::awaitable<contacts::ApolloSearch> ContactService::analyze_apollo(std::string url) {
  // On the actor's strand: the cache is its state.
  auto analyze = [this, url = std::move(url)] {
    if (auto cached = apollo_cache_.get(url)) return *cached;
    auto search = contacts::map_apollo_url(url);
    apollo_cache_.put(url, search);
    return search;
  };
  co_return co_await actor_.call(std::move(analyze));
}

asio::awaitable<void> ContactService::resolve_named_companies(
    pg::Transaction& tx, const std::vector<contacts::ContactChanges*>& changes,
    std::vector<storage::AuditEntry>& audit) {
  std::vector<storage::CompanyRef> refs;
  for (const auto* c : changes)
    if (c->names_company())
      refs.push_back({c->company_name.value_or(c->company_domain.value_or("")), c->company_domain});
  if (refs.empty()) co_return;
  auto resolved = co_await storage::resolve_companies(tx, refs);
  for (auto* c : changes) {
    if (!c->names_company()) continue;
    const storage::CompanyRef ref{c->company_name.value_or(c->company_domain.value_or("")),
                                  c->company_domain};
    if (auto it = resolved.ids.find(ref.key()); it != resolved.ids.end())
      c->company_id = std::optional<Uuid>(it->second);
  }
  for (const auto& company : resolved.created)
    audit.emplace_back("company_created", "company", company.id.str(), std::nullopt,
                       contacts::to_json(company));
}

asio::awaitable<Contact> ContactService::create(contacts::ContactChanges changes,
                                                identity::RequestContext context) {
  if (!changes.owner_user_id && context.user_id()) changes.owner_user_id = context.user_id();
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  std::vector<storage::AuditEntry> companies;
  const std::vector<contacts::ContactChanges*> naming(1, &changes);
  co_await resolve_named_companies(tx, naming, companies);
  co_await storage::write_audits(tx, context, companies);
  auto created = co_await repository_.insert(tx, changes);
  {
    const storage::AuditEntry entry{"contact_created", "contact", created.id.str(), std::nullopt,
                                    contacts::to_json(created)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return created;
}

asio::awaitable<Contact> ContactService::update(Uuid id, contacts::ContactChanges changes,
                                                identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock(write.tx(), id);
  if (!before || before->deleted_at) throw no_such_contact();
  if (!contacts::may_change(*before, write.context())) throw not_yours();
  write.require_version(before->updated_at);
  std::vector<storage::AuditEntry> companies;
  const std::vector<contacts::ContactChanges*> naming(1, &changes);
  co_await resolve_named_companies(write.tx(), naming, companies);
  co_await storage::write_audits(write.tx(), write.context(), companies);
  auto after = co_await repository_.update(write.tx(), id, changes);
  const storage::AuditEntry entry{"contact_updated", "contact", id.str(),
                                  contacts::to_json(*before), contacts::to_json(after)};
  co_await write.commit(entry);
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

namespace {

// Fails the items whose company or owner is among the unknown ids.
void fail_unknown(std::vector<contacts::BatchItem>& items, const std::vector<Uuid>& companies,
                  const std::vector<Uuid>& owners) {
  const auto among = [](const std::vector<Uuid>& ids, const Change<Uuid>& id) {
    return id && *id && std::find(ids.begin(), ids.end(), **id) != ids.end();
  };
  for (auto& item : items) {
    if (!item.changes) continue;
    if (among(companies, item.changes->company_id))
      item.errors.push_back({"company_id", "no such company"});
    if (among(owners, item.changes->owner_user_id))
      item.errors.push_back({"owner_user_id", "no such user"});
    if (!item.errors.empty()) item.changes.reset();
  }
}

}  // namespace

asio::awaitable<std::vector<contacts::BatchResult>> ContactService::upsert_batch(
    std::vector<contacts::BatchItem> items, identity::RequestContext context) {
  std::vector<std::string> emails;
  std::vector<Uuid> company_ids, owner_ids;
  for (const auto& item : items) {
    if (!item.changes) continue;
    const auto& c = *item.changes;
    if (c.email && *c.email) emails.push_back(**c.email);
    if (c.company_id && *c.company_id) company_ids.push_back(**c.company_id);
    if (c.owner_user_id && *c.owner_user_id) owner_ids.push_back(**c.owner_user_id);
  }
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  const auto unknown_companies = co_await repository_.unknown_companies(tx, company_ids);
  const auto unknown_owners = co_await repository_.unknown_users(tx, owner_ids);
  fail_unknown(items, unknown_companies, unknown_owners);
  std::vector<storage::AuditEntry> audit;
  std::vector<contacts::ContactChanges*> naming;
  for (auto& item : items)
    if (item.changes) naming.push_back(&*item.changes);
  co_await resolve_named_companies(tx, naming, audit);
  std::map<std::string, Contact> existing;
  auto locked = co_await repository_.lock_by_emails(tx, emails);
  for (auto& contact : locked)
    existing.emplace(identity::normalize_email(*contact.email), std::move(contact));

  std::vector<contacts::BatchResult> results;
  for (auto& item : items) {
    if (!item.changes) {
      results.push_back({item.index, "error", std::nullopt, std::move(item.errors)});
      continue;
    }
    auto& changes = *item.changes;
    const auto found = changes.email && *changes.email
                           ? existing.find(identity::normalize_email(**changes.email))
                           : existing.end();
    if (found != existing.end()) {
      auto after = co_await repository_.update(tx, found->second.id, changes);
      audit.emplace_back("contact_updated", "contact", after.id.str(),
                         contacts::to_json(found->second), contacts::to_json(after));
      results.push_back({item.index, "updated", after.id, {}});
    } else {
      if (!changes.owner_user_id && context.user_id()) changes.owner_user_id = context.user_id();
      auto created = co_await repository_.insert(tx, changes);
      audit.emplace_back("contact_created", "contact", created.id.str(), std::nullopt,
                         contacts::to_json(created));
      results.push_back({item.index, "created", created.id, {}});
    }
  }
  co_await storage::write_audits(tx, context, audit);
  co_await scope.commit();
  co_return results;
}

asio::awaitable<void> ContactService::lock_live(pg::Transaction& tx, const Uuid& id,
                                                const identity::RequestContext& context) {
  auto contact = co_await repository_.lock(tx, id);
  if (!contact || contact->deleted_at) throw no_such_contact();
  if (!contacts::may_change(*contact, context)) throw not_yours();
}

asio::awaitable<std::vector<contacts::ContactMethod>> ContactService::methods(Uuid contact_id) {
  co_await get(contact_id, false);
  auto methods = co_await methods_.list(contact_id);
  co_return methods;
}

asio::awaitable<contacts::ContactMethod> ContactService::add_method(
    Uuid contact_id, contacts::ContactMethodChanges changes, identity::RequestContext context) {
  auto scope = co_await storage::WriteScope::begin(pool_, context);
  auto& tx = scope.tx();
  co_await lock_live(tx, contact_id, context);
  const auto existing = co_await methods_.count(tx, contact_id);
  if (existing >= static_cast<std::int64_t>(contacts::kMaxMethodsPerContact))
    throw Error(ErrorKind::conflict, "too_many_methods",
                "a contact has at most " + std::to_string(contacts::kMaxMethodsPerContact) +
                    " contact methods");
  auto method = co_await methods_.insert(tx, contact_id, changes);
  {
    const storage::AuditEntry entry{"contact_method_added", "contact", contact_id.str(),
                                    std::nullopt, contacts::to_json(method)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await scope.commit();
  co_return method;
}

asio::awaitable<contacts::ContactMethod> ContactService::update_method(
    Uuid contact_id, Uuid id, boost::json::value body, identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  co_await lock_live(tx, contact_id, context);
  auto before = co_await methods_.find(tx, contact_id, id);
  if (!before) throw no_such_method();
  const auto changes = contacts::parse_contact_method(body, before->type);
  auto after = co_await methods_.update(tx, *before, changes);
  {
    const storage::AuditEntry entry{"contact_method_updated", "contact", contact_id.str(),
                                    contacts::to_json(*before), contacts::to_json(after)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
  co_return after;
}

asio::awaitable<void> ContactService::remove_method(Uuid contact_id, Uuid id,
                                                    identity::RequestContext context) {
  auto tx = co_await pool_.begin();
  co_await lock_live(tx, contact_id, context);
  auto before = co_await methods_.find(tx, contact_id, id);
  if (!before) throw no_such_method();
  co_await methods_.remove(tx, id);
  {
    const storage::AuditEntry entry{"contact_method_removed", "contact", contact_id.str(),
                                    contacts::to_json(*before)};
    co_await storage::write_audit(tx, context, entry);
  }
  co_await tx.commit();
}

}  // namespace crmd::actors
