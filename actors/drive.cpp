#include "actors/drive.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/audited_write.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using drive::EntityType;
using drive::Folder;
using drive::Permission;

namespace {

// The user a principal acts as (an API key: its creator).
Uuid acting_user(const identity::Principal& p) {
  return p.acting_user.value_or(p.id);
}

std::string entity_key(EntityType type, const Uuid& id) {
  return std::string(to_string(type)) + ":" + id.str();
}

std::string listing_key(const Uuid& folder, const ListingRequest& r) {
  std::string key = folder.str() + (r.include_deleted ? "|d|" : "|l|") + std::to_string(r.limit);
  if (r.from) key += (r.from->backward ? "|p|" : "|n|") + r.from->id.str() + "|" + r.from->sort_key;
  return key;
}

Error no_such_drive() {
  return Error(ErrorKind::not_found, "not_found", "no such record");
}

}  // namespace

storage::AuditEntry drive_entry(std::string action, const Uuid& id,
                                std::optional<boost::json::value> before,
                                std::optional<boost::json::value> after) {
  return {std::move(action), "drive", id.str(), std::move(before), std::move(after)};
}

Error drive_forbidden(std::string_view what) {
  return Error(ErrorKind::forbidden, "forbidden",
               "your permission on this drive does not allow you to " + std::string(what));
}

asio::awaitable<void> DriveService::follow_changes(pg::Listener& listener) {
  try {
    auto subscription = co_await listener.subscribe(kDriveChannel);
    co_await invalidate();
    for (;;) {
      co_await subscription->next();
      co_await invalidate();
    }
  } catch (const pg::Error&) {
    // The listener closed: shutting down.
  }
}

asio::awaitable<void> DriveService::invalidate() {
  auto clear = [this] {
    ++generation_;
    roots_.clear();
    listings_.clear();
  };
  co_await actor_.call(std::move(clear));
}

asio::awaitable<DriveService::Access> DriveService::access(
    EntityType type, Uuid entity, const identity::RequestContext& context) {
  auto found = co_await repository_.entity(type, entity);
  if (!found || !context.principal) throw no_such_drive();
  const auto& p = *context.principal;
  const bool owns = found->owner && *found->owner == acting_user(p);
  const auto permission = drive::permission_of(p.role, type, owns);
  if (!drive::may_read(permission)) throw no_such_drive();
  co_return Access{permission, std::move(*found)};
}

asio::awaitable<std::pair<Folder, DriveService::Access>> DriveService::folder_access(
    Uuid id, bool include_deleted, const identity::RequestContext& context) {
  auto folder = co_await repository_.folder(id);
  if (!folder) throw drive::no_such_folder();
  Access granted;
  try {
    granted = co_await access(folder->entity_type, folder->entity_id, context);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::not_found) throw;
    granted.permission = Permission::none;
  }
  if (granted.permission == Permission::none) throw drive::no_such_folder();
  const bool sees_deleted =
      include_deleted && at_least(context.principal->role, identity::Role::manager);
  if (folder->deleted && !sees_deleted) throw drive::no_such_folder();
  co_return std::pair{std::move(*folder), std::move(granted)};
}

asio::awaitable<DriveListing> DriveService::list_entity(EntityType type, Uuid entity,
                                                        ListingRequest request,
                                                        identity::RequestContext context) {
  auto granted = co_await access(type, entity, context);
  auto root = co_await ensure_root(type, entity, granted.entity.name, context);
  co_return co_await listing(std::move(root), granted.permission, request);
}

asio::awaitable<DriveListing> DriveService::list_folder(Uuid id, ListingRequest request,
                                                        identity::RequestContext context) {
  auto [folder, granted] = co_await folder_access(id, request.include_deleted, context);
  co_return co_await listing(std::move(folder), granted.permission, request);
}

asio::awaitable<DriveListing> DriveService::listing(Folder folder, Permission permission,
                                                    ListingRequest request) {
  const auto key = listing_key(folder.id, request);
  auto lookup = [this, key] {
    return std::pair{listings_.get(key).value_or(nullptr), generation_};
  };
  auto [cached, generation] = co_await actor_.call(std::move(lookup));
  if (!cached) {
    auto fresh = std::make_shared<CachedListing>();
    fresh->folder = folder;
    fresh->breadcrumbs = co_await repository_.breadcrumbs(folder.id);
    fresh->rows = co_await repository_.children(folder.id, request.include_deleted, request.limit,
                                                request.from);
    // Kept only if nothing changed while it was read.
    auto keep = [this, key, fresh, generation] {
      if (generation == generation_) listings_.put(key, fresh);
    };
    co_await actor_.call(std::move(keep));
    cached = std::move(fresh);
  }
  co_return DriveListing{std::move(folder), cached->breadcrumbs, permission, cached->rows};
}

asio::awaitable<std::vector<Listed<drive::Entry>>> DriveService::search(
    storage::DriveSearch search, std::size_t limit, std::optional<PagePosition> from,
    identity::RequestContext context) {
  const auto& p = *context.principal;
  if (!at_least(p.role, identity::Role::manager)) {
    search.visible_to = acting_user(p);
    search.include_deleted = false;
  }
  co_return co_await repository_.search(search, limit, from);
}

// ---- roots

asio::awaitable<Folder> DriveService::ensure_root(EntityType type, Uuid entity,
                                                  std::string entity_name,
                                                  identity::RequestContext context) {
  const auto key = entity_key(type, entity);
  auto on_strand = [this, type, entity, key, entity_name = std::move(entity_name),
                    context = std::move(context)]() mutable -> asio::awaitable<Folder> {
    if (auto cached = roots_.get(key)) co_return *cached;
    const EntityKey pending_key{type, entity};
    if (auto it = pending_roots_.find(pending_key); it != pending_roots_.end()) {
      auto pending = it->second;
      boost::system::error_code ec;
      co_await pending->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (pending->error) std::rethrow_exception(pending->error);
      co_return *pending->folder;
    }
    auto pending = std::make_shared<PendingRoot>(actor_.executor());
    pending->done.expires_at(asio::steady_timer::time_point::max());
    pending_roots_.emplace(pending_key, pending);
    const auto generation = generation_;
    try {
      pending->folder =
          co_await make_root(type, entity, std::move(entity_name), std::move(context));
    } catch (...) {
      pending->error = std::current_exception();
    }
    pending_roots_.erase(pending_key);
    pending->done.cancel();
    if (pending->error) std::rethrow_exception(pending->error);
    if (generation == generation_) roots_.put(key, *pending->folder);
    co_return *pending->folder;
  };
  co_return co_await actor_.call(std::move(on_strand));
}

namespace {

struct RootWriter {
  storage::DriveRepository& repository;
  DriveBackend& backend;
  storage::AuditedWrite& write;

  asio::awaitable<void> audit_created(const Folder& folder) {
    const auto entry =
        drive_entry("folder_created", folder.id, std::nullopt, drive::to_json(folder));
    co_await write.audit(entry);
  }

  asio::awaitable<void> create(const Folder& parent,
                               const std::vector<drive::RenderedFolder>& children) {
    for (const auto& child : children) {
      auto remote = co_await backend.create_folder(child.name, parent.google_id);
      auto folder = co_await repository.insert_folder(write.tx(), parent, child.name, remote,
                                                      write.context().user_id());
      co_await audit_created(folder);
      co_await create(folder, child.children);
    }
  }
};

// The root's name in the backend: the record's id keeps two records of one
// name apart, and makes the name search that finds a half-made root exact.
std::string remote_root_name(const std::string& name, EntityType type, const Uuid& entity) {
  return name + " (" + std::string(to_string(type)) + " " + entity.str() + ")";
}

}  // namespace

asio::awaitable<Folder> DriveService::make_root(EntityType type, Uuid entity,
                                                std::string entity_name,
                                                identity::RequestContext context) {
  if (auto existing = co_await repository_.root(type, entity)) co_return *existing;
  const auto chosen = co_await repository_.active_template(type);
  const auto values = drive::placeholder_values(
      type, entity, entity_name,
      std::chrono::time_point_cast<Timestamp::duration>(std::chrono::system_clock::now()));
  const auto name = drive::render_name("{{entity_name}}", values);
  // The root's own transaction: a request's Idempotency-Key transaction
  // has nothing to do with it.
  context.transaction = nullptr;
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto root = co_await repository_.insert_root(write.tx(), type, entity, name, std::nullopt,
                                               write.context().user_id());
  if (!root) {
    // Another process made it; the insert waited for it to commit.
    auto made = co_await repository_.root(type, entity);
    if (!made) throw Error(ErrorKind::conflict, "drive_busy", "the drive is being made; retry");
    co_return *made;
  }
  auto remote = co_await backend_.create_folder(remote_root_name(name, type, entity), std::nullopt);
  if (remote) root = co_await repository_.set_folder_google_id(write.tx(), root->id, *remote);
  RootWriter writer{repository_, backend_, write};
  if (chosen) co_await writer.create(*root, drive::render(chosen->nodes, values));
  const auto entry = drive_entry("folder_created", root->id, std::nullopt, drive::to_json(*root));
  co_await write.commit(entry);
  co_return *root;
}

}  // namespace crmd::actors
