#include "domain/common/json_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstring>

namespace crmd {

void JsonText::open(char bracket) {
  separate();
  text_ += bracket;
  after_value_ = false;
}

void JsonText::close(char bracket) {
  text_ += bracket;
  after_value_ = true;
}

void JsonText::key(std::string_view name) {
  separate();
  quoted(name);
  text_ += ':';
  after_value_ = false;
}

void JsonText::literal(std::string_view text) {
  separate();
  text_ += text;
  after_value_ = true;
}

void JsonText::number(std::int64_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  literal(std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void JsonText::value(std::string_view text) {
  separate();
  quoted(text);
  after_value_ = true;
}

void JsonText::value(const Uuid& id) {
  char text[Uuid::kTextSize];
  id.write(text);
  value(std::string_view(text, sizeof text));
}

void JsonText::value(Timestamp t) {
  char text[kRfc3339MaxSize];
  value(std::string_view(text, write_rfc3339(t, text)));
}

void JsonText::value(std::nullptr_t) {
  literal("null");
}

JsonText JsonText::of_tree(const boost::json::value& tree) {
  JsonText out;
  out.text_ = boost::json::serialize(tree);  // a whole answer: not copied again
  out.after_value_ = true;
  return out;
}

void JsonText::value(const boost::json::value& tree) {
  literal(boost::json::serialize(tree));
}

void JsonText::value(const boost::json::object& tree) {
  literal(boost::json::serialize(tree));
}

void JsonText::value(const std::vector<std::string>& texts) {
  begin_array();
  for (const auto& text : texts) value(std::string_view(text));
  end_array();
}

namespace {

// Whether any of the eight bytes of `word` must be escaped: a control
// character, the quote or the backslash (the bit tricks of "Bit Twiddling
// Hacks": a byte below n, a byte equal to c).
bool needs_escape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  const auto below = [&](std::uint64_t n) { return (word - kOnes * n) & ~word & kHighs; };
  const auto equal = [&](std::uint64_t c) {
    const auto x = word ^ (kOnes * c);
    return (x - kOnes) & ~x & kHighs;
  };
  return (below(0x20) | equal('"') | equal('\\')) != 0;
}

}  // namespace

// The escapes of boost::json::serialize: the quote, the backslash and the
// control characters; everything else (UTF-8 included) as it is.
void JsonText::quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  text_ += '"';
  std::size_t plain = 0, i = 0;
  while (i < text.size()) {
    std::uint64_t word;
    if (text.size() - i >= sizeof word) {
      std::memcpy(&word, text.data() + i, sizeof word);
      if (!needs_escape(word)) {
        i += sizeof word;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(text[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    text_.append(text.data() + plain, i - 1 - plain);
    plain = i;
    switch (c) {
      case '"':
        text_ += "\\\"";
        break;
      case '\\':
        text_ += "\\\\";
        break;
      case '\b':
        text_ += "\\b";
        break;
      case '\f':
        text_ += "\\f";
        break;
      case '\n':
        text_ += "\\n";
        break;
      case '\r':
        text_ += "\\r";
        break;
      case '\t':
        text_ += "\\t";
        break;
      default:
        text_ += "\\u00";
        text_ += kHex[c >> 4];
        text_ += kHex[c & 0xf];
    }
  }
  text_.append(text.data() + plain, text.size() - plain);
  text_ += '"';
}

}  // namespace crmd
