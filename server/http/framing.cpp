#include "server/http/framing.hpp"

#include <boost/beast/core/string.hpp>

namespace crmd::http {

std::optional<std::string> framing_problem(const Message& message) {
  using beast_http::field;
  const auto lengths = message.count(field::content_length);
  const auto encodings = message.count(field::transfer_encoding);
  if (lengths > 0 && encodings > 0) return "both Content-Length and Transfer-Encoding are present";
  if (lengths > 1) {
    auto range = message.equal_range(field::content_length);
    const auto first = range.first->value();
    for (auto it = range.first; it != range.second; ++it)
      if (it->value() != first) return "conflicting Content-Length values";
  }
  if (encodings > 0) {
    if (message.version() < 11) return "Transfer-Encoding is not allowed in HTTP/1.0";
    // Only "chunked" alone is accepted: other codings would need decoding
    // this server does not do, and chunked must be the last coding anyway.
    if (encodings > 1 || !boost::beast::iequals(message[field::transfer_encoding], "chunked"))
      return "unsupported Transfer-Encoding (only chunked is accepted)";
  }
  return std::nullopt;
}

}  // namespace crmd::http
