#include "domain/exports/csv_writer.hpp"

namespace crmd::exports {

namespace {

bool could_run(char c) {
  return std::string_view("=+-@\t\r").find(c) != std::string_view::npos;
}

}  // namespace

std::string_view restored(std::string_view cell) {
  if (cell.size() > 1 && cell.front() == '\'' && could_run(cell[1])) cell.remove_prefix(1);
  return cell;
}

void append_csv_cell(std::string& out, std::string_view cell, bool first) {
  if (!first) out += ',';
  const bool neutralise = !cell.empty() && could_run(cell.front());
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
    if (neutralise) out += '\'';
    out += cell;
    return;
  }
  out += '"';
  if (neutralise) out += '\'';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_row(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) append_csv_cell(out, cells[i], i == 0);
  out += "\r\n";
}

}  // namespace crmd::exports
