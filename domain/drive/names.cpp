#include "domain/drive/names.hpp"

#include "domain/common/storable_text.hpp"

namespace crmd::drive {

std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) return "a name may not be empty";
  if (name == "." || name == "..") return "a name may not be . or ..";
  if (name.size() > kMaxNameBytes)
    return "a name may have at most " + std::to_string(kMaxNameBytes) + " bytes";
  if (!storable(name)) return "a name must be UTF-8 text";
  for (unsigned char c : name) {
    if (c == '/') return "a name may not contain /";
    if (c < 0x20 || c == 0x7f) return "a name may not contain control characters";
  }
  if (name.front() == ' ' || name.back() == ' ') return "a name may not start or end with a space";
  return std::nullopt;
}

std::string sanitized_name(std::string_view text, std::string_view fallback) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) c = ' ';
    if (c == '/' || c == '\\') c = '-';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(static_cast<char>(c));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kMaxNameBytes) {
    truncate_utf8(out, kMaxNameBytes);
    while (!out.empty() && out.back() == ' ') out.pop_back();
  }
  if (out.empty() || out == "." || out == ".." || !storable(out)) return std::string(fallback);
  return out;
}

}  // namespace crmd::drive
