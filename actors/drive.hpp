// The drive: a folder tree per CRM record (company, lead, deal, contact),
// made from its type's active template the first time anyone asks for it,
// with files, soft delete and restore, search and templates.
//
// The drive actor's strand owns what must be coordinated in one process:
// the roots being made (concurrent first requests for one record wait for
// the one that makes it; across processes the unique root index decides)
// and the caches of roots and listings, emptied by NOTIFY crmd_drive from
// any process and at once by this process's own writes.
//
// Who may do what is domain/drive/entity.hpp's permission_of(); a record
// the caller may not see answers 404, like a missing one.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>

#include "actors/actor.hpp"
#include "actors/drive_backend.hpp"
#include "domain/common/ttl_cache.hpp"
#include "domain/drive/item.hpp"
#include "domain/drive/template.hpp"
#include "domain/identity/principal.hpp"
#include "storage/audit.hpp"
#include "storage/drive/repository.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

inline constexpr const char* kDriveChannel = "crmd_drive";

// A folder's children as one page, with where the folder is and what the
// caller may do there.
struct DriveListing {
  drive::Folder folder;
  std::vector<drive::Breadcrumb> breadcrumbs;
  drive::Permission permission = drive::Permission::none;
  std::vector<Listed<drive::Entry>> rows;
};

struct ListingRequest {
  bool include_deleted = false;
  std::size_t limit = 25;
  std::optional<PagePosition> from;
};

class DriveService {
 public:
  // Staged uploads of files that are not kept are removed on blocking.
  // drive_dir: the blob store's folder of drive files.
  DriveService(Actor& actor, pg::Pool& pool, DriveBackend& backend,
               boost::asio::thread_pool& blocking, std::string drive_dir)
      : actor_(actor),
        pool_(pool),
        repository_(pool),
        backend_(backend),
        blocking_(blocking),
        drive_dir_(std::move(drive_dir)) {}

  const std::string& drive_dir() const { return drive_dir_; }

  DriveBackend& backend() { return backend_; }
  storage::DriveRepository& repository() { return repository_; }

  // Empties the caches on every change of the drive anywhere.
  boost::asio::awaitable<void> follow_changes(pg::Listener& listener);

  // The record's root (made now if it has none) and its children.
  boost::asio::awaitable<DriveListing> list_entity(drive::EntityType type, Uuid entity,
                                                   ListingRequest request,
                                                   identity::RequestContext context);
  boost::asio::awaitable<DriveListing> list_folder(Uuid folder, ListingRequest request,
                                                   identity::RequestContext context);
  boost::asio::awaitable<std::vector<Listed<drive::Entry>>> search(
      storage::DriveSearch search, std::size_t limit, std::optional<PagePosition> from,
      identity::RequestContext context);

  // ---- folders
  boost::asio::awaitable<drive::Folder> create_folder(Uuid parent, std::string name,
                                                      identity::RequestContext context);
  boost::asio::awaitable<drive::Folder> update_folder(Uuid id, drive::Placement placement,
                                                      identity::RequestContext context);
  boost::asio::awaitable<drive::Folder> delete_folder(Uuid id, std::optional<std::string> reason,
                                                      identity::RequestContext context);
  boost::asio::awaitable<drive::Folder> restore_folder(Uuid id, identity::RequestContext context);

  // ---- files
  // Takes the staged upload into the folder (the staged file is the
  // service's from the call on, kept or removed).
  boost::asio::awaitable<drive::File> upload(Uuid folder, StagedFile staged, std::string name,
                                             std::string mime_type,
                                             identity::RequestContext context);
  // Uploads to a remote backend whose process died on the way: resumed
  // from their persisted session (the scheduler's drive_uploads job).
  boost::asio::awaitable<std::size_t> resume_stale_uploads(std::chrono::seconds stale);
  // A file the caller may read; deleted ones only when include_deleted (and
  // the caller may see deleted things).
  boost::asio::awaitable<drive::File> file(Uuid id, bool include_deleted,
                                           identity::RequestContext context);
  boost::asio::awaitable<drive::File> update_file(Uuid id, drive::Placement placement,
                                                  identity::RequestContext context);
  boost::asio::awaitable<drive::File> delete_file(Uuid id, std::optional<std::string> reason,
                                                  identity::RequestContext context);
  boost::asio::awaitable<drive::File> restore_file(Uuid id, identity::RequestContext context);
  // Owners: a deleted file's row and content go for good (409 while it is
  // not deleted: it is purged from the trash).
  boost::asio::awaitable<void> purge_file(Uuid id, identity::RequestContext context);

  // ---- templates (admins; the routes check)
  boost::asio::awaitable<std::vector<drive::Template>> templates() {
    co_return co_await repository_.templates();
  }
  boost::asio::awaitable<drive::Template> template_(Uuid id);
  boost::asio::awaitable<drive::Template> create_template(drive::TemplateChanges changes,
                                                          identity::RequestContext context);
  boost::asio::awaitable<drive::Template> update_template(Uuid id, drive::TemplateChanges changes,
                                                          identity::RequestContext context);
  boost::asio::awaitable<void> delete_template(Uuid id, identity::RequestContext context);

  // Forgets what this process cached (after its own writes, and on NOTIFY).
  boost::asio::awaitable<void> invalidate();

 private:
  struct Access {
    drive::Permission permission = drive::Permission::none;
    storage::DriveEntity entity;
  };
  using EntityKey = std::pair<drive::EntityType, Uuid>;
  struct PendingRoot {
    explicit PendingRoot(const Actor::Executor& strand) : done(strand) {}
    boost::asio::steady_timer done;
    std::optional<drive::Folder> folder;
    std::exception_ptr error;
  };
  struct CachedListing {
    drive::Folder folder;
    std::vector<drive::Breadcrumb> breadcrumbs;
    std::vector<Listed<drive::Entry>> rows;
  };

  // What the caller may do in the record's drive; 404 when nothing, or when
  // the record is gone.
  boost::asio::awaitable<Access> access(drive::EntityType type, Uuid entity,
                                        const identity::RequestContext& context);
  // The access to the folder's drive; 404 for a folder the caller may not
  // see (a deleted one unless include_deleted and the caller is a manager
  // or admin).
  boost::asio::awaitable<std::pair<drive::Folder, Access>> folder_access(
      Uuid id, bool include_deleted, const identity::RequestContext& context);
  boost::asio::awaitable<drive::Folder> ensure_root(drive::EntityType type, Uuid entity,
                                                    std::string entity_name,
                                                    identity::RequestContext context);
  boost::asio::awaitable<drive::Folder> make_root(drive::EntityType type, Uuid entity,
                                                  std::string entity_name,
                                                  identity::RequestContext context);
  // The folder a file may move or be restored into: live, of the same drive.
  boost::asio::awaitable<drive::Folder> live_folder_of_drive(Uuid id, const drive::Folder& of,
                                                             std::string_view field);
  // The staged file's content into the backend, then its row 'stored' and
  // audited (a remote backend's upload, first or resumed).
  boost::asio::awaitable<drive::File> send_to_backend(drive::File file, StagedFile staged,
                                                      std::optional<std::string> parent,
                                                      identity::RequestContext context);
  boost::asio::awaitable<DriveListing> listing(drive::Folder folder, drive::Permission permission,
                                               ListingRequest request);

  Actor& actor_;
  pg::Pool& pool_;
  storage::DriveRepository repository_;
  DriveBackend& backend_;
  boost::asio::thread_pool& blocking_;
  std::string drive_dir_;
  // On the actor's strand:
  std::map<EntityKey, std::shared_ptr<PendingRoot>> pending_roots_;
  TtlCache<std::string, drive::Folder> roots_{10000, std::chrono::minutes(10)};
  TtlCache<std::string, std::shared_ptr<const CachedListing>> listings_{2000,
                                                                        std::chrono::minutes(1)};
  std::uint64_t generation_ = 0;  // bumped by every invalidation
};

// The audit row (and event) of a drive change: entity "drive", so that
// action "file_uploaded" is the event drive.file_uploaded.
storage::AuditEntry drive_entry(std::string action, const Uuid& id,
                                std::optional<boost::json::value> before,
                                std::optional<boost::json::value> after);

// 403: the caller may see the drive but not do this in it.
Error drive_forbidden(std::string_view what);

}  // namespace crmd::actors
