#include "domain/imports/csv_reader.hpp"

#include <gtest/gtest.h>

namespace crmd::imports {
namespace {

using Fields = std::vector<std::string>;

// Reads text fed in chunks of chunk bytes.
std::vector<CsvRecord> read(std::string_view text, std::size_t chunk = 1000,
                            CsvLimits limits = {}) {
  CsvReader reader(limits);
  std::vector<CsvRecord> out;
  for (std::size_t i = 0; i < text.size(); i += chunk) reader.feed(text.substr(i, chunk), out);
  reader.finish(out);
  return out;
}

std::vector<Fields> fields_of(const std::vector<CsvRecord>& records) {
  std::vector<Fields> out;
  for (const auto& r : records) out.push_back(r.fields);
  return out;
}

TEST(CsvReader, PlainQuotedDoubledQuotesCommasAndNewlinesInQuotes) {
  const auto records = read("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n");
  EXPECT_EQ(fields_of(records),
            (std::vector<Fields>{{"a", "b", "c"}, {"x, y", "say \"hi\"", "two\nlines"}}));
  EXPECT_FALSE(records[1].error);
}

TEST(CsvReader, LineEndingsBomAndTheLastLineWithoutBreak) {
  const std::vector<Fields> expected{{"a", "b"}, {"1", "2"}, {"3", "4"}};
  for (const char* text : {"a,b\r\n1,2\r\n3,4", "a,b\n1,2\n3,4\n",
                           "\xEF\xBB\xBF"
                           "a,b\r1,2\r3,4\r",
                           "a,b\n\n1,2\r\n\r\n3,4\n\n"})
    for (std::size_t chunk : {1u, 2u, 3u, 1000u})
      EXPECT_EQ(fields_of(read(text, chunk)), expected) << text << " chunk " << chunk;
}

TEST(CsvReader, EmptyFieldsAndQuotedEmptyStrings) {
  EXPECT_EQ(fields_of(read(",,\n\"\",x,\n")), (std::vector<Fields>{{"", "", ""}, {"", "x", ""}}));
}

TEST(CsvReader, LineNumbersCountBreaksInsideQuotes) {
  const auto records = read("h\r\n\"a\nb\"\nc\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].line, 4u);
}

TEST(CsvReader, MalformedRecordsAreReportedAndReadingGoesOn) {
  const auto records = read("ok,1\nbad\"quote,2\n\"closed\"junk,3\nok,4\n\"never closed,5\n");
  ASSERT_EQ(records.size(), 5u);
  EXPECT_FALSE(records[0].error);
  EXPECT_EQ(records[1].error, "a quote inside an unquoted field");
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].excerpt, "bad\"quote,2");
  EXPECT_EQ(records[2].error, "text after the closing quote of a field");
  EXPECT_EQ(records[3].fields, (Fields{"ok", "4"}));
  EXPECT_FALSE(records[3].error);
  EXPECT_EQ(records[4].error, "a quoted field is not closed before the end of the file");
  EXPECT_EQ(records[4].line, 5u);
}

TEST(CsvReader, InvalidUtf8AndLimits) {
  EXPECT_EQ(read("a,\xC3\x28\n")[0].error, "a cell is not valid UTF-8");
  EXPECT_FALSE(read("caf\xC3\xA9,\xF0\x9F\x98\x80\n")[0].error);
  CsvLimits limits{.max_fields = 2, .max_cell_bytes = 3};
  EXPECT_EQ(read("a,b,c\n", 1000, limits)[0].error, "more than 2 fields");
  EXPECT_EQ(read("abcd\n", 1000, limits)[0].error, "a cell is longer than 3 bytes");
  EXPECT_FALSE(read("abc,d\n", 1000, limits)[0].error);
}

TEST(Utf8, RejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
}

}  // namespace
}  // namespace crmd::imports
