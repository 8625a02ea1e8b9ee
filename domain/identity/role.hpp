// Roles, most powerful first: admin > manager > sales.
#pragma once

#include <optional>
#include <string_view>

namespace crmd::identity {

enum class Role { sales = 0, manager = 1, admin = 2 };

std::optional<Role> parse_role(std::string_view text);
std::string_view to_string(Role role);
inline bool at_least(Role role, Role minimum) {
  return static_cast<int>(role) >= static_cast<int>(minimum);
}

}  // namespace crmd::identity
