#include "storage/drive/repository.hpp"
#include "storage/drive/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using drive::File;
using namespace drive_rows;

namespace {

std::string file_select(const std::string& where) {
  return std::string("SELECT ") + kFileColumns + " FROM drive_files d WHERE " + where;
}

std::optional<File> maybe_file(const pg::Result& result) {
  if (result.empty()) return std::nullopt;
  return file_from(result.one());
}

}  // namespace

asio::awaitable<File> DriveRepository::insert_file(pg::Transaction& tx, const NewDriveFile& f) {
  pg::Params params;
  params.add(f.id);
  params.add(f.folder_id);
  params.add(std::string(to_string(f.entity_type)));
  params.add(f.entity_id);
  params.add(f.name);
  params.add(f.mime_type);
  params.add(f.size);
  params.add(f.sha256);
  params.add(f.blob);
  params.add(f.google_id);
  params.add(std::string(f.uploading ? "uploading" : "stored"));
  params.add(f.uploaded_by);
  const auto result = co_await tx.query(
      std::string("INSERT INTO drive_files AS d (id, folder_id, entity_type, entity_id, name,"
                  " mime_type, size, sha256, blob, google_id, status, uploaded_by)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ") +
          kFileColumns,
      std::move(params));
  co_return file_from(result.one());
}

asio::awaitable<std::optional<File>> DriveRepository::file(Uuid id) {
  co_return maybe_file(co_await pool_.read(file_select("d.id = $1"), id));
}

asio::awaitable<std::optional<File>> DriveRepository::lock_file(pg::Transaction& tx, Uuid id) {
  co_return maybe_file(co_await tx.query(file_select("d.id = $1 FOR UPDATE"), id));
}

asio::awaitable<File> DriveRepository::place_file(pg::Transaction& tx, Uuid id,
                                                  const drive::Placement& placement) {
  Assignments set;
  set.add("name", placement.name);
  set.add("folder_id", placement.parent);
  set.params.add(id);
  const auto result = co_await tx.query(
      "UPDATE drive_files d SET " + set.set_list("updated_at = now()") + " WHERE id = $" +
          std::to_string(set.params.size()) + " RETURNING " + kFileColumns,
      set.params);
  co_return file_from(result.one());
}

asio::awaitable<File> DriveRepository::delete_file(pg::Transaction& tx, Uuid id,
                                                   const std::optional<Uuid>& by,
                                                   const std::optional<std::string>& reason) {
  const auto result = co_await tx.query(
      std::string("UPDATE drive_files d SET deleted_at = now(), deleted_by = $2,"
                  " delete_reason = $3, updated_at = now() WHERE id = $1 RETURNING ") +
          kFileColumns,
      id, by, reason);
  co_return file_from(result.one());
}

asio::awaitable<File> DriveRepository::restore_file(pg::Transaction& tx, Uuid id) {
  const auto result = co_await tx.query(
      std::string("UPDATE drive_files d SET deleted_at = NULL, deleted_by = NULL,"
                  " delete_reason = NULL, updated_at = now() WHERE id = $1 RETURNING ") +
          kFileColumns,
      id);
  co_return file_from(result.one());
}

asio::awaitable<void> DriveRepository::remove_file(pg::Transaction& tx, Uuid id) {
  co_await tx.query("DELETE FROM drive_files WHERE id = $1", id);
}

asio::awaitable<void> DriveRepository::set_upload_session(Uuid file, const std::string& session) {
  co_await pool_.query(
      "UPDATE drive_files SET upload_session = $2, updated_at = now() WHERE id = $1", file,
      session);
}

asio::awaitable<void> DriveRepository::forget_upload(Uuid file) {
  co_await pool_.query("DELETE FROM drive_files WHERE id = $1 AND status = 'uploading'", file);
}

asio::awaitable<File> DriveRepository::finish_upload(pg::Transaction& tx, Uuid file,
                                                     const std::string& google_id) {
  const auto result = co_await tx.query(
      std::string("UPDATE drive_files d SET google_id = $2, status = 'stored', blob = NULL,"
                  " upload_session = NULL, updated_at = now() WHERE id = $1 RETURNING ") +
          kFileColumns,
      file, google_id);
  co_return file_from(result.one());
}

asio::awaitable<std::vector<File>> DriveRepository::claim_stale_uploads(std::chrono::seconds stale,
                                                                        std::size_t limit) {
  const auto result = co_await pool_.query(
      std::string("UPDATE drive_files d SET updated_at = now() WHERE id IN (SELECT id FROM"
                  " drive_files WHERE status = 'uploading' AND updated_at < now() - $1::interval"
                  " ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING ") +
          kFileColumns,
      std::to_string(stale.count()) + " seconds", static_cast<std::int64_t>(limit));
  std::vector<File> files;
  for (auto r : result) files.push_back(file_from(r));
  co_return files;
}

}  // namespace crmd::storage
