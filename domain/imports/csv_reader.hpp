// A streaming RFC 4180 reader: bytes go in by chunks of any size, complete
// records come out with the line they start on. Quoted fields may hold
// commas, doubled quotes and line breaks; CRLF, LF and a lone CR end
// records; a UTF-8 byte-order mark at the start is skipped; the last record
// needs no line break. A malformed record (a quote inside an unquoted field,
// text after a closing quote, invalid UTF-8, a cell or record over the
// limits, an unterminated quote at the end) comes out with its error and
// an excerpt, and reading goes on with the next line.
//
// Written here rather than taken from libcsv (Debian's CSV library): libcsv
// reports neither the line of a record nor where a malformed one ends, and
// stops at the first error, while an import must report each bad row by
// line and carry on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmd::imports {

struct CsvLimits {
  std::size_t max_fields = 200;
  std::size_t max_cell_bytes = 10'000;
};

struct CsvRecord {
  std::uint64_t line = 0;  // 1-based line of the record's first byte
  std::vector<std::string> fields;
  std::optional<std::string> error;  // why the record is malformed
  std::string excerpt;               // its first bytes, for error reports
  std::uint64_t end_offset = 0;      // bytes of the input up to its end
  std::uint64_t next_line = 0;       // the line the next record starts on
};

class CsvReader {
 public:
  explicit CsvReader(CsvLimits limits = {}) : limits_(limits) {}
  // Resuming at a record's end_offset and next_line. It starts as after a
  // CR, so that the LF of a CRLF the record ended on is not a blank line.
  CsvReader(CsvLimits limits, std::uint64_t offset, std::uint64_t line)
      : limits_(limits),
        state_(State::after_cr),
        offset_(offset),
        line_(line),
        bom_matched_(offset ? -1 : 0) {}

  // Parses data; complete records are appended to out.
  void feed(std::string_view data, std::vector<CsvRecord>& out);
  // The end of the input: the last record, if it lacks a line break.
  void finish(std::vector<CsvRecord>& out);

  // Bytes consumed so far (a record's end offset is known once it is out).
  std::uint64_t offset() const { return offset_; }

 private:
  enum class State { field_start, unquoted, quoted, quote_in_quoted, after_cr, lenient };

  void take(char c, std::vector<CsvRecord>& out);
  void append(char c);
  void end_field();
  void end_record(std::vector<CsvRecord>& out);
  void fail(std::string message);

  CsvLimits limits_;
  State state_ = State::field_start;
  std::uint64_t offset_ = 0;
  std::uint64_t line_ = 1;
  int bom_matched_ = 0;  // bytes of a leading BOM seen (-1: no BOM)
  CsvRecord record_;
  std::string field_;
  bool record_started_ = false;
};

// Whether text is well-formed UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view text);

}  // namespace crmd::imports
