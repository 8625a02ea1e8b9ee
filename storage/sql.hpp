// The pieces of SQL every repository builds the same way: parameters,
// ILIKE patterns, the SET list of a partial update, and keyset pages.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/fields.hpp"
#include "domain/common/ordering.hpp"
#include "domain/common/page.hpp"
#include "storage/pg/params.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// Adds value to params and answers its placeholder, "$n".
template <class T>
std::string placeholder(pg::Params& params, const T& value) {
  params.add(value);
  return "$" + std::to_string(params.size());
}

std::vector<std::string> lowered(std::vector<std::string> values);

// "%fragment%" patterns for ILIKE, with %, _ and \ matched literally.
std::vector<std::string> contains_patterns(const std::vector<std::string>& fragments);

// The columns and placeholders of the changes present in a PATCH, for an
// UPDATE's SET list or an INSERT; values go after those already in params.
struct Assignments {
  std::vector<std::string> columns;
  std::vector<std::string> placeholders;
  pg::Params params;

  template <class T>
  void add(const char* column, const Change<T>& change, const char* cast = "") {
    if (change) set(column, *change, cast);
  }
  template <class T>
  void add(const char* column, const std::optional<T>& value, const char* cast = "") {
    if (value) set(column, *value, cast);
  }
  template <class T>
  void set(const char* column, const T& value, const char* cast = "") {
    columns.emplace_back(column);
    placeholders.push_back(placeholder(params, value) + cast);
  }
  // "a = $2, b = $3" after the given prefix ("updated_at = now()").
  std::string set_list(std::string prefix) const;
  // "INSERT INTO table (a, b) VALUES ($1, $2)" or "... DEFAULT VALUES".
  std::string insert_into(std::string_view table) const;
};

// One page of a list ordered by sort (then id, the tiebreaker), from a
// position. The page's ids and sort keys are chosen first, from the table
// alone (an index can answer that), and only those rows are then read in
// full. Going backward it reads the other way; reorder() turns the rows
// round again. The sort value is selected last, as text. A position whose
// key does not read as sort_type is Error invalid_cursor, before any SQL.
struct KeysetQuery {
  std::string columns;  // the SELECT list, without the sort key
  std::string table;    // "contacts" or "companies c"
  std::string where;
  std::string sort;  // an expression, e.g. "created_at" or "lower(full_name)"
  SortKeyType sort_type = SortKeyType::text;  // how a cursor's key reads and compares
  std::string id = "id";                      // the tiebreaker column
  // The sort key alone orders the rows (it is the id itself, as in the
  // audit log): a position compares it only, and its cursor's id is nil.
  bool unique_sort = false;
  std::string joins;  // joined to the page's rows, e.g. their metadata
  bool descending = false;
  std::size_t offset = 0;  // rows skipped (Apollo's page numbers), without a position
  // When set, the rows match `where` and one of these disjoint conditions,
  // each read through an index of its own and the reads merged (an overlap
  // with a window, say: what runs at its start, what starts in it). Not
  // with offset.
  struct Branch {
    std::string condition;
    // Few rows: read whole, without ORDER BY and LIMIT, so that no plan
    // (a generic one least of all) walks the sort index instead of the
    // condition's own.
    bool few = false;
  };
  std::vector<Branch> any_of;
  // When not 0, `where` holds a filter whose share of the rows only its
  // value tells (a title fragment, words to search): from one row in a
  // million to most of them. The sort index walked suits a common value,
  // the filter's own index a rare one, and planning each call to choose
  // costs twice the statement's run (bench/README.md, issue 16). So one
  // statement holds both reads, and its generic plan serves every value:
  // the page is looked for among the next `walk` rows in sort order (a
  // common value fills it there), and only when those hold too few and
  // more rows follow is it read through the filter's index and sorted.
  // The sort must have an index; not with offset or any_of.
  std::size_t walk = 0;

  // Sorts by one of a resource's orderings.
  void order_by(const SortOrder& order) {
    sort = std::string(order.by->sql);
    sort_type = order.by->key_type;
    descending = order.descending;
  }

  std::string sql(const std::optional<PagePosition>& position, std::size_t limit,
                  pg::Params& params) const;
};

// Throws the API error a database error stands for (a unique violation as
// 409 naming the field...), or the database error itself.
using ErrorMapper = void (*)(const pg::Error&);

// One statement in tx whose failure is mapped: the one shape of "run it, or
// say what its constraint violation means". (A catch block cannot co_await,
// and g++ 12 wants the error carried out of it, hence this one place.)
boost::asio::awaitable<pg::Result> query_or_map(pg::Transaction& tx, std::string sql,
                                                pg::Params params, ErrorMapper map_error);

template <class T>
void reorder(std::vector<T>& rows, const std::optional<PagePosition>& position) {
  if (position && position->backward) std::reverse(rows.begin(), rows.end());
}

}  // namespace crmd::storage
