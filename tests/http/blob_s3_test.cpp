// The blob store on S3 (FakeS3, which verifies every signature), shared by
// two crmd processes with data directories of their own, as on two
// machines: an export made through one is downloaded through the other
// (302 to a presigned URL, Range included), an upload received by one is
// imported by the other's worker, drive files go to the bucket and back
// (one larger than a part as a multipart upload), and a process with a
// wrong secret is refused.
#include <boost/json/parse.hpp>
#include <filesystem>
#include <thread>

#include "api_fixture.hpp"
#include "domain/common/crypto.hpp"
#include "fakes/s3.hpp"

namespace crmd::http {
namespace {

using boost::beast::http::field;
using test::json_of;
using namespace std::chrono_literals;

struct WithFakeS3 {
  test::FakeS3 fake;
  std::string prefix = test::unique_name("p");
};

// The process that receives requests: it runs no jobs, so the other one
// does them.
config::Config front_config(const WithFakeS3& s3) {
  auto config = test::job_config();
  config.job_workers = 0;
  s3.fake.configure(config, s3.prefix);
  return config;
}

config::Config worker_config(const WithFakeS3& s3) {
  auto config = test::job_config();
  s3.fake.configure(config, s3.prefix);
  return config;
}

class BlobS3Test : public WithFakeS3, public test::JobServerTest {
 protected:
  BlobS3Test() : JobServerTest(front_config(*this)) {}
  ~BlobS3Test() override {
    std::error_code ignored;
    std::filesystem::remove_all(worker.app().config().data_dir, ignored);
  }

  test::HttpResponse on_worker(const std::string& method, const std::string& target,
                               const std::string& body = "", std::string headers = "") {
    test::RawClient c(worker.port());
    return c.request(method, target, body, headers + "Authorization: Bearer " + token + "\r\n");
  }
  std::string key(const std::string& name) const { return prefix + "/" + name; }

  template <class Predicate>
  static bool eventually(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  test::RunningServer worker{worker_config(*this)};
  std::string tag = test::unique_name("s3");
};

TEST_F(BlobS3Test, AnExportMadeThroughOneProcessIsDownloadedThroughTheOther) {
  EXPECT_EQ(server.app().blob_store().kind(), "s3");
  const auto company = create_at("/api/v2/companies", {{"name", tag + " Corp"}});
  create_at("/api/v2/contacts",
            {{"first_name", "Ada"}, {"email", tag + ".ada@example.com"}, {"company_id", company}});
  create_at("/api/v2/contacts",
            {{"first_name", "Bo"}, {"email", tag + ".bo@example.com"}, {"company_id", company}});
  auto accepted = send("POST", "/api/v2/exports/contacts?company=" + tag);
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const std::string location(accepted[field::location]);
  const auto job = finished(location);
  ASSERT_EQ(job.at("status"), "completed") << boost::json::serialize(job);
  const auto id = location.substr(location.rfind('/') + 1);

  // In the bucket, not on either machine's disk.
  const auto object = fake.object(key("exports/" + id + ".csv"));
  ASSERT_TRUE(object);
  EXPECT_NE(object->find(tag + ".ada@example.com"), std::string::npos);
  EXPECT_FALSE(
      std::filesystem::exists(server.app().job_files().files.export_dir + "/" + id + ".csv"));
  EXPECT_FALSE(
      std::filesystem::exists(worker.app().job_files().files.export_dir + "/" + id + ".csv"));

  for (auto* port : {&server, &worker}) {
    test::RawClient c(port->port());
    auto redirect =
        c.request("GET", location + "/download", "", "Authorization: Bearer " + token + "\r\n");
    ASSERT_EQ(redirect.result_int(), 302) << redirect.body();
    const std::string url(redirect[field::location]);
    ASSERT_TRUE(url.starts_with(fake.endpoint() + "/" + fake.bucket() + "/" + prefix + "/exports/"))
        << url;
    EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos);
    EXPECT_EQ(url.find(fake.credentials().secret_access_key), std::string::npos);
    const auto file = fake.get(url);
    ASSERT_EQ(file.result_int(), 200) << file.body();
    EXPECT_TRUE(file.body() == *object);
    EXPECT_EQ(file[field::content_type], "text/csv; charset=utf-8");
    EXPECT_NE(file[field::content_disposition].find("contacts-" + id + ".csv"), std::string::npos);
    const auto part = fake.get(url, {{"Range", "bytes=0-1"}});
    EXPECT_EQ(part.result_int(), 206);
    EXPECT_EQ(part.body(), "id");
  }

  // The signed link of the status answer works on the other process too.
  const auto status = json_of(on_worker("GET", location));
  const std::string link(status.at("download_url").as_string());
  test::RawClient anonymous(worker.port());
  auto redirect = anonymous.request("GET", link.substr(link.find("/api/")));
  ASSERT_EQ(redirect.result_int(), 302) << redirect.body();
  EXPECT_EQ(fake.get(std::string(redirect[field::location])).result_int(), 200);

  // Deleting the job removes its file from the bucket.
  EXPECT_EQ(send("DELETE", "/api/v2/jobs/" + id).result_int(), 204);
  EXPECT_FALSE(fake.object(key("exports/" + id + ".csv")));
  EXPECT_EQ(fake.rejected(), 0u);
}

TEST_F(BlobS3Test, AnUploadReceivedByOneProcessIsImportedByTheOthersWorker) {
  const std::string csv = "first_name,email,company\r\nGrace," + tag +
                          ".grace@example.com,Navy\r\nAlan," + tag + ".alan@example.com,NPL\r\n";
  auto accepted =
      client.request("POST", "/api/v2/imports/contacts", csv,
                     "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n");
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const auto body = json_of(accepted);
  const std::string file(body.at("payload").at("file").as_string());
  EXPECT_TRUE(fake.object(key(file)) == csv);
  EXPECT_TRUE(eventually([&] {
    return !std::filesystem::exists(server.app().job_files().files.blob_dir + "/" + file);
  }));

  const auto job = finished(std::string(accepted[field::location]));
  ASSERT_EQ(job.at("status"), "completed") << boost::json::serialize(job);
  EXPECT_EQ(job.at("progress").at("created"), 2);
  EXPECT_GE(fake.count("RangedGet"), 1u);
  EXPECT_FALSE(std::filesystem::exists(worker.app().job_files().files.blob_dir + "/" + file));
  const auto found = json_of(send("GET", "/api/v2/contacts?email=" + tag + ".grace@example.com"));
  EXPECT_EQ(found.at("results").as_array().size(), 1u);
  EXPECT_EQ(fake.rejected(), 0u);
}

TEST_F(BlobS3Test, DriveFilesLiveInTheBucketOneLargerThanAPartInParts) {
  const auto company = create_at("/api/v2/companies", {{"name", tag + " Drive"}});
  const auto drive = json_of(send("GET", "/api/v2/drive/company/" + company));
  const std::string root(drive.at("folder").at("id").as_string());

  auto small = client.request(
      "POST", "/api/v2/drive/folders/" + root + "/files?name=hello.txt", "hello, bucket",
      "Authorization: Bearer " + token + "\r\nContent-Type: text/plain\r\n");
  ASSERT_EQ(small.result_int(), 201) << small.body();
  const std::string small_id(json_of(small).at("id").as_string());
  EXPECT_EQ(fake.object(key("drive/" + small_id)), "hello, bucket");
  EXPECT_TRUE(eventually(
      [&] { return !std::filesystem::exists(server.app().drive().drive_dir() + "/" + small_id); }));
  auto down = on_worker("GET", "/api/v2/drive/files/" + small_id + "/content");
  ASSERT_EQ(down.result_int(), 200) << down.body();
  EXPECT_EQ(down.body(), "hello, bucket");
  auto range =
      on_worker("GET", "/api/v2/drive/files/" + small_id + "/content", "", "Range: bytes=7-12\r\n");
  ASSERT_EQ(range.result_int(), 206) << range.body();
  EXPECT_EQ(range.body(), "bucket");

  // 9 MiB: more than one 8 MiB part.
  std::string big(9 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto large = client.request(
      "POST", "/api/v2/drive/folders/" + root + "/files?name=big.bin", big,
      "Authorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\n");
  ASSERT_EQ(large.result_int(), 201) << large.body();
  const std::string large_id(json_of(large).at("id").as_string());
  EXPECT_EQ(fake.count("CreateMultipartUpload"), 1u);
  EXPECT_EQ(fake.count("UploadPart"), 2u);
  EXPECT_EQ(fake.count("CompleteMultipartUpload"), 1u);
  const auto stored = fake.object(key("drive/" + large_id));
  ASSERT_TRUE(stored);
  EXPECT_EQ(sha256_hex(*stored), sha256_hex(big));
  // Read back through the other process in 4 MiB ranges (the test client
  // holds no more); it reads the bucket in ranges itself.
  std::string back;
  constexpr std::size_t kPiece = 4 * 1024 * 1024;
  for (std::size_t at = 0; at < big.size(); at += kPiece) {
    const auto last = std::min(at + kPiece, big.size()) - 1;
    auto piece =
        on_worker("GET", "/api/v2/drive/files/" + large_id + "/content", "",
                  "Range: bytes=" + std::to_string(at) + "-" + std::to_string(last) + "\r\n");
    ASSERT_EQ(piece.result_int(), 206) << piece.body().substr(0, 200);
    back += piece.body();
  }
  EXPECT_EQ(sha256_hex(back), sha256_hex(big));
  EXPECT_GE(fake.count("RangedGet"), 3u);  // never the whole object at once

  // Purged: the object goes.
  EXPECT_EQ(send("DELETE", "/api/v2/drive/files/" + small_id).result_int(), 200);
  EXPECT_EQ(send("POST", "/api/v2/drive/files/" + small_id + "/purge").result_int(), 204);
  EXPECT_TRUE(eventually([&] { return !fake.object(key("drive/" + small_id)); }));
  EXPECT_EQ(fake.rejected(), 0u);
}

TEST_F(BlobS3Test, StaleJobFilesInTheBucketAreTidiedAway) {
  const auto old = std::chrono::system_clock::now() - 2h;
  const auto orphan = Uuid::random_v4().str() + ".csv";
  const auto orphan_export = Uuid::random_v4().str() + ".csv";
  const auto fresh = Uuid::random_v4().str() + ".csv";
  fake.put_object(key(orphan), "x", old);
  fake.put_object(key("exports/" + orphan_export), "x", old);
  fake.put_object(key(fresh), "x");
  const auto& settings = server.app().job_files();
  test::IoThreads io;
  const auto counts = io.run(
      actors::tidy_jobs(server.app().jobs().repository(), server.app().blocking(), settings));
  EXPECT_GE(counts.orphans_removed, 2u);
  EXPECT_FALSE(fake.object(key(orphan)));
  EXPECT_FALSE(fake.object(key("exports/" + orphan_export)));
  EXPECT_TRUE(fake.object(key(fresh)));
}

TEST_F(BlobS3Test, AProcessWithAWrongSecretIsRefusedByTheBucket) {
  auto config = worker_config(*this);
  config.s3_secret_access_key = "a-wrong-secret";
  test::RunningServer wrong(config);
  test::RawClient c(wrong.port());
  auto refused = c.request("POST", "/api/v2/imports/contacts", "first_name\r\nX\r\n",
                           "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n");
  EXPECT_EQ(refused.result_int(), 503) << refused.body();
  EXPECT_NE(refused.body().find("blob_store_failed"), std::string::npos) << refused.body();
  EXPECT_EQ(refused.body().find("a-wrong-secret"), std::string::npos);
  EXPECT_GE(fake.rejected(), 1u);
  std::error_code ignored;
  std::filesystem::remove_all(config.data_dir, ignored);
}

}  // namespace
}  // namespace crmd::http
