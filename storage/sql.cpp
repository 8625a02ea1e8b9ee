#include "storage/sql.hpp"

#include <cctype>
#include <stdexcept>

namespace crmd::storage {

std::vector<std::string> lowered(std::vector<std::string> values) {
  for (auto& v : values)
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return values;
}

std::vector<std::string> contains_patterns(const std::vector<std::string>& fragments) {
  std::vector<std::string> patterns;
  for (const auto& fragment : fragments) {
    std::string pattern = "%";
    for (char c : fragment) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    patterns.push_back(pattern + "%");
  }
  return patterns;
}

std::string Assignments::set_list(std::string prefix) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    prefix += (prefix.empty() ? "" : ", ") + columns[i] + " = " + placeholders[i];
  return prefix;
}

std::string Assignments::insert_into(std::string_view table) const {
  std::string sql = "INSERT INTO " + std::string(table);
  if (columns.empty()) return sql + " DEFAULT VALUES";
  std::string names, values;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    names += (i ? ", " : "") + columns[i];
    values += (i ? ", " : "") + placeholders[i];
  }
  return sql + " (" + names + ") VALUES (" + values + ")";
}

std::string KeysetQuery::sql(const std::optional<PagePosition>& position, std::size_t limit,
                             pg::Params& params) const {
  if (walk && (offset || !any_of.empty()))
    throw std::logic_error("KeysetQuery: a walk is not combined with an offset or any_of");
  const bool reverse = position && position->backward;
  const bool down = descending != reverse;
  std::string from_position;
  if (position) {
    if (!valid_sort_key(position->sort_key, sort_type)) throw invalid_cursor();
    const std::string key =
        placeholder(params, position->sort_key) + std::string(sql_cast(sort_type));
    from_position = unique_sort ? sort + (down ? " < " : " > ") + key
                                : "(" + sort + ", " + id + ") " + (down ? "<" : ">") + " (" + key +
                                      ", " + placeholder(params, position->id) + ")";
  }
  const std::string condition = position ? where + " AND " + from_position : where;
  const std::string direction = down ? " DESC" : " ASC";
  const std::string order = " ORDER BY " + sort + direction + ", " + id + direction;
  // The limit (crmd's own number) is written into the SQL: as a parameter
  // it made PostgreSQL plan each page afresh at bind, the generic plan
  // looking costlier with an unknown LIMIT (0.6 of the 0.7 ms of a page).
  const std::string limited = order + " LIMIT " + std::to_string(limit);
  const std::string page_columns =
      "SELECT " + id + " AS page_id, " + sort + " AS page_sort, (" + sort + ")::text AS sort_key";
  const auto branch = [&](const std::string& where_part, bool ordered) {
    return page_columns + " FROM " + table + " WHERE " + where_part + (ordered ? limited : "");
  };
  std::string page;
  if (walk) {
    // The next rows in sort order, whatever they hold: a subquery with a
    // LIMIT, so that no filter is pushed into it and the walk stays bounded.
    const auto next_rows = [&](const char* columns) {
      return std::string("SELECT ") + columns + " FROM " + table +
             (position ? " WHERE " + from_position : "") + order + " LIMIT " + std::to_string(walk);
    };
    const std::string alias = table.substr(table.rfind(' ') + 1);  // "contacts c": c
    // The page is the walk's rows, or, when the walk came up short and did
    // not reach the end of the rows, the filter's own read: all of its rows,
    // sorted. Each CTE is read only once something reads it, so the
    // filter's read not at all when the walk answers.
    page = "WITH walked AS MATERIALIZED (" + page_columns + " FROM (" + next_rows("*") + ") " +
           alias + " WHERE " + where + limited + "), matched AS MATERIALIZED (" +
           branch(condition, false) + "), walk AS MATERIALIZED (SELECT (SELECT count(*) FROM" +
           " walked) < " + std::to_string(limit) + " AND (SELECT count(*) FROM (" + next_rows("1") +
           ") next) = " + std::to_string(walk) +
           " AS short) SELECT * FROM walked WHERE NOT (SELECT short FROM walk) UNION ALL" +
           " (SELECT * FROM matched WHERE (SELECT short FROM walk) ORDER BY page_sort" + direction +
           ", page_id" + direction + " LIMIT " + std::to_string(limit) + ")";
  } else if (any_of.empty()) {
    page = branch(condition, true) +
           (offset ? " OFFSET " + placeholder(params, static_cast<std::int64_t>(offset)) : "");
  } else {
    for (const auto& part : any_of)
      page += (page.empty() ? "(" : " UNION ALL (") +
              branch(condition + " AND (" + part.condition + ")", !part.few) + ")";
    // A subquery, so that one branch alone keeps a single ORDER BY here.
    page = "SELECT * FROM (" + page + ") branches ORDER BY page_sort" + direction + ", page_id" +
           direction + " LIMIT " + std::to_string(limit);
  }
  return "SELECT " + columns + ", page.sort_key FROM (" + page + ") page JOIN " + table + " ON " +
         id + " = page.page_id " + joins + " ORDER BY page.page_sort" + direction +
         ", page.page_id" + direction;
}

boost::asio::awaitable<pg::Result> query_or_map(pg::Transaction& tx, std::string sql,
                                                pg::Params params, ErrorMapper map_error) {
  std::optional<pg::Error> failure;
  pg::Result result;
  try {
    result = co_await tx.query(std::move(sql), std::move(params));
  } catch (const pg::Error& e) {
    failure = e;
  }
  if (failure) map_error(*failure);
  co_return result;
}

}  // namespace crmd::storage
