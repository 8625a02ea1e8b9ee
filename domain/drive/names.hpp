// Names of drive folders and files: what a user may give, and what a
// rendered template name is turned into.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crmd::drive {

inline constexpr std::size_t kMaxNameBytes = 255;

// Why name cannot be a folder or file name (empty, ".", "..", a '/', a
// control character, longer than kMaxNameBytes, not UTF-8), or nullopt.
std::optional<std::string> name_problem(std::string_view name);

// text made a valid name: '/' and '\' become '-', control characters go,
// runs of spaces become one, the ends are trimmed, and it is cut to
// kMaxNameBytes on a character boundary; fallback when nothing is left.
std::string sanitized_name(std::string_view text, std::string_view fallback = "Untitled");

}  // namespace crmd::drive
