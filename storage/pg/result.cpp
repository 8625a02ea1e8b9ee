#include "storage/pg/result.hpp"

#include <libpq-fe.h>

#include <array>
#include <bit>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
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

// ---- binary format: the bytes of PostgreSQL's send functions, big-endian

namespace {

template <class Int>
Int big_endian(const char* bytes) {
  std::make_unsigned_t<Int> value = 0;
  for (std::size_t i = 0; i < sizeof(Int); ++i)
    value = static_cast<decltype(value)>((value << 8) | static_cast<unsigned char>(bytes[i]));
  return static_cast<Int>(value);
}

template <class Int>
Int binary_integer(std::string_view bytes, std::string_view column, std::string_view name) {
  if (bytes.size() != sizeof(Int))
    bad(column, name, "<" + std::to_string(bytes.size()) + " bytes>");
  return big_endian<Int>(bytes.data());
}

// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 UTC.
constexpr std::int64_t kPostgresEpochMicros = 946'684'800'000'000;

}  // namespace

template <>
std::string decode_binary<std::string>(std::string_view bytes, std::string_view) {
  return std::string(bytes);
}
template <>
std::string_view decode_binary<std::string_view>(std::string_view bytes, std::string_view) {
  return bytes;
}
template <>
bool decode_binary<bool>(std::string_view bytes, std::string_view column) {
  return binary_integer<std::uint8_t>(bytes, column, "a boolean") != 0;
}
template <>
std::int32_t decode_binary<std::int32_t>(std::string_view bytes, std::string_view column) {
  return binary_integer<std::int32_t>(bytes, column, "an integer");
}
template <>
std::int64_t decode_binary<std::int64_t>(std::string_view bytes, std::string_view column) {
  return binary_integer<std::int64_t>(bytes, column, "a bigint");
}
template <>
double decode_binary<double>(std::string_view bytes, std::string_view column) {
  return std::bit_cast<double>(binary_integer<std::uint64_t>(bytes, column, "a float8"));
}
template <>
Uuid decode_binary<Uuid>(std::string_view bytes, std::string_view column) {
  std::array<std::uint8_t, 16> id;
  if (bytes.size() != id.size())
    bad(column, "a uuid", "<" + std::to_string(bytes.size()) + " bytes>");
  std::memcpy(id.data(), bytes.data(), id.size());
  return Uuid(id);
}
template <>
Timestamp decode_binary<Timestamp>(std::string_view bytes, std::string_view column) {
  const auto micros = binary_integer<std::int64_t>(bytes, column, "a timestamptz");
  // ±infinity, which the text form does not take either; nor does it take
  // a year past 9999, far below where moving the epoch would overflow.
  if (micros > std::numeric_limits<std::int64_t>::max() - kPostgresEpochMicros ||
      micros == std::numeric_limits<std::int64_t>::min())
    bad(column, "a finite timestamptz", "infinity");
  return Timestamp(std::chrono::microseconds(micros + kPostgresEpochMicros));
}
template <>
Numeric decode_binary<Numeric>(std::string_view bytes, std::string_view column) {
  // Digit count, weight (of the first digit, in powers of 10,000), sign,
  // display scale; then the base-10,000 digits.
  const auto malformed = [&] { bad(column, "a numeric", "<binary numeric>"); };
  if (bytes.size() < 8) malformed();
  const int count = big_endian<std::int16_t>(bytes.data());
  const int weight = big_endian<std::int16_t>(bytes.data() + 2);
  const auto sign = big_endian<std::uint16_t>(bytes.data() + 4);
  const int scale = big_endian<std::int16_t>(bytes.data() + 6);
  if (count < 0 || scale < 0 || bytes.size() != 8 + 2 * static_cast<std::size_t>(count))
    malformed();
  if (sign == 0xC000) return Numeric{"NaN"};
  if (sign != 0 && sign != 0x4000) malformed();  // ±infinity: the text form takes neither
  const auto digit = [&](int i) {
    if (i < 0 || i >= count) return 0;
    const int d = big_endian<std::int16_t>(bytes.data() + 8 + 2 * i);
    if (d < 0 || d > 9999) malformed();
    return d;
  };
  const auto four_digits = [](std::string& out, int d) {
    for (int unit = 1000; unit > 0; unit /= 10) out += static_cast<char>('0' + d / unit % 10);
  };
  std::string text = sign == 0x4000 ? "-" : "";
  if (weight < 0) text += '0';
  for (int i = 0; i <= weight; ++i) {
    if (i == 0)
      text += std::to_string(digit(0));
    else
      four_digits(text, digit(i));
  }
  if (scale > 0) {
    text += '.';
    const auto point = text.size();
    for (int i = weight + 1; text.size() - point < static_cast<std::size_t>(scale); ++i)
      four_digits(text, digit(i));
    text.resize(point + static_cast<std::size_t>(scale));
  }
  return Numeric{std::move(text)};
}
template <>
boost::json::value decode_binary<boost::json::value>(std::string_view bytes,
                                                     std::string_view column) {
  // jsonb's binary form is a version byte (1) and the text; json's the text.
  if (!bytes.empty() && bytes.front() == '\x01') bytes.remove_prefix(1);
  return decode_field<boost::json::value>(bytes, column);
}
template <>
std::vector<std::string> decode_binary<std::vector<std::string>>(std::string_view bytes,
                                                                 std::string_view column) {
  // Dimensions, a has-NULLs flag, the element type; per dimension its size
  // and lower bound; then each element's length and bytes.
  const auto malformed = [&] { bad(column, "a one-dimensional text[]", "<binary array>"); };
  const auto take = [&](std::size_t n) {
    if (bytes.size() < n) malformed();
    const auto taken = bytes.substr(0, n);
    bytes.remove_prefix(n);
    return taken;
  };
  const auto int32 = [&] { return big_endian<std::int32_t>(take(4).data()); };
  const auto dimensions = int32();
  int32();  // has NULLs: each element's length says it
  int32();  // the element type
  std::vector<std::string> items;
  if (dimensions == 0) return items;
  if (dimensions != 1) malformed();
  const auto count = int32();
  int32();  // the lower bound
  if (count < 0 || static_cast<std::size_t>(count) > bytes.size() / 4) malformed();
  items.reserve(static_cast<std::size_t>(count));
  for (std::int32_t i = 0; i < count; ++i) {
    const auto length = int32();
    if (length < 0) bad(column, "a text[] without NULLs", "<binary array>");
    items.emplace_back(take(static_cast<std::size_t>(length)));
  }
  if (!bytes.empty()) malformed();
  return items;
}

Result::Result(pg_result* raw)
    : raw_(raw, PQclear), binary_(raw && PQnfields(raw) > 0 && PQfformat(raw, 0) == 1) {}

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
