#include <zlib.h>

#include <boost/json/parse.hpp>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using boost::beast::http::field;
using test::json_of;

// A gzip stream inflated; fails the test on corrupt data.
std::string gunzip(const std::string& coded) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(coded.data()));
  z.avail_in = static_cast<uInt>(coded.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buffer[65536];
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u);
  inflateEnd(&z);
  return out;
}

config::Config compression_config() {
  auto config = test::job_config();
  config.contacts_write_key = "v1-write-key";
  return config;
}

class CompressionTest : public test::JobServerTest {
 protected:
  CompressionTest() : JobServerTest(compression_config()) {
    company = create_at("/api/v2/companies", {{"name", tag + " Gzip Works"}});
    add_contacts(8, "VP Sales");
  }

  // count contacts at the company, in one v1 batch.
  void add_contacts(int count, const std::string& title) {
    boost::json::array items;
    for (int i = 0; i < count; ++i)
      items.push_back(
          boost::json::object{{"first_name", "Ann" + std::to_string(added)},
                              {"last_name", "Lee"},
                              {"email", tag + "." + std::to_string(added++) + "@example.com"},
                              {"title", title},
                              {"company_id", company}});
    auto response =
        client.request("POST", "/api/v1/contacts/batch/",
                       boost::json::serialize(boost::json::object{{"contacts", items}}),
                       "X-Contacts-Write-Key: v1-write-key\r\nContent-Type: application/json\r\n");
    ASSERT_EQ(response.result_int(), 200) << response.body();
    ASSERT_EQ(json_of(response).at("created"), count) << response.body();
  }

  std::string list_path() const { return "/api/v2/contacts?company=" + tag + "&ordering=name"; }

  // The download of a finished export of the company's contacts.
  std::string export_download() {
    auto accepted = send("POST", "/api/v2/exports/contacts?company=" + tag + "&ordering=name");
    EXPECT_EQ(accepted.result_int(), 202) << accepted.body();
    const std::string location(accepted[field::location]);
    EXPECT_EQ(finished(location).at("status"), "completed");
    return location + "/download";
  }

  std::string tag = test::unique_name("gz");
  std::string company;
  int added = 0;
};

TEST_F(CompressionTest, AListPageComesBackGzipAndInflatesToTheIdentityJson) {
  const auto identity = send("GET", list_path());
  ASSERT_EQ(identity.result_int(), 200) << identity.body();
  ASSERT_GT(identity.body().size(), 1024u);
  EXPECT_EQ(identity.count(field::content_encoding), 0u);
  EXPECT_EQ(identity[field::vary], "Accept-Encoding");

  const auto coded = send("GET", list_path(), "", "Accept-Encoding: br;q=1.0, gzip;q=0.8\r\n");
  ASSERT_EQ(coded.result_int(), 200);
  EXPECT_EQ(coded[field::content_encoding], "gzip");
  EXPECT_EQ(coded[field::vary], "Accept-Encoding");
  EXPECT_EQ(coded[field::content_length], std::to_string(coded.body().size()));
  EXPECT_LT(coded.body().size(), identity.body().size());
  EXPECT_EQ(boost::json::parse(gunzip(coded.body())), boost::json::parse(identity.body()));

  // Refused gzip, or an answer too small to be worth it, stays identity.
  const auto refused = send("GET", list_path(), "", "Accept-Encoding: gzip;q=0, *\r\n");
  EXPECT_EQ(refused.count(field::content_encoding), 0u);
  EXPECT_EQ(boost::json::parse(refused.body()), boost::json::parse(identity.body()));
  const auto small =
      send("GET", "/api/v2/contacts?company=" + tag + "-nobody", "", "Accept-Encoding: gzip\r\n");
  ASSERT_EQ(small.result_int(), 200) << small.body();
  ASSERT_LE(small.body().size(), 1024u);
  EXPECT_EQ(small.count(field::content_encoding), 0u);
  EXPECT_EQ(small[field::vary], "Accept-Encoding");
  EXPECT_NO_THROW(json_of(small));
}

TEST_F(CompressionTest, ACsvDownloadStreamsGzipAndARangeStaysIdentity) {
  // Rows of over 500 bytes: the file spans more than one 256 KiB chunk.
  add_contacts(600, std::string(450, 't'));
  const auto path = export_download();
  const auto identity = send("GET", path);
  ASSERT_EQ(identity.result_int(), 200) << identity.body();
  ASSERT_GT(identity.body().size(), 300u * 1024);

  const auto coded = send("GET", path, "", "Accept-Encoding: gzip\r\n");
  ASSERT_EQ(coded.result_int(), 200);
  EXPECT_EQ(coded[field::content_encoding], "gzip");
  EXPECT_EQ(coded[field::vary], "Accept-Encoding");
  EXPECT_TRUE(coded.chunked());
  EXPECT_EQ(coded.count(field::content_length), 0u);
  EXPECT_EQ(coded[field::content_type], "text/csv; charset=utf-8");
  EXPECT_EQ(gunzip(coded.body()), identity.body());

  // A byte range indexes the stored bytes: never coded.
  const auto part = send("GET", path, "", "Accept-Encoding: gzip\r\nRange: bytes=100-299\r\n");
  ASSERT_EQ(part.result_int(), 206);
  EXPECT_EQ(part.count(field::content_encoding), 0u);
  EXPECT_EQ(part.body(), identity.body().substr(100, 200));
  // The connection is still in step after the chunked answers.
  EXPECT_EQ(send("GET", path, "", "Accept-Encoding: gzip;q=0\r\n").body(), identity.body());
}

TEST_F(CompressionTest, TheGzipEntityTagStillMatchesIfNoneMatchAndIfMatch) {
  // A job's status is read with its ETag, compressed or not.
  auto accepted = send("POST", "/api/v2/exports/contacts?company=" + tag);
  ASSERT_EQ(accepted.result_int(), 202);
  const std::string location(accepted[field::location]);
  finished(location);
  const auto status = send("GET", location, "", "Accept-Encoding: gzip\r\n");
  ASSERT_EQ(status.result_int(), 200);
  const std::string etag(status[field::etag]);
  const auto unchanged =
      send("GET", location, "", "Accept-Encoding: gzip\r\nIf-None-Match: " + etag + "\r\n");
  EXPECT_EQ(unchanged.result_int(), 304);
  EXPECT_EQ(unchanged[field::etag], etag);

  // A record read compressed names the gzip tag; writing with it succeeds.
  const auto id = create_at("/api/v2/contacts", {{"first_name", "Big"},
                                                 {"email", tag + ".big@example.com"},
                                                 {"title", std::string(480, 'x')},
                                                 {"linkedin_url", std::string(480, 'y')}});
  const auto record = send("GET", "/api/v2/contacts/" + id, "", "Accept-Encoding: gzip\r\n");
  ASSERT_EQ(record[field::content_encoding], "gzip") << record.body().size();
  const std::string tagged(record[field::etag]);
  ASSERT_TRUE(tagged.ends_with("-gzip\"")) << tagged;
  const auto written = send("PATCH", "/api/v2/contacts/" + id, R"({"last_name":"Ok"})",
                            "If-Match: " + tagged + "\r\n");
  EXPECT_EQ(written.result_int(), 200) << written.body();
  const auto stale = send("PATCH", "/api/v2/contacts/" + id, R"({"last_name":"No"})",
                          "If-Match: " + tagged + "\r\n");
  EXPECT_EQ(stale.result_int(), 412) << stale.body();
}

}  // namespace
}  // namespace crmd::http
