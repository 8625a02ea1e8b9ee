#include "storage/drive/rows.hpp"

#include "domain/common/error.hpp"

namespace crmd::storage::drive_rows {

drive::EntityType entity_type_at(const pg::Row& r, int column) {
  const auto type = drive::parse_entity_type(r.text(column));
  if (!type) throw Error(ErrorKind::internal, "internal", "unknown drive entity type in a row");
  return *type;
}

std::optional<drive::Deletion> deletion_at(const pg::Row& r, int column) {
  auto at = r.get<std::optional<Timestamp>>(column);
  if (!at) return std::nullopt;
  return drive::Deletion{*at, r.get<std::optional<Uuid>>(column + 1),
                         r.get<std::optional<std::string>>(column + 2)};
}

drive::Folder folder_from(const pg::Row& r) {
  return {r.get<Uuid>(0),        r.get<std::optional<Uuid>>(1),
          entity_type_at(r, 2),  r.get<Uuid>(3),
          r.get<std::string>(4), r.get<std::optional<Uuid>>(5),
          r.get<Timestamp>(6),   r.get<Timestamp>(7),
          deletion_at(r, 8),     r.get<std::optional<std::string>>(11)};
}

drive::File file_from(const pg::Row& r) {
  return {r.get<Uuid>(0),
          r.get<Uuid>(1),
          entity_type_at(r, 2),
          r.get<Uuid>(3),
          r.get<std::string>(4),
          r.get<std::string>(5),
          r.get<std::int64_t>(6),
          r.get<std::string>(7),
          r.get<std::optional<Uuid>>(8),
          r.get<Timestamp>(9),
          r.get<Timestamp>(10),
          deletion_at(r, 11),
          r.get<std::optional<std::string>>(14),
          r.get<std::optional<std::string>>(15),
          r.get<bool>(16),
          r.get<std::optional<std::string>>(17)};
}

}  // namespace crmd::storage::drive_rows
