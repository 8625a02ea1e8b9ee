// Writing CSV (RFC 4180, UTF-8): a field is quoted when it holds a comma, a
// quote or a line break, quotes doubled. A cell a spreadsheet would run as a
// formula (starting with =, +, -, @, a tab or a carriage return) is
// neutralised with a leading apostrophe, as OWASP advises for CSV exports.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crmd::exports {

// Appends one record, ended by CRLF.
void append_csv_row(std::string& out, const std::vector<std::string>& cells);

// The cell a neutralised one stood for: the importer reads crmd's own
// exports back to the same values (a phone "+1 555" is written "'+1 555").
std::string_view restored(std::string_view cell);

// Appends one cell: a comma first unless it is the record's first.
void append_csv_cell(std::string& out, std::string_view cell, bool first);

}  // namespace crmd::exports
