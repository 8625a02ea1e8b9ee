#include <filesystem>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using boost::beast::http::field;
using test::json_of;

config::Config upload_config() {
  auto config = test::job_config();
  config.max_body_bytes = 4096;      // far below the files sent here
  config.max_upload_bytes = 200000;  // above them
  return config;
}

class UploadsTest : public test::JobServerTest {
 protected:
  UploadsTest() : JobServerTest(upload_config()) {}

  // A CSV of n contacts, about 50 bytes a row.
  std::string csv(int n) const {
    std::string out = "First Name,Last Name,Email\r\n";
    for (int i = 0; i < n; ++i)
      out += "Row,Number" + std::to_string(i) + "," + tag + "." + std::to_string(i) +
             "@example.com\r\n";
    return out;
  }
  test::HttpResponse upload(const std::string& body, const std::string& type) {
    return client.request("POST", "/api/v2/imports/contacts", body,
                          "Authorization: Bearer " + token + "\r\nContent-Type: " + type + "\r\n");
  }
  std::size_t blobs() {
    std::size_t n = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(server.app().config().data_dir + "/blobs"))
      n += entry.is_regular_file();
    return n;
  }

  std::string tag = test::unique_name("up");
};

TEST_F(UploadsTest, AFileLargerThanTheBodyLimitStreamsToDiskAndImports) {
  const auto file = csv(2000);  // ~100 KB
  ASSERT_GT(file.size(), 20 * 4096u);
  auto accepted = upload(file, "text/csv");
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const auto job = finished(std::string(accepted[field::location]));
  EXPECT_EQ(job.at("status"), "completed");
  EXPECT_EQ(job.at("progress").at("created"), 2000);
  // Other routes keep the body limit.
  EXPECT_EQ(send("POST", "/api/v2/contacts", "{\"first_name\": \"" + std::string(5000, 'x') + "\"}")
                .result_int(),
            413);
}

TEST_F(UploadsTest, MultipartFormDataImportsItsFilePart) {
  const std::string boundary = "----crmdBoundary7MA4YWxkTrZu0gW";
  const auto file = csv(3);
  const std::string body = "preamble\r\n--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
                           "not the file\r\n--" +
                           boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"contacts.csv\"\r\nContent-Type: text/csv\r\n\r\n" +
                           file + "\r\n--" + boundary + "--\r\n";
  auto accepted = upload(body, "multipart/form-data; boundary=" + boundary);
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const auto job = finished(std::string(accepted[field::location]));
  EXPECT_EQ(job.at("progress").at("created"), 3) << boost::json::serialize(job);
  EXPECT_EQ(job.at("progress").at("failed"), 0);

  const std::string no_file = "--" + boundary +
                              "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--" +
                              boundary + "--\r\n";
  auto refused = upload(no_file, "multipart/form-data; boundary=" + boundary);
  EXPECT_EQ(refused.result_int(), 422) << refused.body();
  EXPECT_EQ(upload(file, "application/json").result_int(), 415);
}

TEST_F(UploadsTest, TheCallerIsCheckedBeforeTheBodyAndLimitsHold) {
  // No token: refused on the headers alone, without waiting for the
  // megabytes announced.
  test::RawClient raw(server.port());
  raw.send(
      "POST /api/v2/imports/contacts HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
      "Content-Length: 150000\r\n\r\nFirst Name\r\n");
  EXPECT_EQ(raw.read().result_int(), 401);

  // Over the upload limit, announced or found while reading chunks: 413,
  // and nothing is left on disk. (The server closes without reading the
  // rest, so a client still sending may see its writes fail.)
  const auto before = blobs();
  const auto headers =
      "POST /api/v2/imports/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
      "\r\nContent-Type: text/csv\r\n";
  test::RawClient announced(server.port());
  announced.send(headers + "Content-Length: 250000\r\n\r\n");
  EXPECT_EQ(announced.read().result_int(), 413);
  test::RawClient chunked(server.port());
  chunked.send(headers + "Transfer-Encoding: chunked\r\n\r\n");
  const std::string piece(50000, 'a');
  try {
    for (int i = 0; i < 5; ++i) chunked.send("c350\r\n" + piece + "\r\n");
    chunked.send("0\r\n\r\n");
  } catch (const std::exception&) {
  }
  EXPECT_EQ(chunked.read().result_int(), 413);
  EXPECT_EQ(blobs(), before);
}

}  // namespace
}  // namespace crmd::http
