// The CRM records that own a drive (a folder tree each), and what a caller
// may do in one. Pure: the table of README "Drive permissions" in code.
#pragma once

#include <optional>
#include <string_view>

#include "domain/identity/role.hpp"

namespace crmd::drive {

enum class EntityType { company, lead, deal, contact };
inline constexpr EntityType kEntityTypes[] = {EntityType::company, EntityType::lead,
                                              EntityType::deal, EntityType::contact};

std::optional<EntityType> parse_entity_type(std::string_view text);
std::string_view to_string(EntityType type);

// Ordered: each grants what the ones before it do.
enum class Permission { none, reader, writer, owner };
std::string_view to_string(Permission permission);

// Admins own every drive and managers write in every one. Sales users write
// in the drives of records they own; of records they do not own they read
// companies' and contacts' (which the whole team works on) and see nothing
// of other users' leads and deals (404, as those records themselves).
Permission permission_of(identity::Role role, EntityType type, bool owns_entity);

// Readers list and download; writers also upload, create, rename, move and
// delete; owners also restore.
inline bool may_read(Permission p) {
  return p >= Permission::reader;
}
inline bool may_write(Permission p) {
  return p >= Permission::writer;
}
inline bool may_restore(Permission p) {
  return p >= Permission::owner;
}

}  // namespace crmd::drive
