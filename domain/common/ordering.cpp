#include "domain/common/ordering.hpp"

#include "domain/common/error.hpp"

namespace crmd {

std::string SortOrder::text() const {
  return (descending ? "-" : "") + std::string(by->name);
}

std::optional<SortOrder> parse_ordering(std::string_view text, Orderings table) {
  const bool descending = text.starts_with('-');
  if (descending) text.remove_prefix(1);
  for (const auto& ordering : table)
    if (ordering.name == text) return SortOrder{&ordering, descending};
  return std::nullopt;
}

SortOrder read_ordering(const QueryParams& query, Orderings table) {
  const auto text = query.get("ordering");
  if (!text) return SortOrder{&table.front()};
  if (auto order = parse_ordering(*text, table)) return *order;
  std::string expected = "expected ";
  for (std::size_t i = 0; i < table.size(); ++i)
    expected += std::string(i == 0                  ? ""
                            : i + 1 == table.size() ? " or "
                                                    : ", ") +
                std::string(table[i].name);
  throw invalid_query_parameter("ordering", expected + ", '-' for descending");
}

}  // namespace crmd
