// The SQL of the drive: the records that own drives, folders, files,
// listings, search and templates.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/page.hpp"
#include "domain/drive/entity.hpp"
#include "domain/drive/item.hpp"
#include "domain/drive/template.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// What the drive needs of the record it belongs to.
struct DriveEntity {
  std::string name;
  std::optional<Uuid> owner;  // the user who owns it (companies have none)
};

struct NewDriveFile {
  Uuid id;
  Uuid folder_id;
  drive::EntityType entity_type = drive::EntityType::company;
  Uuid entity_id;
  std::string name, mime_type;
  std::int64_t size = 0;
  std::string sha256;
  std::optional<std::string> blob, google_id;
  bool uploading = false;
  std::optional<Uuid> uploaded_by;
};

// Who a search may show: everything, or (sales) companies' and contacts'
// drives and those of the leads and deals `owner` owns.
struct DriveSearch {
  std::string text;  // a fragment of the name
  std::optional<drive::EntityType> entity_type;
  std::optional<Uuid> entity_id;
  std::optional<std::string> mime_type;
  std::optional<Uuid> visible_to;
  bool include_deleted = false;
};

class DriveRepository {
 public:
  explicit DriveRepository(pg::Pool& pool) : pool_(pool) {}

  // A live record; nullopt for a missing or deleted one.
  boost::asio::awaitable<std::optional<DriveEntity>> entity(drive::EntityType type, Uuid id);

  // ---- folders
  boost::asio::awaitable<std::optional<drive::Folder>> root(drive::EntityType type, Uuid id);
  // The root, or nullopt when another transaction made it first (this one
  // then waited for that one to end, as a unique index makes it).
  boost::asio::awaitable<std::optional<drive::Folder>> insert_root(
      pg::Transaction& tx, drive::EntityType type, Uuid entity_id, const std::string& name,
      const std::optional<std::string>& google_id, const std::optional<Uuid>& created_by);
  boost::asio::awaitable<drive::Folder> insert_folder(pg::Transaction& tx,
                                                      const drive::Folder& parent,
                                                      const std::string& name,
                                                      const std::optional<std::string>& google_id,
                                                      const std::optional<Uuid>& created_by);
  boost::asio::awaitable<drive::Folder> set_folder_google_id(pg::Transaction& tx, Uuid id,
                                                             const std::string& google_id);
  boost::asio::awaitable<std::optional<drive::Folder>> folder(Uuid id);
  boost::asio::awaitable<std::optional<drive::Folder>> lock_folder(pg::Transaction& tx, Uuid id);
  boost::asio::awaitable<drive::Folder> place_folder(pg::Transaction& tx, Uuid id,
                                                     const drive::Placement& placement);
  // Whether folder is ancestor or inside its subtree.
  boost::asio::awaitable<bool> within(pg::Transaction& tx, Uuid folder, Uuid ancestor);
  // From the entity's root down to the folder.
  boost::asio::awaitable<std::vector<drive::Breadcrumb>> breadcrumbs(Uuid folder);
  // Marks the folder and everything live under it deleted, at one time
  // (restore brings back what went with it, not what was deleted before).
  boost::asio::awaitable<drive::Folder> delete_folder(pg::Transaction& tx, Uuid id,
                                                      const std::optional<Uuid>& by,
                                                      const std::optional<std::string>& reason);
  boost::asio::awaitable<drive::Folder> restore_folder(pg::Transaction& tx,
                                                       const drive::Folder& folder);

  // The children of a folder, folders first, by name.
  boost::asio::awaitable<std::vector<Listed<drive::Entry>>> children(
      Uuid folder, bool include_deleted, std::size_t limit,
      const std::optional<PagePosition>& from);
  boost::asio::awaitable<std::vector<Listed<drive::Entry>>> search(
      const DriveSearch& search, std::size_t limit, const std::optional<PagePosition>& from);

  // ---- files
  boost::asio::awaitable<drive::File> insert_file(pg::Transaction& tx, const NewDriveFile& file);
  boost::asio::awaitable<std::optional<drive::File>> file(Uuid id);
  boost::asio::awaitable<std::optional<drive::File>> lock_file(pg::Transaction& tx, Uuid id);
  boost::asio::awaitable<drive::File> place_file(pg::Transaction& tx, Uuid id,
                                                 const drive::Placement& placement);
  boost::asio::awaitable<drive::File> delete_file(pg::Transaction& tx, Uuid id,
                                                  const std::optional<Uuid>& by,
                                                  const std::optional<std::string>& reason);
  boost::asio::awaitable<drive::File> restore_file(pg::Transaction& tx, Uuid id);
  boost::asio::awaitable<void> remove_file(pg::Transaction& tx, Uuid id);
  // A Google upload: its resumable session as soon as it has one, then the
  // Drive file it became.
  boost::asio::awaitable<void> set_upload_session(Uuid file, const std::string& session);
  // An upload that failed before it was stored: its row goes.
  boost::asio::awaitable<void> forget_upload(Uuid file);
  boost::asio::awaitable<drive::File> finish_upload(pg::Transaction& tx, Uuid file,
                                                    const std::string& google_id);
  // Uploads left 'uploading' longer than `stale` (their process died);
  // claimed by moving updated_at, so one process takes each.
  boost::asio::awaitable<std::vector<drive::File>> claim_stale_uploads(std::chrono::seconds stale,
                                                                       std::size_t limit);

  // ---- templates
  boost::asio::awaitable<std::vector<drive::Template>> templates();
  boost::asio::awaitable<std::optional<drive::Template>> active_template(drive::EntityType type);
  boost::asio::awaitable<std::optional<drive::Template>> lock_template(pg::Transaction& tx,
                                                                       Uuid id);
  boost::asio::awaitable<drive::Template> insert_template(pg::Transaction& tx,
                                                          const drive::TemplateChanges& changes);
  boost::asio::awaitable<drive::Template> update_template(pg::Transaction& tx, Uuid id,
                                                          const drive::TemplateChanges& changes);
  // Before a template of type becomes active: the others stop being.
  boost::asio::awaitable<void> deactivate_templates(pg::Transaction& tx, drive::EntityType type,
                                                    const std::optional<Uuid>& keep);
  boost::asio::awaitable<void> delete_template(pg::Transaction& tx, Uuid id);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
