#include "domain/common/error.hpp"
#include "storage/drive/repository.hpp"
#include "storage/drive/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using drive::EntityType;
using drive::Folder;
using namespace drive_rows;

namespace {

const char* entity_sql(EntityType type) {
  switch (type) {
    case EntityType::company:
      return "SELECT name, NULL::uuid FROM companies WHERE id = $1 AND deleted_at IS NULL";
    case EntityType::contact:
      return "SELECT coalesce(nullif(full_name, ''), email::text, 'Contact'), owner_user_id"
             " FROM contacts WHERE id = $1 AND deleted_at IS NULL";
    case EntityType::lead:
      return "SELECT legal_name, owner_user_id FROM leads WHERE id = $1 AND deleted_at IS NULL";
    case EntityType::deal:
      return "SELECT title, owner_id FROM deals WHERE id = $1 AND deleted_at IS NULL";
  }
  return "";
}

std::string folder_select(const std::string& where) {
  return std::string("SELECT ") + kFolderColumns + " FROM drive_folders f WHERE " + where;
}

}  // namespace

asio::awaitable<std::optional<DriveEntity>> DriveRepository::entity(EntityType type, Uuid id) {
  const auto result = co_await pool_.read(entity_sql(type), id);
  if (result.empty()) co_return std::nullopt;
  const auto r = result.one();
  co_return DriveEntity{r.get<std::string>(0), r.get<std::optional<Uuid>>(1)};
}

asio::awaitable<std::optional<Folder>> DriveRepository::root(EntityType type, Uuid id) {
  const auto result = co_await pool_.read(
      folder_select("f.entity_type = $1 AND f.entity_id = $2 AND f.parent_id IS NULL"),
      std::string(to_string(type)), id);
  if (result.empty()) co_return std::nullopt;
  co_return folder_from(result.one());
}

asio::awaitable<std::optional<Folder>> DriveRepository::insert_root(
    pg::Transaction& tx, EntityType type, Uuid entity_id, const std::string& name,
    const std::optional<std::string>& google_id, const std::optional<Uuid>& created_by) {
  const auto result = co_await tx.query(
      std::string("INSERT INTO drive_folders AS f (entity_type, entity_id, name, google_id,"
                  " created_by) VALUES ($1, $2, $3, $4, $5)"
                  " ON CONFLICT (entity_type, entity_id) WHERE parent_id IS NULL DO NOTHING"
                  " RETURNING ") +
          kFolderColumns,
      std::string(to_string(type)), entity_id, name, google_id, created_by);
  if (result.empty()) co_return std::nullopt;
  co_return folder_from(result.one());
}

asio::awaitable<Folder> DriveRepository::insert_folder(pg::Transaction& tx, const Folder& parent,
                                                       const std::string& name,
                                                       const std::optional<std::string>& google_id,
                                                       const std::optional<Uuid>& created_by) {
  const auto result = co_await tx.query(
      std::string("INSERT INTO drive_folders AS f (parent_id, entity_type, entity_id, name,"
                  " google_id, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ") +
          kFolderColumns,
      parent.id, std::string(to_string(parent.entity_type)), parent.entity_id, name, google_id,
      created_by);
  co_return folder_from(result.one());
}

asio::awaitable<Folder> DriveRepository::set_folder_google_id(pg::Transaction& tx, Uuid id,
                                                              const std::string& google_id) {
  const auto result = co_await tx.query(
      std::string("UPDATE drive_folders f SET google_id = $2 WHERE id = $1 RETURNING ") +
          kFolderColumns,
      id, google_id);
  co_return folder_from(result.one());
}

asio::awaitable<std::optional<Folder>> DriveRepository::folder(Uuid id) {
  const auto result = co_await pool_.read(folder_select("f.id = $1"), id);
  if (result.empty()) co_return std::nullopt;
  co_return folder_from(result.one());
}

asio::awaitable<std::optional<Folder>> DriveRepository::lock_folder(pg::Transaction& tx, Uuid id) {
  const auto result = co_await tx.query(folder_select("f.id = $1 FOR UPDATE"), id);
  if (result.empty()) co_return std::nullopt;
  co_return folder_from(result.one());
}

asio::awaitable<Folder> DriveRepository::place_folder(pg::Transaction& tx, Uuid id,
                                                      const drive::Placement& placement) {
  Assignments set;
  set.add("name", placement.name);
  set.add("parent_id", placement.parent);
  set.params.add(id);
  const auto result = co_await tx.query(
      "UPDATE drive_folders f SET " + set.set_list("updated_at = now()") + " WHERE id = $" +
          std::to_string(set.params.size()) + " RETURNING " + kFolderColumns,
      set.params);
  co_return folder_from(result.one());
}

asio::awaitable<bool> DriveRepository::within(pg::Transaction& tx, Uuid folder, Uuid ancestor) {
  const auto result = co_await tx.query(
      "WITH RECURSIVE up AS (SELECT id, parent_id, 0 AS depth FROM drive_folders WHERE id = $1"
      " UNION ALL SELECT f.id, f.parent_id, up.depth + 1 FROM drive_folders f"
      " JOIN up ON f.id = up.parent_id WHERE up.depth < 1000)"
      " SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)",
      folder, ancestor);
  co_return result.one().get<bool>(0);
}

asio::awaitable<std::vector<drive::Breadcrumb>> DriveRepository::breadcrumbs(Uuid folder) {
  const auto result = co_await pool_.read(
      "WITH RECURSIVE up AS (SELECT id, parent_id, name, 0 AS depth FROM drive_folders"
      " WHERE id = $1 UNION ALL SELECT f.id, f.parent_id, f.name, up.depth + 1"
      " FROM drive_folders f JOIN up ON f.id = up.parent_id WHERE up.depth < 1000)"
      " SELECT id, name FROM up ORDER BY depth DESC",
      folder);
  std::vector<drive::Breadcrumb> trail;
  for (auto r : result) trail.push_back({r.get<Uuid>(0), r.get<std::string>(1)});
  co_return trail;
}

namespace {

// The live folders of the subtree of $1, $1 included.
constexpr const char* kLiveSubtree =
    "WITH RECURSIVE tree AS (SELECT id FROM drive_folders WHERE id = $1"
    " UNION ALL SELECT f.id FROM drive_folders f JOIN tree ON f.parent_id = tree.id"
    " WHERE f.deleted_at IS NULL)";
// The subtree of $1 deleted with it (at its deleted_at, $2).
constexpr const char* kDeletedWith =
    "WITH RECURSIVE tree AS (SELECT id FROM drive_folders WHERE id = $1"
    " UNION ALL SELECT f.id FROM drive_folders f JOIN tree ON f.parent_id = tree.id"
    " WHERE f.deleted_at = $2)";

}  // namespace

asio::awaitable<Folder> DriveRepository::delete_folder(pg::Transaction& tx, Uuid id,
                                                       const std::optional<Uuid>& by,
                                                       const std::optional<std::string>& reason) {
  // One statement: the files first (a data-modifying CTE sees the tree as
  // it was), then the folders.
  const auto result = co_await tx.query(
      std::string(kLiveSubtree) +
          ", files AS (UPDATE drive_files SET deleted_at = now(), deleted_by = $2,"
          " delete_reason = $3, updated_at = now() WHERE folder_id IN (SELECT id FROM tree)"
          " AND deleted_at IS NULL RETURNING 1),"
          " folders AS (UPDATE drive_folders SET deleted_at = now(), deleted_by = $2,"
          " delete_reason = $3, updated_at = now() WHERE id IN (SELECT id FROM tree)"
          " AND deleted_at IS NULL RETURNING id)"
          " SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM folders)",
      id, by, reason);
  (void)result;
  auto folder = co_await lock_folder(tx, id);
  co_return *folder;
}

asio::awaitable<Folder> DriveRepository::restore_folder(pg::Transaction& tx, const Folder& folder) {
  const auto at = folder.deleted->at;
  co_await tx.query(std::string(kDeletedWith) +
                        ", files AS (UPDATE drive_files SET deleted_at = NULL, deleted_by = NULL,"
                        " delete_reason = NULL, updated_at = now()"
                        " WHERE folder_id IN (SELECT id FROM tree) AND deleted_at = $2"
                        " RETURNING 1)"
                        " UPDATE drive_folders SET deleted_at = NULL, deleted_by = NULL,"
                        " delete_reason = NULL, updated_at = now()"
                        " WHERE id IN (SELECT id FROM tree)",
                    folder.id, at);
  auto restored = co_await lock_folder(tx, folder.id);
  co_return *restored;
}

}  // namespace crmd::storage
