#include "domain/common/version.hpp"

#include "domain/common/error.hpp"

namespace crmd {

std::string etag_of(Timestamp updated_at) {
  return "\"" + std::to_string(updated_at.time_since_epoch().count()) + "\"";
}

bool if_match_admits(std::string_view if_match, Timestamp updated_at) {
  if (if_match.empty()) return true;
  const auto current = etag_of(updated_at);
  while (!if_match.empty()) {
    const auto comma = if_match.find(',');
    auto tag = if_match.substr(0, comma);
    while (tag.starts_with(' ') || tag.starts_with('\t')) tag.remove_prefix(1);
    while (tag.ends_with(' ') || tag.ends_with('\t')) tag.remove_suffix(1);
    if (tag == "*" || tag == current) return true;
    if (comma == std::string_view::npos) break;
    if_match.remove_prefix(comma + 1);
  }
  return false;
}

void require_version(std::string_view if_match, Timestamp updated_at) {
  if (!if_match_admits(if_match, updated_at))
    throw Error(ErrorKind::precondition_failed, "precondition_failed",
                "the record changed since the version If-Match names; read it again");
}

}  // namespace crmd
