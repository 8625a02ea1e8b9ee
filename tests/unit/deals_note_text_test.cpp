#include <gtest/gtest.h>

#include "domain/deals/note_text.hpp"

namespace crmd::deals {
namespace {

TEST(NoteText, DropsTagsAndCollapsesSpaces) {
  EXPECT_EQ(note_text("<b>Call</b>   <i>back</i>\t\ttomorrow"), "Call back tomorrow");
  EXPECT_EQ(note_text("  <span>  padded  </span>  "), "padded");
  EXPECT_EQ(note_text(""), "");
  EXPECT_EQ(note_text("plain text"), "plain text");
}

TEST(NoteText, LineBreakingTags) {
  EXPECT_EQ(note_text("one<br>two<BR/>three<br />four"), "one\ntwo\nthree\nfour");
  EXPECT_EQ(note_text("<p>first</p><p>second</p>"), "first\nsecond");
  EXPECT_EQ(note_text("<div>a</div><ul><li>b</li><li>c</li></ul>"), "a\nb\nc");
  EXPECT_EQ(note_text("<table><tr><td>x</td></tr><tr><td>y</td></tr></table>"), "x\ny");
  EXPECT_EQ(note_text("above<hr>below"), "above\nbelow");
}

TEST(NoteText, AtMostTwoLineBreaksAndNoSpacesAroundThem) {
  EXPECT_EQ(note_text("a<br><br><br><br>b"), "a\n\nb");
  EXPECT_EQ(note_text("a  <br>  b"), "a\nb");
  EXPECT_EQ(note_text("<p>a</p>\n\n\n<p>b</p>\n"), "a\n\nb");
  EXPECT_EQ(note_text("<br><br>a<br><br>"), "a");
}

TEST(NoteText, DropsScriptAndStyleContent) {
  EXPECT_EQ(note_text("a<script>if (x < 1) alert('</p>')</script>b"), "ab");
  EXPECT_EQ(note_text("a<STYLE type=\"text/css\">p { color: red }</Style >b"), "ab");
  EXPECT_EQ(note_text("a<script>never closed"), "a");
  EXPECT_EQ(note_text("a<script/>b"), "ab");
  EXPECT_EQ(note_text("a<!-- <p>hidden</p> -->b<!-- unterminated"), "ab");
}

TEST(NoteText, DecodesEntities) {
  EXPECT_EQ(note_text("Tom &amp; Jerry &lt;tj@x.com&gt; &quot;hi&quot; it&#39;s &apos;ok&apos;"),
            "Tom & Jerry <tj@x.com> \"hi\" it's 'ok'");
  EXPECT_EQ(note_text("a&nbsp;&nbsp;b"), "a b");
  EXPECT_EQ(note_text("&#233;t&#xE9; &#x1F600;"), "\u00e9t\u00e9 \U0001F600");
  EXPECT_EQ(note_text("&amp;lt;"), "&lt;");  // decoded once
}

TEST(NoteText, LeavesUnknownEntitiesAsWritten) {
  EXPECT_EQ(note_text("&copy; &bogus; & alone &; &#; &#x; AT&T"),
            "&copy; &bogus; & alone &; &#; &#x; AT&T");
}

TEST(NoteText, InvalidCodePointsBecomeTheReplacementCharacter) {
  EXPECT_EQ(note_text("&#0;"), "\uFFFD");
  EXPECT_EQ(note_text("&#xD800;"), "\uFFFD");
  EXPECT_EQ(note_text("&#x110000;"), "\uFFFD");
  EXPECT_EQ(note_text("&#99999999999999999999999999999999;"), "\uFFFD");
  EXPECT_EQ(note_text("&#x10FFFF;"), "\U0010FFFF");
}

TEST(NoteText, MalformedMarkupIsSafe) {
  EXPECT_EQ(note_text("<"), "<");
  EXPECT_EQ(note_text("a < b > c"), "a < b > c");
  EXPECT_EQ(note_text("1 <2"), "1 <2");
  EXPECT_EQ(note_text("x<b"), "x");
  EXPECT_EQ(note_text("x<a href=\"a>b\">link</a>"), "xlink");
  EXPECT_EQ(note_text("x<a href='unterminated>y"), "x");
  EXPECT_EQ(note_text("&"), "&");
  EXPECT_EQ(note_text("&#"), "&#");
  EXPECT_EQ(note_text("&#x"), "&#x");
  EXPECT_EQ(note_text("x&#12"), "x");  // a form feed, unterminated: whitespace, trimmed
  EXPECT_EQ(note_text("</"), "</");
  EXPECT_EQ(note_text("a</script"), "a");
}

TEST(NoteText, LinearOnHostileInput) {
  std::string hostile;
  for (int i = 0; i < 200000; ++i) hostile += "<a&#<script";
  EXPECT_NO_THROW(note_text(hostile));
  EXPECT_EQ(note_text(std::string(300000, '<')), std::string(300000, '<'));
  EXPECT_EQ(note_text(std::string(300000, '&')), std::string(300000, '&'));
}

}  // namespace
}  // namespace crmd::deals
