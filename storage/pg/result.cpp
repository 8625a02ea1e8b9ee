#include "storage/pg/result.hpp"

#include <libpq-fe.h>

#include <boost/json/parse.hpp>
#include <charconv>
#include <cstdlib>
#include <vector>

namespace crmd::pg {
namespace {

[[noreturn]] void bad(std::string_view column, std::string_view expected, std::string_view text) {
  throw Error(ErrorKind::decode, "column " + std::string(column) + ": expected " +
                                     std::string(expected) + ", got \"" +
                                     std::string(text.substr(0, 64)) + "\"");
}

template <class Int>
Int decode_integer(std::string_view text, std::string_view column, std::string_view name) {
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) bad(column, name, text);
  return value;
}

}  // namespace

template <>
std::string decode_field<std::string>(std::string_view text, std::string_view) {
  return std::string(text);
}
template <>
std::string_view decode_field<std::string_view>(std::string_view text, std::string_view) {
  return text;
}
template <>
bool decode_field<bool>(std::string_view text, std::string_view column) {
  if (text == "t") return true;
  if (text == "f") return false;
  bad(column, "a boolean", text);
}
template <>
std::int32_t decode_field<std::int32_t>(std::string_view text, std::string_view column) {
  return decode_integer<std::int32_t>(text, column, "an integer");
}
template <>
std::int64_t decode_field<std::int64_t>(std::string_view text, std::string_view column) {
  return decode_integer<std::int64_t>(text, column, "a bigint");
}
template <>
double decode_field<double>(std::string_view text, std::string_view column) {
  double value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) bad(column, "a number", text);
  return value;
}
template <>
Uuid decode_field<Uuid>(std::string_view text, std::string_view column) {
  auto id = Uuid::parse(text);
  if (!id) bad(column, "a uuid", text);
  return *id;
}
template <>
Timestamp decode_field<Timestamp>(std::string_view text, std::string_view column) {
  auto t = parse_timestamp(text);
  if (!t) bad(column, "a timestamptz", text);
  return *t;
}
template <>
Numeric decode_field<Numeric>(std::string_view text, std::string_view column) {
  bool digit = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9')
      digit = true;
    else if (!(c == '.' || (i == 0 && c == '-'))) {
      if (text != "NaN") bad(column, "a numeric", text);
    }
  }
  if (!digit && text != "NaN") bad(column, "a numeric", text);
  return Numeric{std::string(text)};
}
template <>
boost::json::value decode_field<boost::json::value>(std::string_view text,
                                                    std::string_view column) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec) bad(column, "json", text);
  return value;
}

template <>
std::vector<std::string> decode_field<std::vector<std::string>>(std::string_view text,
                                                                std::string_view column) {
  // PostgreSQL's text form of a one-dimensional text[]: {a,"b c","d\"e",NULL}.
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') bad(column, "a text[]", text);
  std::vector<std::string> items;
  std::size_t i = 1;
  const std::size_t end = text.size() - 1;
  while (i < end) {
    std::string item;
    if (text[i] == '"') {
      for (++i; i < end && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < end) ++i;
        item += text[i];
      }
      ++i;  // the closing quote
    } else {
      while (i < end && text[i] != ',') item += text[i++];
    }
    items.push_back(std::move(item));
    if (i < end && text[i] == ',') ++i;
  }
  return items;
}

Result::Result(pg_result* raw) : raw_(raw, PQclear) {}

int Result::rows() const {
  return raw_ ? PQntuples(raw_.get()) : 0;
}
int Result::columns() const {
  return raw_ ? PQnfields(raw_.get()) : 0;
}

std::int64_t Result::affected() const {
  if (!raw_) return 0;
  const char* n = PQcmdTuples(raw_.get());
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

Row Result::one() const {
  if (rows() != 1)
    throw Error(ErrorKind::decode, "expected one row, got " + std::to_string(rows()));
  return (*this)[0];
}

bool Row::is_null(int column) const {
  return PQgetisnull(result_->raw(), index_, column) != 0;
}

std::string_view Row::text(int column) const {
  return {PQgetvalue(result_->raw(), index_, column),
          static_cast<std::size_t>(PQgetlength(result_->raw(), index_, column))};
}

int Row::column_index(std::string_view name) const {
  const int n = result_->columns();
  for (int i = 0; i < n; ++i)
    if (name == PQfname(result_->raw(), i)) return i;
  throw Error(ErrorKind::decode, "no column named " + std::string(name));
}

std::string_view Row::column_name(int column) const {
  const char* name = PQfname(result_->raw(), column);
  return name ? name : "?";
}

}  // namespace crmd::pg
