#include <gtest/gtest.h>

#include "domain/exports/contact_export.hpp"
#include "domain/exports/csv_writer.hpp"
#include "domain/exports/download_token.hpp"
#include "server/http/byte_range.hpp"

namespace crmd::exports {
namespace {

const auto kJob = *Uuid::parse("5f0c6c1e-3b1a-4c8e-9a57-0d5c1e2f3a4b");
const auto kOther = *Uuid::parse("6f0c6c1e-3b1a-4c8e-9a57-0d5c1e2f3a4b");
constexpr std::string_view kSecret = "a-secret-of-at-least-thirty-two-bytes!";

TEST(DownloadToken, VerifiesForItsJobUntilItExpires) {
  const auto token = sign_download(kSecret, kJob, 1000);
  EXPECT_TRUE(verify_download(kSecret, kJob, token, 999));
  EXPECT_TRUE(verify_download(kSecret, kJob, token, 1000));
  EXPECT_FALSE(verify_download(kSecret, kJob, token, 1001));
  EXPECT_FALSE(verify_download(kSecret, kOther, token, 999));
  EXPECT_FALSE(verify_download("another-secret-of-thirty-two-bytes!!", kJob, token, 999));
  // A later expiry with the old signature does not verify.
  EXPECT_FALSE(verify_download(kSecret, kJob, "2000" + token.substr(token.find('.')), 999));
  for (const char* bad : {"", ".", "1000", "1000.", "x.y", "-1.abc", "1000.abc"})
    EXPECT_FALSE(verify_download(kSecret, kJob, bad, 0)) << bad;
}

TEST(ByteRange, ReadsOneRangeAndLeavesTheRestWhole) {
  using http::RangeAnswer;
  http::ByteRange r;
  EXPECT_EQ(http::read_range("", 100, r), RangeAnswer::whole);
  EXPECT_EQ(http::read_range("bytes=0-9", 100, r), RangeAnswer::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  EXPECT_EQ(http::read_range("bytes=90-", 100, r), RangeAnswer::partial);
  EXPECT_EQ(r.length(), 10u);
  EXPECT_EQ(http::read_range("bytes=50-500", 100, r), RangeAnswer::partial);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(http::read_range("bytes=-30", 100, r), RangeAnswer::partial);
  EXPECT_EQ(r.first, 70u);
  EXPECT_EQ(http::read_range("bytes=-300", 100, r), RangeAnswer::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(http::read_range("bytes=100-", 100, r), RangeAnswer::unsatisfiable);
  EXPECT_EQ(http::read_range("bytes=-0", 100, r), RangeAnswer::unsatisfiable);
  EXPECT_EQ(http::read_range("bytes=0-1,5-6", 100, r), RangeAnswer::whole);
  EXPECT_EQ(http::read_range("bytes=9-1", 100, r), RangeAnswer::whole);
  EXPECT_EQ(http::read_range("items=0-1", 100, r), RangeAnswer::whole);
  EXPECT_EQ(http::read_range("bytes=a-b", 100, r), RangeAnswer::whole);
}

TEST(ContactSelection, RoundTripsThroughThePayload) {
  ContactSelection filters;
  filters.query.companies = {"acme"};
  filters.query.titles = {"VP Sales", "CEO"};
  filters.query.employees = {{11, 50}, {10001, std::nullopt}};
  filters.query.order = *parse_ordering("-name", contacts::kContactOrderings);
  filters.query.include_deleted = true;
  const auto back = contact_selection_from_json(to_json(filters));
  EXPECT_TRUE(back.ids.empty());
  EXPECT_EQ(back.query.fingerprint(), filters.query.fingerprint());

  ContactSelection ids;
  ids.ids = {kJob, kOther};
  EXPECT_EQ(contact_selection_from_json(to_json(ids)).ids, ids.ids);

  EXPECT_THROW(contact_selection_from_json(boost::json::value(1)), std::invalid_argument);
  EXPECT_THROW(contact_selection_from_json(boost::json::object{{"ids", {"x"}}}),
               std::invalid_argument);
  EXPECT_THROW(contact_selection_from_json(boost::json::object{{"query", "ordering=height"}}),
               std::invalid_argument);
}

TEST(CsvCells, NeutralisedCellsAreRestoredOnImport) {
  std::string row;
  append_csv_cell(row, "=1+2", true);
  append_csv_cell(row, "+1 555", false);
  append_csv_cell(row, "-x, y", false);
  append_csv_cell(row, "plain", false);
  EXPECT_EQ(row, "'=1+2,'+1 555,\"'-x, y\",plain");
  EXPECT_EQ(restored("'=1+2"), "=1+2");
  EXPECT_EQ(restored("'+1 555"), "+1 555");
  EXPECT_EQ(restored("'quoted'"), "'quoted'");
  EXPECT_EQ(restored("'"), "'");
}

}  // namespace
}  // namespace crmd::exports
