// The Range header of a GET (RFC 9110 §14): one range of bytes. Several
// ranges (a multipart answer) are answered as the whole file, which the RFC
// allows.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace crmd::http {

struct ByteRange {
  std::uint64_t first = 0, last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

enum class RangeAnswer { whole, partial, unsatisfiable };

// What to send of a body of size bytes for this Range header ("" when
// absent): the whole body (no header, several ranges or a header that is
// not bytes=), a part (206, into range) or nothing (416).
RangeAnswer read_range(std::string_view header, std::uint64_t size, ByteRange& range);

}  // namespace crmd::http
