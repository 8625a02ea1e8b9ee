// Optimistic concurrency: a record's version is its updated_at, shown as a
// strong ETag; a write with If-Match naming another version answers 412.
#pragma once

#include <string>
#include <string_view>

#include "domain/common/time.hpp"

namespace crmd {

// "\"1764578000123456\"": microseconds since the epoch, quoted.
std::string etag_of(Timestamp updated_at);

// Whether an If-Match header admits the current version: empty (no header)
// and "*" always do, else one of its comma-separated entity tags must be
// the current one (strong comparison: a weak W/ tag never matches).
bool if_match_admits(std::string_view if_match, Timestamp updated_at);

// Throws Error{precondition_failed} when if_match does not admit updated_at.
void require_version(std::string_view if_match, Timestamp updated_at);

}  // namespace crmd
