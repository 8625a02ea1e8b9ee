#include "domain/common/copy_text.hpp"

#include <gtest/gtest.h>

namespace crmd {
namespace {

TEST(CopyTextTest, FieldsAreTabSeparatedAndRowsNewlineEnded) {
  CopyText rows;
  rows.field("a").field("b").end_row();
  rows.null().field("").end_row();
  EXPECT_EQ(rows.text(), "a\tb\n\\N\t\n");
  EXPECT_EQ(rows.rows(), 2u);
}

TEST(CopyTextTest, EscapesWhatTheFormatGivesMeaningTo) {
  CopyText rows;
  rows.field("back\\slash\ttab\nnew\rreturn \\N").end_row();
  EXPECT_EQ(rows.text(), "back\\\\slash\\ttab\\nnew\\rreturn \\\\N\n");
}

TEST(CopyTextTest, OptionalsAreNullWhenEmpty) {
  CopyText rows;
  rows.field(std::optional<std::string>()).field(std::optional<std::string>("x")).end_row();
  EXPECT_EQ(rows.text(), "\\N\tx\n");
}

TEST(CopyTextTest, ArraysQuoteEveryElement) {
  CopyText rows;
  rows.array({"sales", "a,b", "say \"hi\"", "NULL", "c:\\"}).end_row();
  rows.array({}).end_row();
  // The array literal's own backslashes are escaped again for COPY.
  EXPECT_EQ(rows.text(),
            "{\"sales\",\"a,b\",\"say \\\\\"hi\\\\\"\",\"NULL\",\"c:\\\\\\\\\"}\n{}\n");
}

}  // namespace
}  // namespace crmd
