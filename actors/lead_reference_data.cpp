// Lead statuses and origins: the cache on the leads actor's strand, its
// invalidation, and the codes resolved through it.
#include <algorithm>
#include <cctype>

#include "actors/leads.hpp"
#include "storage/audit.hpp"
#include "storage/write_scope.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using storage::Reference;

namespace {

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

asio::awaitable<std::optional<std::string>> LeadService::default_status() {
  const auto cached = co_await cache();
  const auto* first = first_active(cached->statuses);
  co_return first ? std::optional<std::string>(first->code) : std::nullopt;
}

}  // namespace crmd::actors
