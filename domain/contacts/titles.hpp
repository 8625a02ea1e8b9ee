// Job titles: one normalized form for the many ways people write the same
// title ("VP Sales", "Vice President of Sales"), and the seniority a title
// implies (Apollo's levels). Both feed the title and seniority filters.
#pragma once

#include <string>
#include <string_view>

namespace crmd::contacts {

// Lower case, abbreviations expanded, punctuation and filler words
// ("of", "the", "and", "&") dropped, single spaces.
std::string normalize_title(std::string_view title);

// owner, founder, c_suite, partner, vp, head, director, manager, senior,
// intern or entry.
std::string_view infer_seniority(std::string_view title);

}  // namespace crmd::contacts
