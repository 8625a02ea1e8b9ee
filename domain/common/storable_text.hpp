// Text PostgreSQL can store: valid UTF-8 without NUL (libpq passes C
// strings, so a NUL would cut a value short; text and jsonb refuse invalid
// UTF-8), and JSON numbers jsonb can hold. Checked at the edge, so that such
// input is a clear 400 or 422 instead of a 500 or a silently cut value.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace crmd {

bool valid_utf8(std::string_view text);

// Valid UTF-8 and no NUL.
bool storable(std::string_view text);

// text with each NUL and each byte that is not part of valid UTF-8 replaced
// by U+FFFD, for showing back input that was refused.
std::string storable_copy(std::string_view text);

// text cut to at most max_bytes, never inside a UTF-8 sequence.
void truncate_utf8(std::string& text, std::size_t max_bytes);

// The path of the first value in json that cannot be stored ("attributes.k",
// "items[2].email", or root for the value itself) and why; nullopt when all
// can. Keys count as values of their object.
struct UnstorableJson {
  std::string field;
  std::string message;
};
std::optional<UnstorableJson> find_unstorable(const boost::json::value& json,
                                              std::string_view root = "body");

}  // namespace crmd
