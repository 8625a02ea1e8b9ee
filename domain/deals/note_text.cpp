#include "domain/deals/note_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace crmd::deals {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::size_t kMaxLineBreaks = 2;

// Writes text with its whitespace collapsed: spaces and line breaks are
// held back until the next visible character, so none leads or trails
// the text or a line.
class TextWriter {
 public:
  void space() { pending_space_ = true; }
  void line_break() {
    pending_breaks_ = std::min(pending_breaks_ + 1, kMaxLineBreaks);
    pending_space_ = false;
  }
  void put(char c) {
    if (!out_.empty()) {
      if (pending_breaks_ > 0)
        out_.append(pending_breaks_, '\n');
      else if (pending_space_)
        out_ += ' ';
    }
    pending_breaks_ = 0;
    pending_space_ = false;
    out_ += c;
  }
  void put(std::string_view text) {
    for (char c : text) put(c);
  }
  void put_text(char c) {
    if (c == '\n')
      line_break();
    else if (c == ' ' || c == '\t' || c == '\f' || c == '\v')
      space();
    else if (c != '\r')
      put(c);
  }
  void put_code_point(char32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
    if (cp < 0x80) return put_text(static_cast<char>(cp));
    char bytes[4];
    std::size_t n = 0;
    if (cp < 0x800) {
      bytes[n++] = static_cast<char>(0xC0 | (cp >> 6));
    } else if (cp < 0x10000) {
      bytes[n++] = static_cast<char>(0xE0 | (cp >> 12));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    } else {
      bytes[n++] = static_cast<char>(0xF0 | (cp >> 18));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      bytes[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    }
    bytes[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    put(std::string_view(bytes, n));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  bool pending_space_ = false;
  std::size_t pending_breaks_ = 0;
};

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_alnum(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

struct NamedEntity {
  std::string_view name;
  char32_t code_point;
};
// &nbsp; is a plain space here: the text is read, not laid out.
constexpr std::array<NamedEntity, 6> kEntities{
    {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}}};

// Decodes the entity at html[i] == '&' and returns the index after it, or
// i + 1 (the '&' written as is) when there is none there.
std::size_t entity(std::string_view html, std::size_t i, TextWriter& out) {
  std::size_t j = i + 1;
  if (j < html.size() && html[j] == '#') {
    ++j;
    const bool hex = j < html.size() && (html[j] == 'x' || html[j] == 'X');
    if (hex) ++j;
    const std::size_t first = j;
    char32_t cp = 0;
    for (; j < html.size(); ++j) {
      const int digit =
          hex ? hex_value(html[j]) : (html[j] >= '0' && html[j] <= '9' ? html[j] - '0' : -1);
      if (digit < 0) break;
      // Past the last code point it stays past it, however many digits follow.
      cp = std::min<char32_t>(cp * (hex ? 16 : 10) + static_cast<char32_t>(digit), 0x110000);
    }
    if (j == first) {
      out.put('&');
      return i + 1;
    }
    if (j < html.size() && html[j] == ';') ++j;
    out.put_code_point(cp);
    return j;
  }
  while (j < html.size() && j - i <= 8 && is_alnum(html[j])) ++j;
  if (j < html.size() && html[j] == ';') {
    const auto name = html.substr(i + 1, j - i - 1);
    for (const auto& e : kEntities)
      if (e.name == name) {
        out.put_code_point(e.code_point);
        return j + 1;
      }
  }
  out.put('&');
  return i + 1;
}

// The end of the tag starting at html[i] == '<' (the index after its '>',
// quoted attribute values skipped), or html.size() when it is not closed.
std::size_t tag_end(std::string_view html, std::size_t i) {
  char quote = 0;
  for (std::size_t j = i + 1; j < html.size(); ++j) {
    const char c = html[j];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return j + 1;
    }
  }
  return html.size();
}

// Where "</name" starts at or after `from`, any case; html.size() if nowhere.
std::size_t closing_tag(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t j = from; j + 1 + name.size() < html.size(); ++j) {
    if (html[j] != '<' || html[j + 1] != '/') continue;
    std::size_t k = 0;
    while (k < name.size() && lower(html[j + 2 + k]) == name[k]) ++k;
    if (k == name.size()) return j;
  }
  return html.size();
}

bool breaks_line(std::string_view name, bool closing) {
  if (name == "br" || name == "hr") return true;
  return closing && (name == "p" || name == "div" || name == "li" || name == "tr");
}

}  // namespace

std::string note_text(std::string_view html) {
  TextWriter out;
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      i = entity(html, i, out);
      continue;
    }
    const char next = i + 1 < html.size() ? html[i + 1] : '\0';
    const bool closing = next == '/';
    const char name_start = closing && i + 2 < html.size() ? html[i + 2] : next;
    if (c != '<' || !(is_alpha(name_start) || next == '!' || next == '?')) {
      out.put_text(c);
      ++i;
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      const auto end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const std::size_t end = tag_end(html, i);
    std::string name;
    for (std::size_t j = i + (closing ? 2 : 1); j < end && is_alnum(html[j]) && name.size() < 8;
         ++j)
      name += lower(html[j]);
    if (breaks_line(name, closing)) out.line_break();
    i = end;
    const bool self_closing = end >= 2 && html[end - 1] == '>' && html[end - 2] == '/';
    if (!closing && !self_closing && (name == "script" || name == "style"))
      i = closing_tag(html, i, name);
  }
  return out.take();
}

}  // namespace crmd::deals
