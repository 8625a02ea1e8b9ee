#include "domain/imports/csv_reader.hpp"

namespace crmd::imports {
namespace {

constexpr std::size_t kExcerptBytes = 200;
constexpr unsigned char kBom[] = {0xEF, 0xBB, 0xBF};

}  // namespace

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length;
    std::uint32_t code;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += length;
  }
  return true;
}

void CsvReader::feed(std::string_view data, std::vector<CsvRecord>& out) {
  for (char c : data) {
    ++offset_;
    if (bom_matched_ >= 0 && bom_matched_ < 3) {
      if (static_cast<unsigned char>(c) == kBom[bom_matched_]) {
        if (++bom_matched_ == 3) bom_matched_ = -1;
        continue;
      }
      // Not a BOM after all: the bytes taken for one are data.
      const int taken = bom_matched_;
      bom_matched_ = -1;
      for (int k = 0; k < taken; ++k) take(static_cast<char>(kBom[k]), out);
    }
    take(c, out);
  }
}

void CsvReader::finish(std::vector<CsvRecord>& out) {
  if (bom_matched_ > 0) {
    const int taken = bom_matched_;
    bom_matched_ = -1;
    for (int k = 0; k < taken; ++k) take(static_cast<char>(kBom[k]), out);
  }
  if (state_ == State::quoted) fail("a quoted field is not closed before the end of the file");
  if (record_started_) end_record(out);
}

void CsvReader::take(char c, std::vector<CsvRecord>& out) {
  if (state_ == State::after_cr) {
    state_ = State::field_start;
    if (c == '\n') return;  // CRLF: the record and its line ended at the CR
  }
  if (!record_started_) {
    record_started_ = true;
    record_.line = line_;
  }
  if (record_.excerpt.size() < kExcerptBytes) record_.excerpt += c;
  const auto line_break = [&] {
    ++line_;
    end_record(out);
    if (c == '\r') state_ = State::after_cr;
  };
  switch (state_) {
    case State::after_cr:
    case State::field_start:
      if (c == '"') {
        state_ = State::quoted;
        return;
      }
      [[fallthrough]];
    case State::unquoted:
      if (c == ',') {
        end_field();
        state_ = State::field_start;
      } else if (c == '\n' || c == '\r') {
        line_break();
      } else if (c == '"') {
        fail("a quote inside an unquoted field");
        state_ = State::lenient;
      } else {
        append(c);
        state_ = State::unquoted;
      }
      return;
    case State::quoted:
      if (c == '"') {
        state_ = State::quote_in_quoted;
      } else {
        if (c == '\n') ++line_;
        append(c);
      }
      return;
    case State::quote_in_quoted:
      if (c == '"') {
        append('"');
        state_ = State::quoted;
      } else if (c == ',') {
        end_field();
        state_ = State::field_start;
      } else if (c == '\n' || c == '\r') {
        line_break();
      } else {
        fail("text after the closing quote of a field");
        state_ = State::lenient;
      }
      return;
    case State::lenient:  // a malformed record: skip to the end of its line
      if (c == '\n' || c == '\r') line_break();
      return;
  }
}

void CsvReader::append(char c) {
  if (field_.size() >= limits_.max_cell_bytes) {
    if (!record_.error)
      fail("a cell is longer than " + std::to_string(limits_.max_cell_bytes) + " bytes");
    return;
  }
  field_ += c;
}

void CsvReader::end_field() {
  if (record_.fields.size() >= limits_.max_fields) {
    if (!record_.error) fail("more than " + std::to_string(limits_.max_fields) + " fields");
  } else {
    if (!record_.error && !valid_utf8(field_)) fail("a cell is not valid UTF-8");
    record_.fields.push_back(std::move(field_));
  }
  field_.clear();
}

void CsvReader::end_record(std::vector<CsvRecord>& out) {
  if (state_ != State::lenient) end_field();
  state_ = State::field_start;
  record_started_ = false;
  while (!record_.excerpt.empty() &&
         (record_.excerpt.back() == '\n' || record_.excerpt.back() == '\r'))
    record_.excerpt.pop_back();
  // A blank line is no record.
  const bool blank = !record_.error && record_.fields.size() == 1 && record_.fields[0].empty();
  record_.end_offset = offset_;
  record_.next_line = line_;
  if (!blank) out.push_back(std::move(record_));
  record_ = CsvRecord{};
  field_.clear();
}

void CsvReader::fail(std::string message) {
  if (!record_.error) record_.error = std::move(message);
}

}  // namespace crmd::imports
