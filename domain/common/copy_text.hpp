// Rows in the text format of PostgreSQL's COPY: fields separated by tabs,
// rows ended by newlines, NULL as \N, and backslash, tab, newline and
// carriage return escaped with a backslash
// (https://www.postgresql.org/docs/15/sql-copy.html, "Text Format").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmd {

class CopyText {
 public:
  CopyText& field(std::string_view value);
  CopyText& field(const std::string& value) { return field(std::string_view(value)); }
  CopyText& field(const char* value) { return field(std::string_view(value)); }
  CopyText& field(const std::optional<std::string>& value) {
    return value ? field(std::string_view(*value)) : null();
  }
  CopyText& null();
  // A text[] value: each element double-quoted, as PostgreSQL's array
  // input reads it.
  CopyText& array(const std::vector<std::string>& values);
  void end_row();

  std::size_t rows() const { return rows_; }
  const std::string& text() const { return text_; }
  std::string take() { return std::move(text_); }

 private:
  void separate();
  std::string text_;
  bool row_started_ = false;
  std::size_t rows_ = 0;
};

}  // namespace crmd
