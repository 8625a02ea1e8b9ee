#include "domain/drive/item.hpp"

#include <boost/json/array.hpp>

#include "domain/common/fields.hpp"
#include "domain/common/json_of.hpp"
#include "domain/drive/names.hpp"

namespace crmd::drive {
namespace {

void put_deletion(boost::json::object& o, const std::optional<Deletion>& d,
                  const boost::json::storage_ptr& sp) {
  o["deleted_at"] = d ? json_of(d->at, sp) : boost::json::value(nullptr, sp);
  o["deleted_by"] = d ? json_of(d->by, sp) : boost::json::value(nullptr, sp);
  o["delete_reason"] = d ? json_of(d->reason, sp) : boost::json::value(nullptr, sp);
}

schema::Object with_deletion(schema::Object o) {
  using namespace schema;
  return o.field("deleted_at", nullable(timestamp()))
      .field("deleted_by", nullable(uuid()))
      .field("delete_reason", nullable(string()));
}

schema::Schema entity_type_schema() {
  return schema::one_of_strings({"company", "lead", "deal", "contact"});
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
}

}  // namespace

boost::json::object to_json(const Folder& f, const boost::json::storage_ptr& sp) {
  boost::json::object o({{"id", json_of(f.id, sp)},
                         {"kind", "folder"},
                         {"parent_id", json_of(f.parent_id, sp)},
                         {"entity_type", json_of(to_string(f.entity_type), sp)},
                         {"entity_id", json_of(f.entity_id, sp)},
                         {"name", json_of(f.name, sp)},
                         {"created_by", json_of(f.created_by, sp)},
                         {"created_at", json_of(f.created_at, sp)},
                         {"updated_at", json_of(f.updated_at, sp)}},
                        sp);
  put_deletion(o, f.deleted, sp);
  return o;
}

schema::Schema json_schema(std::type_identity<Folder>) {
  using namespace schema;
  return with_deletion(Object("DriveFolder")
                           .field("id", uuid())
                           .field("kind", one_of_strings({"folder"}))
                           .field("parent_id", nullable(uuid()), "null for an entity's root")
                           .field("entity_type", entity_type_schema())
                           .field("entity_id", uuid())
                           .field("name", string())
                           .field("created_by", nullable(uuid()))
                           .field("created_at", timestamp())
                           .field("updated_at", timestamp()));
}

boost::json::object to_json(const File& f, const boost::json::storage_ptr& sp) {
  boost::json::object o({{"id", json_of(f.id, sp)},
                         {"kind", "file"},
                         {"folder_id", json_of(f.folder_id, sp)},
                         {"entity_type", json_of(to_string(f.entity_type), sp)},
                         {"entity_id", json_of(f.entity_id, sp)},
                         {"name", json_of(f.name, sp)},
                         {"mime_type", json_of(f.mime_type, sp)},
                         {"size", f.size},
                         {"sha256", json_of(f.sha256, sp)},
                         {"uploaded_by", json_of(f.uploaded_by, sp)},
                         {"created_at", json_of(f.created_at, sp)},
                         {"updated_at", json_of(f.updated_at, sp)}},
                        sp);
  put_deletion(o, f.deleted, sp);
  return o;
}

schema::Schema json_schema(std::type_identity<File>) {
  using namespace schema;
  return with_deletion(Object("DriveFile")
                           .field("id", uuid())
                           .field("kind", one_of_strings({"file"}))
                           .field("folder_id", uuid())
                           .field("entity_type", entity_type_schema())
                           .field("entity_id", uuid())
                           .field("name", string())
                           .field("mime_type", string())
                           .field("size", integer(0))
                           .field("sha256", string(), "of the content, hex")
                           .field("uploaded_by", nullable(uuid()))
                           .field("created_at", timestamp())
                           .field("updated_at", timestamp()));
}

boost::json::object to_json(const Entry& e, const boost::json::storage_ptr& sp) {
  const bool folder = e.kind == Entry::Kind::folder;
  boost::json::object o({{"id", json_of(e.id, sp)},
                         {"kind", folder ? "folder" : "file"},
                         {"parent_id", json_of(e.parent_id, sp)},
                         {"entity_type", json_of(to_string(e.entity_type), sp)},
                         {"entity_id", json_of(e.entity_id, sp)},
                         {"name", json_of(e.name, sp)},
                         {"mime_type", json_of(e.mime_type, sp)},
                         {"size", e.size ? boost::json::value(*e.size, sp) : nullptr},
                         {"created_at", json_of(e.created_at, sp)},
                         {"updated_at", json_of(e.updated_at, sp)}},
                        sp);
  put_deletion(o, e.deleted, sp);
  return o;
}

schema::Schema json_schema(std::type_identity<Entry>) {
  using namespace schema;
  return with_deletion(Object("DriveEntry")
                           .field("id", uuid())
                           .field("kind", one_of_strings({"folder", "file"}))
                           .field("parent_id", nullable(uuid()),
                                  "a folder's parent (null for a root), a file's folder")
                           .field("entity_type", entity_type_schema())
                           .field("entity_id", uuid())
                           .field("name", string())
                           .field("mime_type", nullable(string()), "files only")
                           .field("size", nullable(integer(0)), "files only")
                           .field("created_at", timestamp())
                           .field("updated_at", timestamp()));
}

schema::Schema breadcrumbs_schema() {
  using namespace schema;
  return array(Object("DriveBreadcrumb").field("id", uuid()).field("name", string()));
}

boost::json::array to_json(const std::vector<Breadcrumb>& trail) {
  boost::json::array out;
  for (const auto& b : trail)
    out.push_back(boost::json::object({{"id", b.id.str()}, {"name", b.name}}));
  return out;
}

Placement parse_placement(const boost::json::value& body, PlacementBody kind) {
  const char* parent = kind == PlacementBody::file ? "folder_id" : "parent_id";
  FieldReader r(body, {"name", parent});
  Placement p;
  p.name = r.string("name", kind == PlacementBody::new_folder, kMaxNameBytes * 2, false);
  if (p.name)
    if (auto problem = name_problem(*p.name)) r.fail("name", *problem);
  if (kind != PlacementBody::new_folder) p.parent = r.uuid(parent, false);
  r.finish();
  return p;
}

schema::Schema placement_schema(PlacementBody kind) {
  using namespace schema;
  auto name = described(string(kMaxNameBytes), "no /, no control characters");
  switch (kind) {
    case PlacementBody::new_folder:
      return Object("DriveFolderInput").field("name", name);
    case PlacementBody::folder:
      return Object("DriveFolderPatch")
          .optional("name", name)
          .optional("parent_id", uuid(), "a folder of the same drive, not inside this one");
    case PlacementBody::file:
      return Object("DriveFilePatch")
          .optional("name", name)
          .optional("folder_id", uuid(), "a folder of the same drive");
  }
  return {};
}

std::optional<std::string> parse_delete_reason(const boost::json::value& body) {
  if (body.is_null()) return std::nullopt;
  FieldReader r(body, {"delete_reason"});
  auto reason = r.string("delete_reason", false, 1000);
  r.finish();
  return reason;
}

schema::Schema delete_reason_schema() {
  using namespace schema;
  return Object("DriveDeleteReason").optional("delete_reason", string(1000));
}

std::optional<std::string> storable_mime_type(std::string_view content_type) {
  if (content_type.empty() || content_type.size() > kMaxMimeTypeBytes) return std::nullopt;
  const auto end = content_type.find(';');
  const auto essence = content_type.substr(0, end);
  const auto slash = essence.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == essence.size())
    return std::nullopt;
  for (std::size_t i = 0; i < essence.size(); ++i)
    if (i != slash && !token_char(essence[i])) return std::nullopt;
  for (char c : content_type.substr(essence.size()))
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return std::nullopt;
  std::string out(content_type);
  for (std::size_t i = 0; i < essence.size(); ++i)
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  return out;
}

Error no_such_folder() {
  return Error(ErrorKind::not_found, "not_found", "no such folder");
}

Error no_such_file() {
  return Error(ErrorKind::not_found, "not_found", "no such file");
}

}  // namespace crmd::drive
