// Query results with typed row decoding from PostgreSQL's text format, or
// from its binary format for the statements that ask for it (Format in
// connection.hpp).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "storage/pg/error.hpp"
#include "storage/pg/params.hpp"

struct pg_result;

namespace crmd::pg {

// Decoding of one non-null text field into T. Specialised in result.cpp for
// std::string, std::string_view, bool, int32, int64, double, Uuid,
// Timestamp, Numeric and boost::json::value (json/jsonb). Throws
// Error{decode} naming the column on malformed text.
template <class T>
T decode_field(std::string_view text, std::string_view column);

// Decoding of one non-null field in PostgreSQL's binary format (its send
// functions) into T: std::string and std::string_view (any text type),
// bool, int32, int64, double (float8), Uuid, Timestamp (timestamptz),
// Numeric, boost::json::value (json or jsonb) and std::vector<std::string>
// (a one-dimensional text[] without NULLs). Throws Error{decode} naming the
// column when the bytes are not of that type's size or shape.
template <class T>
T decode_binary(std::string_view bytes, std::string_view column);

class Result;

class Row {
 public:
  Row(const Result& result, int index) : result_(&result), index_(index) {}

  bool is_null(int column) const;
  // The field's text ("" for NULL); its bytes in a binary result, which
  // are its text only for text types.
  std::string_view text(int column) const;
  int column_index(std::string_view name) const;  // throws if absent

  // get<T>: NULL throws; get<std::optional<T>>: NULL is nullopt.
  template <class T>
  T get(int column) const;
  template <class T>
  T get(std::string_view name) const {
    return get<T>(column_index(name));
  }

 private:
  template <class T>
  struct Optional : std::false_type {};
  template <class T>
  struct Optional<std::optional<T>> : std::true_type {
    using type = T;
  };
  std::string_view column_name(int column) const;
  template <class T>
  T decode(int column) const;

  const Result* result_;
  int index_;
};

class Result {
 public:
  Result() = default;
  explicit Result(pg_result* raw);

  int rows() const;
  int columns() const;
  bool empty() const { return rows() == 0; }
  // Whether the rows came in PostgreSQL's binary format.
  bool binary() const { return binary_; }
  // Rows changed by INSERT/UPDATE/DELETE.
  std::int64_t affected() const;
  Row operator[](int row) const { return Row(*this, row); }
  Row one() const;  // the only row; Error{decode} when there is not exactly one

  pg_result* raw() const { return raw_.get(); }

  class iterator {
   public:
    iterator(const Result* r, int i) : r_(r), i_(i) {}
    Row operator*() const { return Row(*r_, i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const Result* r_;
    int i_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, rows()}; }

 private:
  std::shared_ptr<pg_result> raw_;
  bool binary_ = false;
};

template <class T>
T Row::get(int column) const {
  if constexpr (Optional<T>::value) {
    if (is_null(column)) return std::nullopt;
    return decode<typename Optional<T>::type>(column);
  } else {
    if (is_null(column))
      throw Error(ErrorKind::decode, "column " + std::string(column_name(column)) + " is NULL");
    return decode<T>(column);
  }
}

template <class T>
T Row::decode(int column) const {
  if (result_->binary()) return decode_binary<T>(text(column), column_name(column));
  return decode_field<T>(text(column), column_name(column));
}

}  // namespace crmd::pg
