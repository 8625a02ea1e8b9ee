#include "domain/exports/csv_writer.hpp"

#include <gtest/gtest.h>

#include "domain/imports/csv_reader.hpp"

namespace crmd::exports {
namespace {

TEST(CsvWriter, QuotesWhatNeedsItAndNeutralisesFormulas) {
  std::string out;
  append_csv_row(out, {"plain", "a,b", "say \"hi\"", "two\nlines", ""});
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
  for (const char* formula : {"=1+1", "+33 1", "-2", "@SUM(A1)", "\tx", "\rx"})
    EXPECT_EQ(neutralised(formula), std::string("'") + formula) << formula;
  EXPECT_EQ(neutralised("café"), "café");
}

TEST(CsvWriter, WhatItWritesReadsBackTheSame) {
  const std::vector<std::string> cells{"Ann", "O\"Neil, Jr.", "line\r\nbreak", "ünïcödé", ""};
  std::string out;
  append_csv_row(out, cells);
  imports::CsvReader reader;
  std::vector<imports::CsvRecord> records;
  reader.feed(out, records);
  reader.finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, cells);
}

}  // namespace
}  // namespace crmd::exports
