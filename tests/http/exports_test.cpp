#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>

#include "actors/jobs/job_files.hpp"
#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using boost::beast::http::field;
using test::json_of;

class ExportsTest : public test::JobServerTest {
 protected:
  ExportsTest() {
    const auto company = create_at("/api/v2/companies", {{"name", tag + " Widgets Inc"},
                                                         {"domain", host},
                                                         {"industry", "Machinery"},
                                                         {"employees_min", 51},
                                                         {"employees_max", 200}});
    // A formula in a name, a phone that looks like one, a comma, a quote
    // and a line break: every cell a spreadsheet or a parser could trip on.
    create_at("/api/v2/contacts", {{"first_name", "=HYPERLINK(\"x\")"},
                                   {"last_name", "Lee, Jr."},
                                   {"email", tag + ".ann@example.com"},
                                   {"title", "VP Sales"},
                                   {"phone", "+1 555 0100"},
                                   {"departments", boost::json::array{"sales", "ops"}},
                                   {"city", "Lyon"},
                                   {"country", "France"},
                                   {"company_id", company}});
    create_at("/api/v2/contacts", {{"first_name", "Bo"},
                                   {"last_name", "Ray \"the\nsecond\""},
                                   {"email", tag + ".bo@example.com"},
                                   {"title", "CEO"},
                                   {"company_id", company}});
    create_at("/api/v2/contacts",
              {{"first_name", "Other"}, {"last_name", "Person"}, {"email", tag + ".x@other.test"}});
  }

  // Starts an export of the given query (or body) and answers its finished status.
  boost::json::value exported(const std::string& query, const std::string& body = "") {
    auto accepted = send("POST", "/api/v2/exports/contacts" + query, body);
    EXPECT_EQ(accepted.result_int(), 202) << accepted.body();
    location = std::string(accepted[field::location]);
    return finished(location);
  }
  std::string download_path() const { return location + "/download"; }

  std::string tag = test::unique_name("exp");
  std::string host = "h" + tag.substr(4) + ".example.com";
  std::string location;
};

TEST_F(ExportsTest, FilteredContactsAreWrittenAsCsvWithFormulasNeutralised) {
  const auto job = exported("?company=" + tag + "&ordering=name");
  ASSERT_EQ(job.at("status"), "completed") << boost::json::serialize(job);
  EXPECT_EQ(job.at("result").at("rows"), 2);
  EXPECT_EQ(job.at("expired"), false);
  ASSERT_TRUE(job.at("download_url").is_string());

  auto file = send("GET", download_path());
  ASSERT_EQ(file.result_int(), 200) << file.body();
  EXPECT_EQ(file[field::content_type], "text/csv; charset=utf-8");
  EXPECT_NE(file[field::content_disposition].find("attachment; filename="), std::string::npos);
  const auto& csv = file.body();
  EXPECT_TRUE(csv.starts_with(
      "id,first_name,last_name,title,seniority,departments,email,email_status,phone,"
      "linkedin_url,city,state,country,company_name,company_domain,company_industry,"
      "company_employees,created_at,updated_at\r\n"));
  // "=HYPERLINK..." before "Bo" (ordering=name sorts on the full name).
  const auto bo = csv.find(",Bo,\"Ray \"\"the\nsecond\"\"\",CEO,");
  const auto ann = csv.find(",\"'=HYPERLINK(\"\"x\"\")\",\"Lee, Jr.\",VP Sales,vp,\"sales,ops\",");
  ASSERT_NE(bo, std::string::npos) << csv;
  ASSERT_NE(ann, std::string::npos) << csv;
  EXPECT_LT(ann, bo);
  EXPECT_NE(csv.find(",'+1 555 0100,,Lyon,,France," + tag + " Widgets Inc," + host +
                     ",Machinery,51-200,"),
            std::string::npos)
      << csv;
  EXPECT_EQ(csv.find("other.test"), std::string::npos);
}

TEST_F(ExportsTest, AnExportRoundTripsThroughTheImporter) {
  const auto job = exported("?company=" + tag);
  ASSERT_EQ(job.at("status"), "completed");
  const auto csv = send("GET", download_path()).body();
  // Every exported value reads back as the value stored: nothing to change.
  auto accepted =
      client.request("POST", "/api/v2/imports/contacts", csv,
                     "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n");
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const auto imported = finished(std::string(accepted[field::location]));
  ASSERT_EQ(imported.at("status"), "completed") << boost::json::serialize(imported);
  EXPECT_EQ(imported.at("progress").at("processed"), 2);
  EXPECT_EQ(imported.at("progress").at("skipped"), 2) << boost::json::serialize(imported);
  EXPECT_EQ(imported.at("progress").at("failed"), 0);
}

TEST_F(ExportsTest, ExportByIdsAndValidation) {
  const auto ids = test::db_query(
                       "SELECT array_agg(id::text ORDER BY email) FROM contacts"
                       " WHERE email LIKE $1",
                       pg::Params(tag + ".%"))
                       .one()
                       .get<std::vector<std::string>>(0);
  boost::json::array listed;
  for (const auto& id : ids) listed.emplace_back(id);
  const auto job = exported("", boost::json::serialize(boost::json::object{{"ids", listed}}));
  ASSERT_EQ(job.at("status"), "completed");
  EXPECT_EQ(job.at("result").at("rows"), 3);
  EXPECT_EQ(job.at("progress").at("total"), 3);

  EXPECT_EQ(send("POST", "/api/v2/exports/contacts", R"({"ids": []})").result_int(), 422);
  EXPECT_EQ(send("POST", "/api/v2/exports/contacts", R"({"ids": ["nope"]})").result_int(), 422);
  EXPECT_EQ(send("POST", "/api/v2/exports/contacts", R"({"owner": "me"})").result_int(), 422);
  EXPECT_EQ(send("POST", "/api/v2/exports/contacts?ordering=height").result_int(), 422);
  EXPECT_EQ(send("POST", "/api/v2/exports/contacts?include_deleted=true").result_int(), 202);
}

TEST_F(ExportsTest, DownloadsNeedTheOwnerOrASignedLinkAndHonourRanges) {
  const auto job = exported("?company=" + tag);
  const auto whole = send("GET", download_path()).body();
  const auto link = path_of(job.at("download_url"));

  // The signed link works without a bearer token; a forged one does not.
  const auto owner_token = token;
  token.clear();
  auto by_link = send("GET", link);
  EXPECT_EQ(by_link.result_int(), 200);
  EXPECT_EQ(by_link.body(), whole);
  EXPECT_EQ(send("GET", download_path()).result_int(), 401);
  auto forged = link;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(send("GET", forged).result_int(), 403);
  EXPECT_EQ(send("GET", download_path() + "?token=99999999999.abc").result_int(), 403);

  // Another user's export is not there for a sales user.
  const auto email = test::unique_name("sales") + "@crmd.test";
  token = owner_token;
  send("POST", "/api/v2/users",
       boost::json::serialize(boost::json::object{
           {"email", email}, {"password", "sales-password-1"}, {"role", "sales"}}));
  token = std::string(json_of(send("POST", "/api/v2/auth/login",
                                   boost::json::serialize(boost::json::object{
                                       {"email", email}, {"password", "sales-password-1"}})))
                          .at("access_token")
                          .as_string());
  EXPECT_EQ(send("GET", download_path()).result_int(), 404);
  EXPECT_EQ(send("GET", location).result_int(), 404);
  token = owner_token;

  // Ranges: a slice, the tail, and one past the end.
  auto slice = send("GET", download_path(), "", "Range: bytes=3-9\r\n");
  EXPECT_EQ(slice.result_int(), 206);
  EXPECT_EQ(slice.body(), whole.substr(3, 7));
  EXPECT_EQ(slice[field::content_range], "bytes 3-9/" + std::to_string(whole.size()));
  auto tail = send("GET", download_path(), "", "Range: bytes=-5\r\n");
  EXPECT_EQ(tail.body(), whole.substr(whole.size() - 5));
  auto past =
      send("GET", download_path(), "", "Range: bytes=" + std::to_string(whole.size()) + "-\r\n");
  EXPECT_EQ(past.result_int(), 416);
  EXPECT_EQ(past[field::content_range], "bytes */" + std::to_string(whole.size()));
}

TEST_F(ExportsTest, ExpiredExportsLoseTheirFilesAndDeletedJobsTakeTheirs) {
  exported("?company=" + tag);
  const auto id = location.substr(location.rfind('/') + 1);
  const auto& settings = server.app().job_files();
  const auto file = settings.files.export_dir + "/" + id + ".csv";
  ASSERT_TRUE(std::filesystem::exists(file));

  // Housekeeping with a ttl of zero expires it at once: the file goes, the
  // download is gone.
  // A part file left by a stopped process, a day old, goes too; a fresh
  // one (being written) stays.
  const auto stale = settings.files.blob_dir + "/upload-stale.part";
  const auto fresh = settings.files.blob_dir + "/upload-fresh.part";
  std::ofstream(stale) << "x";
  std::ofstream(fresh) << "x";
  std::filesystem::last_write_time(stale, std::filesystem::file_time_type::clock::now() -
                                              actors::kLeftoverAge - std::chrono::minutes(1));
  auto tidy = settings;
  tidy.export_ttl = std::chrono::seconds(0);
  const auto counts = boost::asio::co_spawn(server.app().io(),
                                            actors::tidy_jobs(server.app().jobs().repository(),
                                                              server.app().blocking(), tidy),
                                            boost::asio::use_future)
                          .get();
  EXPECT_GE(counts.exports_expired, 1u);
  EXPECT_EQ(counts.leftovers_removed, 1u);
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(fresh));
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(send("GET", download_path()).result_int(), 410);

  // Deleting a job removes its file too.
  exported("?company=" + tag);
  const auto second = server.app().job_files().files.export_dir + "/" +
                      location.substr(location.rfind('/') + 1) + ".csv";
  ASSERT_TRUE(std::filesystem::exists(second));
  EXPECT_EQ(send("DELETE", "/api/v2/jobs/" + location.substr(location.rfind('/') + 1)).result_int(),
            204);
  EXPECT_FALSE(std::filesystem::exists(second));
}

TEST_F(ExportsTest, JobFilesWithoutAJobGoOnceAnHourOld) {
  const auto& settings = server.app().job_files();
  const auto old =
      std::filesystem::file_time_type::clock::now() - actors::kOrphanAge - std::chrono::minutes(1);
  // An upload kept for a job that was never committed, and an export of a
  // job deleted behind the server's back: both old, neither referenced.
  const auto orphan_upload = settings.files.blob_dir + "/" + Uuid::random_v4().str() + ".csv";
  const auto orphan_export = settings.files.export_dir + "/" + Uuid::random_v4().str() + ".csv";
  // A job's file (this export's) stays, however old.
  exported("?company=" + tag);
  const auto kept =
      settings.files.export_dir + "/" + location.substr(location.rfind('/') + 1) + ".csv";
  for (const auto& path : {orphan_upload, orphan_export}) std::ofstream(path) << "x";
  for (const auto& path : {orphan_upload, orphan_export, kept})
    std::filesystem::last_write_time(path, old);
  const auto counts = boost::asio::co_spawn(server.app().io(),
                                            actors::tidy_jobs(server.app().jobs().repository(),
                                                              server.app().blocking(), settings),
                                            boost::asio::use_future)
                          .get();
  EXPECT_EQ(counts.orphans_removed, 2u);
  EXPECT_FALSE(std::filesystem::exists(orphan_upload));
  EXPECT_FALSE(std::filesystem::exists(orphan_export));
  EXPECT_TRUE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace crmd::http
