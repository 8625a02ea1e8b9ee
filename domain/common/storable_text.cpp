#include "domain/common/storable_text.hpp"

#include <cmath>

namespace crmd {

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
      return false;  // continuation byte, overlong C0/C1, or F5..FF
    }
    if (i + length > n || s[i + 1] < low || s[i + 1] > high) return false;
    for (std::size_t k = 2; k < length; ++k)
      if ((s[i + k] & 0xC0) != 0x80) return false;
    i += length;
  }
  return true;
}

bool storable(std::string_view text) {
  return text.find('\0') == std::string_view::npos && valid_utf8(text);
}

void truncate_utf8(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

std::string storable_copy(std::string_view text) {
  if (storable(text)) return std::string(text);
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    // The longest valid sequence starting here: one to four bytes.
    std::size_t length = 0;
    for (std::size_t n = 1; n <= 4 && i + n <= text.size(); ++n)
      if (valid_utf8(text.substr(i, n))) {
        length = n;
        break;
      }
    if (length == 0 || text[i] == '\0') {
      out += kReplacement;
      ++i;
    } else {
      out += text.substr(i, length);
      i += length;
    }
  }
  return out;
}

namespace {

std::optional<UnstorableJson> walk(const boost::json::value& json, const std::string& path) {
  switch (json.kind()) {
    case boost::json::kind::string:
      if (!storable(json.get_string())) return UnstorableJson{path, "contains a NUL character"};
      return std::nullopt;
    case boost::json::kind::double_:
      if (!std::isfinite(json.get_double()))
        return UnstorableJson{path, "is a number too large to store"};
      return std::nullopt;
    case boost::json::kind::array: {
      const auto& array = json.get_array();
      for (std::size_t i = 0; i < array.size(); ++i)
        if (auto bad = walk(array[i], path + "[" + std::to_string(i) + "]")) return bad;
      return std::nullopt;
    }
    case boost::json::kind::object:
      for (const auto& item : json.get_object()) {
        const std::string key(item.key());
        if (!storable(key)) return UnstorableJson{path, "has a key with a NUL character"};
        if (auto bad = walk(item.value(), path == "body" ? key : path + "." + key)) return bad;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<UnstorableJson> find_unstorable(const boost::json::value& json,
                                              std::string_view root) {
  return walk(json, std::string(root));
}

}  // namespace crmd
