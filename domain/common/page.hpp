// Keyset pages: where a page starts, and the rows of a list with the text
// of their sort value (from which the neighbouring pages' cursors are made).
#pragma once

#include <string>

#include "domain/common/uuid.hpp"

namespace crmd {

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
