#include "server/http/byte_range.hpp"

#include <charconv>

namespace crmd::http {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace

RangeAnswer read_range(std::string_view header, std::uint64_t size, ByteRange& range) {
  constexpr std::string_view kUnit = "bytes=";
  if (!header.starts_with(kUnit) || header.find(',') != std::string_view::npos)
    return RangeAnswer::whole;
  header.remove_prefix(kUnit.size());
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return RangeAnswer::whole;
  const auto first_text = header.substr(0, dash), last_text = header.substr(dash + 1);
  if (first_text.empty()) {  // the last n bytes
    const auto n = number(last_text);
    if (!n) return RangeAnswer::whole;
    if (*n == 0 || size == 0) return RangeAnswer::unsatisfiable;
    range = {size - std::min(*n, size), size - 1};
    return RangeAnswer::partial;
  }
  const auto first = number(first_text);
  const auto last = last_text.empty() ? std::optional<std::uint64_t>(size - 1) : number(last_text);
  if (!first || !last) return RangeAnswer::whole;
  if (*first >= size) return RangeAnswer::unsatisfiable;
  if (*last < *first) return RangeAnswer::whole;
  range = {*first, std::min(*last, size - 1)};
  return RangeAnswer::partial;
}

}  // namespace crmd::http
