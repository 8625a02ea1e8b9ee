// The orderings of a list. Each resource declares its own once, in one table
// (kContactOrderings, kCompanyOrderings, kLeadOrderings), which feeds the
// parsing of `ordering=`, the list's SQL and the check of a cursor's key
// (storage's KeysetQuery), and the fingerprint its cursors carry.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "domain/common/page.hpp"
#include "domain/common/query_params.hpp"

namespace crmd {

struct Ordering {
  std::string_view name;  // as `ordering=` names it
  // The expression the rows sort by. Data here: only storage puts it in SQL.
  std::string_view sql;
  SortKeyType key_type;
};
using Orderings = std::span<const Ordering>;

// One row of a table, either way.
struct SortOrder {
  const Ordering* by = nullptr;
  bool descending = false;

  // "created_at" or "-name": as `ordering=` writes it.
  std::string text() const;
  friend bool operator==(const SortOrder&, const SortOrder&) = default;
};

// "name" or "-name" for a name of the table; nullopt otherwise.
std::optional<SortOrder> parse_ordering(std::string_view text, Orderings table);

// The query's `ordering`, else the table's first row ascending; any other
// value is 422 listing the table's names.
SortOrder read_ordering(const QueryParams& query, Orderings table);

}  // namespace crmd
