// Column lists of the drive's tables and the decoding of their rows, shared
// by the repository's files.
#pragma once

#include "domain/drive/item.hpp"
#include "storage/pg/result.hpp"

namespace crmd::storage::drive_rows {

inline constexpr const char* kFolderColumns =
    "f.id, f.parent_id, f.entity_type, f.entity_id, f.name, f.created_by, f.created_at,"
    " f.updated_at, f.deleted_at, f.deleted_by, f.delete_reason, f.google_id";
inline constexpr const char* kFileColumns =
    "d.id, d.folder_id, d.entity_type, d.entity_id, d.name, d.mime_type, d.size, d.sha256,"
    " d.uploaded_by, d.created_at, d.updated_at, d.deleted_at, d.deleted_by, d.delete_reason,"
    " d.blob, d.google_id, d.status = 'uploading', d.upload_session";

drive::EntityType entity_type_at(const pg::Row& r, int column);
std::optional<drive::Deletion> deletion_at(const pg::Row& r, int column);
drive::Folder folder_from(const pg::Row& r);
drive::File file_from(const pg::Row& r);

}  // namespace crmd::storage::drive_rows
