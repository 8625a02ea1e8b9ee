#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

config::Config import_config() {
  auto config = test::job_config();
  config.contacts_write_key = "import-write-key";
  return config;
}

class ImportsTest : public test::JobServerTest {
 protected:
  ImportsTest() : JobServerTest(import_config()) {}

  test::HttpResponse upload(const std::string& csv, const std::string& query = "") {
    return client.request("POST", "/api/v2/imports/contacts" + query, csv,
                          "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n");
  }
  std::string file() {
    return "First Name,Last Name,Email,Title,Company,Company Domain,# Employees,Colour\r\n"
           "Ann,Lee," +
           ann + ",VP Sales,Acme Inc," + domain +
           ",51-200,blue\r\n"
           "Bo,Ray,not-an-email,CEO,Acme,,,\r\n"
           "Cy,\"Quote\"d,cy@example.com,CTO,,,,\r\n"
           "Di,Moe," +
           di +
           ",\"Head of\nMarketing\",ACME,,,\r\n"
           "Ann,Again," +
           ann +
           ",VP Sales,Acme Inc,,,\r\n"
           "Ed,Short\r\n";
  }

  std::string tag = test::unique_name("imp");
  std::string ann = tag + ".ann@example.com", di = tag + ".di@example.com";
  std::string domain = tag + ".example.com";
};

TEST_F(ImportsTest, GoodBadAndDuplicateRowsGiveExactCountersAndErrors) {
  auto accepted = upload(file());
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const std::string location(accepted[boost::beast::http::field::location]);
  const auto job = finished(location);
  ASSERT_EQ(job.at("status"), "completed") << boost::json::serialize(job);
  const auto& progress = job.at("progress");
  EXPECT_EQ(progress.at("processed"), 6);
  EXPECT_EQ(progress.at("created"), 2);  // Ann, Di
  EXPECT_EQ(progress.at("failed"), 4);   // bad e-mail, bad quoting, Ann again, too few fields

  std::vector<std::pair<std::int64_t, std::string>> errors;
  const auto listed = json_of(send("GET", location + "/errors"));
  for (const auto& e : listed.at("results").as_array())
    errors.emplace_back(e.at("row").as_int64(), std::string(e.at("code").as_string()));
  EXPECT_EQ(errors, (std::vector<std::pair<std::int64_t, std::string>>{{3, "invalid_value"},
                                                                       {4, "malformed_row"},
                                                                       {7, "duplicate_in_batch"},
                                                                       {8, "wrong_field_count"}}));

  // One company for "Acme Inc", its domain and "ACME"; the unknown column in metadata.
  const auto companies = test::db_query(
      "SELECT count(DISTINCT company_id), min(company_name) FROM contacts WHERE email IN ($1, $2)",
      pg::Params(ann, di));
  EXPECT_EQ(companies.one().get<std::int64_t>(0), 1);
  EXPECT_EQ(test::db_query("SELECT m.attributes->>'Colour' FROM contact_metadata m"
                           " JOIN contacts c ON c.id = m.contact_id WHERE c.email = $1",
                           pg::Params(ann))
                .one()
                .get<std::string>(0),
            "blue");

  // The same file again changes nothing.
  const auto again = finished(std::string(upload(file())[boost::beast::http::field::location]));
  EXPECT_EQ(again.at("progress").at("created"), 0);
  EXPECT_EQ(again.at("progress").at("updated"), 0);
  EXPECT_EQ(again.at("progress").at("skipped"), 2);
  EXPECT_EQ(
      test::db_query("SELECT count(*) FROM contacts WHERE email IN ($1, $2)", pg::Params(ann, di))
          .one()
          .get<std::int64_t>(0),
      2);
}

TEST_F(ImportsTest, DryRunWritesNothingAndV1TakesTheWriteKey) {
  const auto dry =
      finished(std::string(upload(file(), "?dry_run=true")[boost::beast::http::field::location]));
  EXPECT_EQ(dry.at("status"), "completed");
  EXPECT_EQ(dry.at("result").at("dry_run"), true);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM contacts WHERE email = $1", pg::Params(ann))
                .one()
                .get<std::int64_t>(0),
            0);

  auto v1 = client.request("POST", "/api/v1/contacts/import/", file(),
                           "X-Contacts-Write-Key: import-write-key\r\nContent-Type: text/csv\r\n");
  ASSERT_EQ(v1.result_int(), 202) << v1.body();
  const std::string id(json_of(v1).at("id").as_string());
  auto status = client.request("GET", "/api/v1/contacts/import/" + id + "/", "",
                               "X-Contacts-Write-Key: import-write-key\r\n");
  EXPECT_EQ(status.result_int(), 200);

  EXPECT_EQ(
      client
          .request("POST", "/api/v2/imports/contacts", "{}",
                   "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n")
          .result_int(),
      415);
  EXPECT_EQ(upload(file(), "?mode=sideways").result_int(), 422);
  EXPECT_EQ(upload(file(), "?mapping=nope").result_int(), 422);
}

}  // namespace
}  // namespace crmd::http
