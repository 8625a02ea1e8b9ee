// Keyset pages: where a page starts, and the rows of a list with the text
// of their sort value (from which the neighbouring pages' cursors are made).
#pragma once

#include <string>
#include <string_view>

#include "domain/common/error.hpp"
#include "domain/common/uuid.hpp"

namespace crmd {

// The one answer to a cursor that was not made here, was altered, belongs
// to another query, or holds a key its ordering cannot read: 400.
inline Error invalid_cursor() {
  return Error(ErrorKind::bad_request, "invalid_cursor", "the cursor is not valid for this list");
}

// How an ordering's sort key reads: what a cursor's key must parse as,
// checked in C++ before it reaches SQL.
enum class SortKeyType { text, timestamp, integer, date };

// The SQL cast of a key of that type ("::timestamptz").
std::string_view sql_cast(SortKeyType type);
// Whether key is one PostgreSQL wrote (`::text`) for that type.
bool valid_sort_key(std::string_view key, SortKeyType type);

// After (or, going backward, before) this row in the list's order.
struct PagePosition {
  std::string sort_key;
  Uuid id;
  bool backward = false;
};

template <class T>
struct Listed {
  T item;
  std::string sort_key;
};

}  // namespace crmd
