#include "domain/exports/csv_writer.hpp"

#include <gtest/gtest.h>

#include "domain/imports/csv_reader.hpp"

namespace crmd::exports {
namespace {

TEST(CsvWriter, QuotesWhatNeedsItAndNeutralisesFormulas) {
  std::string out;
  append_csv_row(out, {"plain", "a,b", "say \"hi\"", "two\nlines", ""});
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
  for (const char* formula : {"=1+1", "+33 1", "-2", "@SUM(A1)", "\tx"}) {
    std::string cell;
    append_csv_cell(cell, formula, true);
    EXPECT_EQ(cell, std::string("'") + formula) << formula;
  }
  std::string quoted;
  append_csv_cell(quoted, "\rx", true);
  EXPECT_EQ(quoted, "\"'\rx\"");
  std::string plain;
  append_csv_cell(plain, "café", true);
  EXPECT_EQ(plain, "café");
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
