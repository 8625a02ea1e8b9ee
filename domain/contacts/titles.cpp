#include "domain/contacts/titles.hpp"

#include <array>
#include <utility>
#include <vector>

namespace crmd::contacts {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kAbbreviations{{
    {"vp", "vice president"},
    {"svp", "senior vice president"},
    {"evp", "executive vice president"},
    {"avp", "assistant vice president"},
    {"ceo", "chief executive officer"},
    {"cto", "chief technology officer"},
    {"cfo", "chief financial officer"},
    {"coo", "chief operating officer"},
    {"cmo", "chief marketing officer"},
    {"cio", "chief information officer"},
    {"cro", "chief revenue officer"},
    {"cpo", "chief product officer"},
    {"ciso", "chief information security officer"},
    {"sr", "senior"},
    {"snr", "senior"},
    {"jr", "junior"},
    {"mgr", "manager"},
    {"dir", "director"},
    {"eng", "engineering"},
    {"engr", "engineer"},
    {"mktg", "marketing"},
    {"ops", "operations"},
    {"hr", "human resources"},
    {"bd", "business development"},
}};

constexpr std::array<std::string_view, 5> kFillers{"of", "the", "and", "for", "at"};

std::vector<std::string> words_of(std::string_view title) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (char c : title) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word += static_cast<char>(std::tolower(u));
    } else if (c == '\'') {
      continue;  // "founder's" reads as "founders"
    } else {
      flush();
    }
  }
  flush();
  return words;
}

bool has(const std::string& normalized, std::string_view phrase) {
  // Whole words only: "director" must not match inside "directors'" twice.
  const std::string padded = " " + normalized + " ";
  return padded.find(" " + std::string(phrase) + " ") != std::string::npos;
}

}  // namespace

std::string normalize_title(std::string_view title) {
  std::string out;
  for (const auto& word : words_of(title)) {
    std::string_view expanded = word;
    for (const auto& [abbreviation, full] : kAbbreviations)
      if (word == abbreviation) expanded = full;
    bool filler = false;
    for (auto f : kFillers) filler = filler || expanded == f;
    if (filler) continue;
    if (!out.empty()) out += ' ';
    out += expanded;
  }
  return out;
}

std::string_view infer_seniority(std::string_view title) {
  const auto t = normalize_title(title);
  if (has(t, "owner")) return "owner";
  if (has(t, "founder") || has(t, "cofounder") || has(t, "co founder")) return "founder";
  if (has(t, "chief") || (has(t, "president") && !has(t, "vice president"))) return "c_suite";
  if (has(t, "partner")) return "partner";
  if (has(t, "vice president")) return "vp";
  if (has(t, "head")) return "head";
  if (has(t, "director")) return "director";
  if (has(t, "manager")) return "manager";
  if (has(t, "intern")) return "intern";
  if (has(t, "senior") || has(t, "lead") || has(t, "principal") || has(t, "staff")) return "senior";
  return "entry";
}

}  // namespace crmd::contacts
