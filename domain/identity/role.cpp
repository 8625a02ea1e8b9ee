#include "domain/identity/role.hpp"

namespace crmd::identity {

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::admin;
  if (text == "manager") return Role::manager;
  if (text == "sales") return Role::sales;
  return std::nullopt;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::manager:
      return "manager";
    case Role::sales:
      return "sales";
  }
  return "sales";
}

}  // namespace crmd::identity
