// Query parameters: every C++ value becomes PostgreSQL text format plus a
// type OID (0 lets the server infer the type from the statement).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd::pg {

using Oid = unsigned int;

namespace oid {
inline constexpr Oid unknown = 0, boolean = 16, int8 = 20, int4 = 23, text = 25, float8 = 701,
                     timestamptz = 1184, numeric = 1700, uuid = 2950, jsonb = 3802;
}

// A decimal number kept as its exact text ("1234.50").
struct Numeric {
  std::string text;
};

struct Null {};
inline constexpr Null null{};

class Params {
 public:
  template <class... Ts>
  explicit Params(const Ts&... values) {
    values_.reserve(sizeof...(Ts));
    (add(values), ...);
  }

  void add(Null) { push(std::nullopt, oid::unknown); }
  void add(bool v) { push(std::string(v ? "t" : "f"), oid::boolean); }
  void add(std::int32_t v) { push(std::to_string(v), oid::int4); }
  void add(std::int64_t v) { push(std::to_string(v), oid::int8); }
  void add(std::uint32_t v) { push(std::to_string(v), oid::int8); }
  void add(double v);
  void add(const char* v) { push(std::string(v), oid::unknown); }
  void add(std::string_view v) { push(std::string(v), oid::unknown); }
  void add(const std::string& v) { push(v, oid::unknown); }
  void add(const Uuid& v) { push(v.str(), oid::uuid); }
  void add(Timestamp v) { push(format_rfc3339(v), oid::timestamptz); }
  void add(const Numeric& v) { push(v.text, oid::numeric); }
  void add(const boost::json::value& v);
  template <class T>
  void add(const std::optional<T>& v) {
    if (v)
      add(*v);
    else
      add(null);
  }
  template <class T>
  void add(const std::vector<T>& list);  // as a PostgreSQL array literal

  std::size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }
  const std::vector<Oid>& types() const { return types_; }

 private:
  void push(std::optional<std::string> value, Oid type) {
    values_.push_back(std::move(value));
    types_.push_back(type);
  }
  static std::string array_literal(const std::vector<std::string>& items);

  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
};

template <class T>
void Params::add(const std::vector<T>& list) {
  std::vector<std::string> items;
  items.reserve(list.size());
  for (const auto& item : list) {
    Params one(item);
    items.push_back(one.values_.front().value_or(""));
  }
  push(array_literal(items), oid::unknown);
}

}  // namespace crmd::pg
