#include "domain/common/copy_text.hpp"

namespace crmd {

namespace {

void append_escaped(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

void CopyText::separate() {
  if (row_started_) text_ += '\t';
  row_started_ = true;
}

CopyText& CopyText::field(std::string_view value) {
  separate();
  append_escaped(text_, value);
  return *this;
}

CopyText& CopyText::null() {
  separate();
  text_ += "\\N";
  return *this;
}

CopyText& CopyText::array(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return field(literal);
}

void CopyText::end_row() {
  text_ += '\n';
  row_started_ = false;
  ++rows_;
}

}  // namespace crmd
