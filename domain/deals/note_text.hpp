// The plain text of a note's HTML (Pipedrive stores notes as HTML), for
// display and for prompts.
#pragma once

#include <string>
#include <string_view>

namespace crmd::deals {

// Tags dropped, <br>, <hr>, </p>, </div>, </li> and </tr> made line breaks,
// <script> and <style> dropped with their content, comments dropped, the
// common entities and numeric ones decoded (an invalid code point becomes
// U+FFFD, an unknown entity stays as written), runs of spaces and tabs made
// one space, at most 2 line breaks in a row, trimmed. Any input is safe;
// time is linear in its size.
std::string note_text(std::string_view html);

}  // namespace crmd::deals
