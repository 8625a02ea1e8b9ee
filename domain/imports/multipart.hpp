// The file in a multipart/form-data body (RFC 7578): the boundary from the
// Content-Type, and a scanner fed the body in chunks of any size that finds
// the byte range of the first part carrying a file (a filename, or the name
// "file"), so that an upload kept on disk is read once, never held whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmd::imports {

// The boundary parameter of a multipart/form-data Content-Type; nullopt
// for another type or a missing or malformed boundary.
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct ByteSpan {
  std::uint64_t begin = 0, end = 0;  // [begin, end) of the body
};

class MultipartScanner {
 public:
  explicit MultipartScanner(std::string_view boundary);

  void feed(std::string_view bytes);
  // The body ended: a body cut short is an error.
  void finish();

  // The file's content, once its closing delimiter was seen.
  const std::optional<ByteSpan>& file() const { return file_; }
  // Why the body is not multipart as announced.
  const std::optional<std::string>& error() const { return error_; }
  // The headers of the file's part, once its content began.
  const std::string& file_headers() const { return file_headers_; }

 private:
  enum class State { preamble, after_delimiter, headers, content, epilogue };
  void step();

  std::string delimiter_;     // CRLF "--" boundary
  std::string pending_;       // bytes not yet consumed
  std::uint64_t offset_ = 0;  // of pending_'s first byte in the body
  State state_ = State::preamble;
  bool part_is_file_ = false;
  std::uint64_t content_begin_ = 0;
  std::optional<ByteSpan> file_;
  std::optional<std::string> error_;
  std::string file_headers_;
};

// What a file part's headers say of it: the filename parameter of its
// Content-Disposition (quoted or not; RFC 7578 forbids filename*) and its
// Content-Type; empty when absent.
struct PartHeaders {
  std::string filename, content_type;
};
PartHeaders read_part_headers(std::string_view headers);

}  // namespace crmd::imports
