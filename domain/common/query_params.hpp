// Typed access to a request's query string. Every failed conversion throws
// the validation error (422) naming the parameter and what it expects.
#pragma once

#include <boost/url/url_view.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd {

class Error;
// 422 invalid_query_parameter: the parameter and what it expects.
Error invalid_query_parameter(std::string_view name, std::string expected);

class QueryParams {
 public:
  explicit QueryParams(boost::urls::url_view url) : url_(url) {}

  // The first value of name, decoded.
  std::optional<std::string> get(std::string_view name) const;
  // Every value of a repeated parameter, in order; more than kMaxRepeats
  // is 422 (each value is a term of the query's SQL).
  static constexpr std::size_t kMaxRepeats = 20;
  std::vector<std::string> all(std::string_view name) const;

  // 422 unknown_query_parameter naming the first parameter in none of the
  // lists: a typo in a filter must not return the whole list.
  using Names = std::span<const std::string_view>;
  void reject_unknown(Names allowed, Names also = {}, Names more = {}) const;

  std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min,
                                      std::int64_t max) const;
  bool boolean(std::string_view name, bool fallback) const;
  std::optional<Timestamp> timestamp(std::string_view name) const;
  std::optional<Uuid> uuid(std::string_view name) const;
  // Every value of a repeated UUID parameter.
  std::vector<Uuid> uuids(std::string_view name) const;

 private:
  boost::urls::url_view url_;
};

}  // namespace crmd
