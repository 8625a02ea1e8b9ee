// The drive's writes: folders and files, each one audited transaction,
// the backend's side done before it (a remote folder or file left behind
// by a failed transaction is found again by name, or is an orphan in
// Google, never a row without its content).
#include <spdlog/spdlog.h>

#include <filesystem>

#include "actors/drive.hpp"
#include "storage/audited_write.hpp"
#include "storage/blob_file.hpp"
#include "storage/blocking.hpp"
#include "storage/sql.hpp"

namespace crmd::actors {
namespace asio = boost::asio;
using drive::File;
using drive::Folder;

namespace {

constexpr std::size_t kMaxDepth = 32;

Error invalid(std::string field, std::string message) {
  return Error(ErrorKind::validation, "validation_error", field + ": " + message,
               {{std::move(field), std::move(message)}});
}

void map_folder_error(const pg::Error& e) {
  if (e.is_unique_violation())
    throw Error(ErrorKind::conflict, "folder_exists", "a folder of that name is already there",
                {{"name", "taken in that folder"}});
  throw e;
}

// The live folder in tx, or 404.
asio::awaitable<Folder> lock_live(storage::DriveRepository& repository, pg::Transaction& tx,
                                  Uuid id) {
  auto folder = co_await repository.lock_folder(tx, id);
  if (!folder || folder->deleted) throw drive::no_such_folder();
  co_return *folder;
}

}  // namespace

asio::awaitable<Folder> DriveService::live_folder_of_drive(Uuid id, const Folder& of,
                                                           std::string_view field) {
  auto folder = co_await repository_.folder(id);
  if (!folder || folder->deleted || folder->entity_type != of.entity_type ||
      folder->entity_id != of.entity_id)
    throw invalid(std::string(field), "must be a live folder of the same drive");
  co_return *folder;
}

// ---- folders

asio::awaitable<Folder> DriveService::create_folder(Uuid parent_id, std::string name,
                                                    identity::RequestContext context) {
  auto [parent, granted] = co_await folder_access(parent_id, false, context);
  if (!drive::may_write(granted.permission)) throw drive_forbidden("create folders");
  const auto trail = co_await repository_.breadcrumbs(parent.id);
  if (trail.size() >= kMaxDepth)
    throw invalid("name", "folders nest at most " + std::to_string(kMaxDepth) + " deep");
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  // The parent locked first: creations in one folder take turns, so the
  // remote folder a second one finds by name is refused below, not doubled.
  const auto locked = co_await lock_live(repository_, write.tx(), parent.id);
  auto remote = co_await backend_.create_folder(name, parent.google_id);
  std::optional<Folder> created;
  std::optional<pg::Error> failure;
  try {
    created = co_await repository_.insert_folder(write.tx(), locked, name, remote,
                                                 write.context().user_id());
  } catch (const pg::Error& e) {
    failure = e;
  }
  if (failure) map_folder_error(*failure);
  co_await write.commit(
      drive_entry("folder_created", created->id, std::nullopt, drive::to_json(*created)));
  co_await invalidate();
  co_return *created;
}

asio::awaitable<Folder> DriveService::update_folder(Uuid id, drive::Placement placement,
                                                    identity::RequestContext context) {
  auto [folder, granted] = co_await folder_access(id, false, context);
  if (!drive::may_write(granted.permission)) throw drive_forbidden("change folders");
  std::optional<Folder> target;
  if (placement.parent && placement.parent != folder.parent_id) {
    if (!folder.parent_id) throw invalid("parent_id", "a drive's root cannot move");
    target = co_await live_folder_of_drive(*placement.parent, folder, "parent_id");
  } else {
    placement.parent.reset();
  }
  if (placement.name == folder.name) placement.name.reset();
  if (!placement.name && !placement.parent) co_return folder;

  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await lock_live(repository_, write.tx(), id);
  write.require_version(before.updated_at);
  if (target && co_await repository_.within(write.tx(), target->id, id))
    throw invalid("parent_id", "a folder cannot move into itself or a folder inside it");
  if (placement.name) co_await backend_.rename(before.google_id, *placement.name);
  if (target) {
    const auto from = co_await repository_.folder(*before.parent_id);
    std::optional<std::string> from_remote;  // not a ?: in the co_await (README, g++ 12)
    if (from) from_remote = from->google_id;
    co_await backend_.move(before.google_id, from_remote, target->google_id);
  }
  std::optional<Folder> after;
  std::optional<pg::Error> failure;
  try {
    after = co_await repository_.place_folder(write.tx(), id, placement);
  } catch (const pg::Error& e) {
    failure = e;
  }
  if (failure) map_folder_error(*failure);
  if (placement.name && placement.parent)
    co_await write.audit(
        drive_entry("folder_renamed", id, drive::to_json(before), drive::to_json(*after)));
  const std::string action = placement.parent ? "folder_moved" : "folder_renamed";
  co_await write.commit(drive_entry(action, id, drive::to_json(before), drive::to_json(*after)));
  co_await invalidate();
  co_return *after;
}

asio::awaitable<Folder> DriveService::delete_folder(Uuid id, std::optional<std::string> reason,
                                                    identity::RequestContext context) {
  auto [folder, granted] = co_await folder_access(id, false, context);
  if (!drive::may_write(granted.permission)) throw drive_forbidden("delete folders");
  if (!folder.parent_id)
    throw Error(ErrorKind::conflict, "root_folder", "a drive's root folder cannot be deleted");
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await lock_live(repository_, write.tx(), id);
  co_await backend_.set_trashed(before.google_id, true);
  auto after =
      co_await repository_.delete_folder(write.tx(), id, write.context().user_id(), reason);
  co_await write.commit(
      drive_entry("folder_deleted", id, drive::to_json(before), drive::to_json(after)));
  co_await invalidate();
  co_return after;
}

asio::awaitable<Folder> DriveService::restore_folder(Uuid id, identity::RequestContext context) {
  auto [folder, granted] = co_await folder_access(id, true, context);
  if (!drive::may_restore(granted.permission)) throw drive_forbidden("restore folders");
  if (!folder.deleted) co_return folder;
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock_folder(write.tx(), id);
  if (!before || !before->deleted) throw drive::no_such_folder();
  const auto parent = co_await repository_.lock_folder(write.tx(), *before->parent_id);
  if (!parent || parent->deleted)
    throw Error(ErrorKind::conflict, "parent_deleted", "restore the folder it is in first");
  co_await backend_.set_trashed(before->google_id, false);
  std::optional<Folder> after;
  std::optional<pg::Error> failure;
  try {
    after = co_await repository_.restore_folder(write.tx(), *before);
  } catch (const pg::Error& e) {
    failure = e;
  }
  if (failure) map_folder_error(*failure);
  co_await write.commit(
      drive_entry("folder_restored", id, drive::to_json(*before), drive::to_json(*after)));
  co_await invalidate();
  co_return *after;
}

// ---- files

asio::awaitable<File> DriveService::upload(Uuid folder_id, StagedFile staged, std::string name,
                                           std::string mime_type,
                                           identity::RequestContext context) {
  std::optional<File> created;
  std::exception_ptr failure;
  try {
    auto [folder, granted] = co_await folder_access(folder_id, false, context);
    if (!drive::may_write(granted.permission)) throw drive_forbidden("upload files");
    const bool remote = backend_.stores_remotely();
    const auto row_of = [&](const Folder& locked) {
      return storage::NewDriveFile{staged.id,
                                   locked.id,
                                   locked.entity_type,
                                   locked.entity_id,
                                   name,
                                   mime_type,
                                   static_cast<std::int64_t>(staged.size),
                                   staged.sha256,
                                   staged.id.str(),
                                   std::nullopt,
                                   remote,
                                   context.user_id()};
    };
    if (remote) {
      // The row first ('uploading', not listed): a process dying on the way
      // leaves what another needs to resume (see resume_stale_uploads).
      auto scope = co_await storage::WriteScope::begin(pool_, context);
      const auto locked = co_await lock_live(repository_, scope.tx(), folder.id);
      auto row = co_await repository_.insert_file(scope.tx(), row_of(locked));
      co_await scope.commit();
      created = co_await send_to_backend(std::move(row), staged, locked.google_id, context);
    } else {
      // The staged file becomes the blob itself.
      const DriveBackend::SessionHook no_session;
      const auto stored =
          co_await backend_.store(staged, name, mime_type, std::nullopt, std::nullopt, no_session);
      auto write = co_await storage::AuditedWrite::begin(pool_, context);
      const auto locked = co_await lock_live(repository_, write.tx(), folder.id);
      auto file = row_of(locked);
      file.blob = stored.blob;
      auto row = co_await repository_.insert_file(write.tx(), file);
      co_await write.commit(
          drive_entry("file_uploaded", row.id, std::nullopt, drive::to_json(row)));
      created = std::move(row);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    try {
      co_await repository_.forget_upload(staged.id);
    } catch (const std::exception&) {
      // The upload's own failure is the one to tell (a stale row is resumed
      // or, without its staged file, fails again harmlessly).
    }
    storage::remove_blob_later(blocking_, staged.path);
    // The blob the local backend may have made already (an S3 object).
    if (!backend_.stores_remotely()) co_await backend_.purge(staged.id.str(), std::nullopt);
    std::rethrow_exception(failure);
  }
  co_await invalidate();
  co_return *created;
}

asio::awaitable<File> DriveService::send_to_backend(File file, StagedFile staged,
                                                    std::optional<std::string> parent,
                                                    identity::RequestContext context) {
  const auto id = file.id;
  auto record = [this, id](std::string session) -> asio::awaitable<void> {
    co_await repository_.set_upload_session(id, session);
  };
  auto stored = co_await backend_.store(staged, file.name, file.mime_type, std::move(parent),
                                        file.upload_session, std::move(record));
  context.transaction = nullptr;
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto done = co_await repository_.finish_upload(write.tx(), id, stored.google_id.value_or(""));
  co_await write.commit(drive_entry("file_uploaded", id, std::nullopt, drive::to_json(done)));
  storage::remove_blob_later(blocking_, staged.path);
  co_return done;
}

asio::awaitable<void> DriveService::purge_file(Uuid id, identity::RequestContext context) {
  auto current = co_await file(id, true, context);
  auto granted = co_await access(current.entity_type, current.entity_id, context);
  if (!drive::may_restore(granted.permission)) throw drive_forbidden("purge files");
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock_file(write.tx(), id);
  if (!before) throw drive::no_such_file();
  if (!before->deleted)
    throw Error(ErrorKind::conflict, "not_deleted", "delete the file before purging it");
  co_await repository_.remove_file(write.tx(), id);
  // The content goes once the row is gone for sure; a failure to remove it
  // leaves an orphan blob or Drive file, never a row without its content.
  co_await write.commit(drive_entry("file_purged", id, drive::to_json(*before), std::nullopt));
  co_await backend_.purge(before->blob, before->google_id);
  co_await invalidate();
}

asio::awaitable<std::size_t> DriveService::resume_stale_uploads(std::chrono::seconds stale) {
  std::size_t resumed = 0;
  // Named first: g++ 12 ends a co_await temporary of a range-for too soon.
  auto stale_files = co_await repository_.claim_stale_uploads(stale, 10);
  for (auto& file : stale_files) {
    const auto folder = co_await repository_.folder(file.folder_id);
    StagedFile staged{file.id, drive_dir_ + "/" + file.blob.value_or(file.id.str()),
                      static_cast<std::uint64_t>(file.size), file.sha256};
    auto exists = [path = staged.path] { return std::filesystem::exists(path); };
    const bool staged_exists = co_await run_blocking(blocking_, std::move(exists));
    if (!staged_exists) {
      co_await repository_.forget_upload(file.id);  // nothing left to send
      continue;
    }
    identity::RequestContext system;
    std::optional<std::string> failure;
    try {
      std::optional<std::string> parent;  // not a ?: in the co_await (README, g++ 12)
      if (folder) parent = folder->google_id;
      co_await send_to_backend(file, staged, std::move(parent), system);
      ++resumed;
    } catch (const std::exception& e) {
      failure = e.what();  // tried again when it is stale again
    }
    if (failure)
      spdlog::warn("drive: resuming the upload of {} failed: {}", file.id.str(), *failure);
  }
  if (resumed) co_await invalidate();
  co_return resumed;
}

asio::awaitable<File> DriveService::file(Uuid id, bool include_deleted,
                                         identity::RequestContext context) {
  auto found = co_await repository_.file(id);
  if (!found || found->uploading) throw drive::no_such_file();
  Access granted;
  try {
    granted = co_await access(found->entity_type, found->entity_id, context);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::not_found) throw;
    throw drive::no_such_file();
  }
  const bool sees_deleted =
      include_deleted && at_least(context.principal->role, identity::Role::manager);
  if (found->deleted && !sees_deleted) throw drive::no_such_file();
  co_return *found;
}

asio::awaitable<File> DriveService::update_file(Uuid id, drive::Placement placement,
                                                identity::RequestContext context) {
  auto current = co_await file(id, false, context);
  auto granted = co_await access(current.entity_type, current.entity_id, context);
  if (!drive::may_write(granted.permission)) throw drive_forbidden("change files");
  const auto from = co_await repository_.folder(current.folder_id);
  std::optional<Folder> target;
  if (placement.parent && *placement.parent != current.folder_id)
    target = co_await live_folder_of_drive(*placement.parent, *from, "folder_id");
  else
    placement.parent.reset();
  if (placement.name == current.name) placement.name.reset();
  if (!placement.name && !placement.parent) co_return current;

  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock_file(write.tx(), id);
  if (!before || before->deleted) throw drive::no_such_file();
  write.require_version(before->updated_at);
  if (target) co_await lock_live(repository_, write.tx(), target->id);
  if (placement.name) co_await backend_.rename(before->google_id, *placement.name);
  if (target) co_await backend_.move(before->google_id, from->google_id, target->google_id);
  auto after = co_await repository_.place_file(write.tx(), id, placement);
  if (placement.name && placement.parent)
    co_await write.audit(
        drive_entry("file_renamed", id, drive::to_json(*before), drive::to_json(after)));
  const std::string action = placement.parent ? "file_moved" : "file_renamed";
  co_await write.commit(drive_entry(action, id, drive::to_json(*before), drive::to_json(after)));
  co_await invalidate();
  co_return after;
}

asio::awaitable<File> DriveService::delete_file(Uuid id, std::optional<std::string> reason,
                                                identity::RequestContext context) {
  auto current = co_await file(id, false, context);
  auto granted = co_await access(current.entity_type, current.entity_id, context);
  if (!drive::may_write(granted.permission)) throw drive_forbidden("delete files");
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock_file(write.tx(), id);
  if (!before || before->deleted) throw drive::no_such_file();
  co_await backend_.set_trashed(before->google_id, true);
  auto after = co_await repository_.delete_file(write.tx(), id, write.context().user_id(), reason);
  co_await write.commit(
      drive_entry("file_deleted", id, drive::to_json(*before), drive::to_json(after)));
  co_await invalidate();
  co_return after;
}

asio::awaitable<File> DriveService::restore_file(Uuid id, identity::RequestContext context) {
  auto current = co_await file(id, true, context);
  auto granted = co_await access(current.entity_type, current.entity_id, context);
  if (!drive::may_restore(granted.permission)) throw drive_forbidden("restore files");
  if (!current.deleted) co_return current;
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock_file(write.tx(), id);
  if (!before || !before->deleted) throw drive::no_such_file();
  const auto folder = co_await repository_.lock_folder(write.tx(), before->folder_id);
  if (!folder || folder->deleted)
    throw Error(ErrorKind::conflict, "parent_deleted", "restore the folder it is in first");
  co_await backend_.set_trashed(before->google_id, false);
  auto after = co_await repository_.restore_file(write.tx(), id);
  co_await write.commit(
      drive_entry("file_restored", id, drive::to_json(*before), drive::to_json(after)));
  co_await invalidate();
  co_return after;
}

}  // namespace crmd::actors
