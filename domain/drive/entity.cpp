#include "domain/drive/entity.hpp"

namespace crmd::drive {

std::optional<EntityType> parse_entity_type(std::string_view text) {
  for (auto type : kEntityTypes)
    if (to_string(type) == text) return type;
  return std::nullopt;
}

std::string_view to_string(EntityType type) {
  switch (type) {
    case EntityType::company:
      return "company";
    case EntityType::lead:
      return "lead";
    case EntityType::deal:
      return "deal";
    case EntityType::contact:
      return "contact";
  }
  return "company";
}

std::string_view to_string(Permission permission) {
  switch (permission) {
    case Permission::none:
      return "none";
    case Permission::reader:
      return "reader";
    case Permission::writer:
      return "writer";
    case Permission::owner:
      return "owner";
  }
  return "none";
}

Permission permission_of(identity::Role role, EntityType type, bool owns_entity) {
  using identity::Role;
  if (role == Role::admin) return Permission::owner;
  if (role == Role::manager) return Permission::writer;
  if (owns_entity) return Permission::writer;
  const bool shared = type == EntityType::company || type == EntityType::contact;
  return shared ? Permission::reader : Permission::none;
}

}  // namespace crmd::drive
