// Folders and files of the drive, as the API shows them, and the bodies
// that change them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "domain/common/error.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "domain/drive/entity.hpp"

namespace crmd::drive {

struct Deletion {
  Timestamp at;
  std::optional<Uuid> by;
  std::optional<std::string> reason;
};

struct Folder {
  Uuid id;
  std::optional<Uuid> parent_id;  // none: the entity's root
  EntityType entity_type = EntityType::company;
  Uuid entity_id;
  std::string name;
  std::optional<Uuid> created_by;
  Timestamp created_at, updated_at;
  std::optional<Deletion> deleted;
  std::optional<std::string> google_id;  // the Google backend's folder; not shown
};
boost::json::object to_json(const Folder& f, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Folder>);

struct File {
  Uuid id;
  Uuid folder_id;
  EntityType entity_type = EntityType::company;
  Uuid entity_id;
  std::string name, mime_type;
  std::int64_t size = 0;
  std::string sha256;
  std::optional<Uuid> uploaded_by;
  Timestamp created_at, updated_at;
  std::optional<Deletion> deleted;
  // Where the content is (not shown): the blob store's file name on the
  // local backend, the Drive file on the Google one.
  std::optional<std::string> blob, google_id;
  bool uploading = false;                     // still on its way to Google
  std::optional<std::string> upload_session;  // the resumable session it goes by
};
boost::json::object to_json(const File& f, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<File>);

// One child of a folder in its listing (folders first, then files, by
// name), or a search hit.
struct Entry {
  enum class Kind { folder, file };
  Kind kind = Kind::folder;
  Uuid id;
  std::optional<Uuid> parent_id;  // a folder's parent, a file's folder
  EntityType entity_type = EntityType::company;
  Uuid entity_id;
  std::string name;
  std::optional<std::string> mime_type;
  std::optional<std::int64_t> size;
  Timestamp created_at, updated_at;
  std::optional<Deletion> deleted;
};
boost::json::object to_json(const Entry& e, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Entry>);

struct Breadcrumb {
  Uuid id;
  std::string name;
};
schema::Schema breadcrumbs_schema();
boost::json::array to_json(const std::vector<Breadcrumb>& trail);

// A folder's or file's new name and place; nullopt leaves it.
struct Placement {
  std::optional<std::string> name;
  std::optional<Uuid> parent;  // a folder's parent, a file's folder
};
// POST of a folder (name required), PATCH of a folder (name, parent_id)
// or of a file (name, folder_id).
enum class PlacementBody { new_folder, folder, file };
Placement parse_placement(const boost::json::value& body, PlacementBody kind);
schema::Schema placement_schema(PlacementBody kind);

// The optional body of a DELETE: {"delete_reason": "..."}.
std::optional<std::string> parse_delete_reason(const boost::json::value& body);
schema::Schema delete_reason_schema();

inline constexpr std::size_t kMaxMimeTypeBytes = 255;
// A Content-Type fit to store and send back: type/subtype with token
// characters, parameters kept; nullopt for anything else.
std::optional<std::string> storable_mime_type(std::string_view content_type);

Error no_such_folder();
Error no_such_file();

}  // namespace crmd::drive
