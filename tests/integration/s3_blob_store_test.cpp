// The S3 blob store against FakeS3, which checks every signature: single
// PUTs, multipart uploads (parts of at least 5 MiB, aborted on failure),
// ranged reads, HEAD, DELETE, listing across pages, presigned GETs, and a
// client whose signature the fake refuses.
#include "storage/blob/s3_blob_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "domain/common/error.hpp"
#include "fakes/s3.hpp"
#include "support/test_support.hpp"

namespace crmd::storage {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::size_t kMiB = 1024 * 1024;

// Bytes that differ from position to position, so that a part in the
// wrong place shows.
std::string pattern(std::size_t size, unsigned seed = 7) {
  std::string out(size, '\0');
  std::uint32_t x = seed;
  for (auto& c : out) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

class S3BlobStoreTest : public ::testing::Test {
 protected:
  S3Options options(const std::string& prefix = "t/") {
    S3Options o;
    o.endpoint = fake.endpoint();
    o.bucket = fake.bucket();
    o.prefix = prefix;
    o.credentials = fake.credentials();
    o.part_size = test::FakeS3::kMinPart;
    return o;
  }
  S3BlobStore& store(S3Options o) {
    client_.emplace(http, std::move(o), &blocking);
    store_.emplace(*client_, io.io().get_executor(), blocking);
    return *store_;
  }
  S3BlobStore& store() { return store(options()); }

  void write(BlobStore& s, const std::string& key, const std::string& data,
             std::size_t chunk = 256 * 1024) {
    auto sink = s.create(key);
    io.run(sink->open());
    for (std::size_t at = 0; at < data.size(); at += chunk)
      io.run(sink->append(data.substr(at, chunk)));
    io.run(sink->finish());
    EXPECT_EQ(sink->bytes(), data.size());
  }
  std::string read_all(BlobStore& s, const std::string& key, std::size_t max = 64 * 1024) {
    auto reader = io.run(s.open_reader(key));
    if (!reader) return "<none>";
    std::string out;
    for (;;) {
      auto chunk = io.run(reader->read(max));
      if (chunk.empty()) break;
      out += chunk;
    }
    return out;
  }

  test::FakeS3 fake;
  test::IoThreads io;
  asio::thread_pool blocking{2};
  web::HttpClient http{io.io().get_executor(), web::OutboundOptions{}};
  std::optional<S3Client> client_;
  std::optional<S3BlobStore> store_;
};

TEST_F(S3BlobStoreTest, ASmallBlobIsOnePutAndReadsBackInRanges) {
  auto& s = store();
  write(s, "exports/a.csv", "id,name\r\n1,Ada\r\n");
  EXPECT_EQ(fake.object("t/exports/a.csv"), "id,name\r\n1,Ada\r\n");
  EXPECT_EQ(fake.count("PutObject"), 1u);
  EXPECT_EQ(fake.count("CreateMultipartUpload"), 0u);
  EXPECT_EQ(io.run(s.size("exports/a.csv")), std::optional<std::uint64_t>(16));
  EXPECT_EQ(io.run(s.size("exports/missing.csv")), std::nullopt);
  EXPECT_EQ(io.run(s.read("exports/a.csv", 9, 13)), "1,Ada");
  EXPECT_EQ(io.run(s.open_reader("exports/missing.csv")), nullptr);
  io.run(s.remove({"exports/a.csv", "exports/never-there.csv"}));
  EXPECT_EQ(fake.object("t/exports/a.csv"), std::nullopt);
  EXPECT_EQ(fake.rejected(), 0u);
}

TEST_F(S3BlobStoreTest, ALargeBlobIsAMultipartUploadOfFullParts) {
  auto& s = store();
  const auto data = pattern(12 * kMiB + 12345);
  write(s, "big.csv", data);
  EXPECT_EQ(fake.count("CreateMultipartUpload"), 1u);
  EXPECT_EQ(fake.count("UploadPart"), 3u);  // 5 MiB, 5 MiB, the rest
  EXPECT_EQ(fake.count("CompleteMultipartUpload"), 1u);
  EXPECT_EQ(fake.count("PutObject"), 0u);
  EXPECT_EQ(fake.open_uploads(), 0u);
  ASSERT_TRUE(fake.object("t/big.csv"));
  EXPECT_TRUE(*fake.object("t/big.csv") == data);
  EXPECT_LE(fake.largest_body(), test::FakeS3::kMinPart);
}

TEST_F(S3BlobStoreTest, AFailedPartAbortsTheUpload) {
  auto& s = store();
  auto sink = s.create("failing.csv");
  io.run(sink->open());
  fake.fail_parts(10);  // more than the retries
  EXPECT_THROW(io.run(sink->append(pattern(6 * kMiB))), Error);
  io.run(sink->discard());
  EXPECT_EQ(fake.count("AbortMultipartUpload"), 1u);
  EXPECT_EQ(fake.open_uploads(), 0u);
  EXPECT_EQ(fake.object("t/failing.csv"), std::nullopt);
}

TEST_F(S3BlobStoreTest, ASinkDestroyedUnfinishedAbortsItsUpload) {
  auto& s = store();
  {
    auto sink = s.create("dropped.csv");
    io.run(sink->append(pattern(5 * kMiB)));
    EXPECT_EQ(fake.open_uploads(), 1u);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (fake.open_uploads() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(fake.open_uploads(), 0u);
  EXPECT_EQ(fake.object("t/dropped.csv"), std::nullopt);
}

TEST_F(S3BlobStoreTest, PutFileSendsALocalFileAndRemovesIt) {
  auto& s = store();
  const auto path = std::filesystem::temp_directory_path() / test::unique_name("put-file");
  const auto data = pattern(6 * kMiB, 3);
  std::ofstream(path, std::ios::binary) << data;
  io.run(s.put_file(path.string(), "drive/file-1"));
  EXPECT_EQ(fake.count("UploadPart"), 2u);
  EXPECT_TRUE(fake.object("t/drive/file-1") == data);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(S3BlobStoreTest, AReaderStreamsInRangedGetsFromAnyOffset) {
  auto o = options();
  o.read_chunk = 1000;
  auto& s = store(o);
  const auto data = pattern(4500);
  fake.put_object("t/upload.csv", data);
  EXPECT_TRUE(read_all(s, "upload.csv", 300) == data);
  EXPECT_EQ(fake.count("RangedGet"), 5u);  // never the whole object at once

  auto reader = io.run(s.open_reader("upload.csv"));
  io.run(reader->seek(4400));
  EXPECT_EQ(io.run(reader->read(1000)), data.substr(4400));
  EXPECT_EQ(io.run(reader->read(1000)), "");
}

TEST_F(S3BlobStoreTest, ListingPagesThroughOneFolderOnly) {
  auto o = options();
  o.list_page = 2;
  auto& s = store(o);
  const auto old = std::chrono::system_clock::now() - 2h;
  for (const auto* key : {"t/a.csv", "t/b.csv", "t/c.csv", "t/d.csv", "t/e.csv"})
    fake.put_object(key, "x", old);
  fake.put_object("t/exports/x.csv", "x");
  fake.put_object("other/f.csv", "x");
  const auto top = io.run(s.list(""));
  std::vector<std::string> names;
  for (const auto& entry : top) names.push_back(entry.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.csv", "b.csv", "c.csv", "d.csv", "e.csv"}));
  EXPECT_GE(fake.count("ListObjectsV2"), 3u);
  EXPECT_LT(top.front().modified, std::chrono::system_clock::now() - 1h);
  const auto exports = io.run(s.list("exports/"));
  ASSERT_EQ(exports.size(), 1u);
  EXPECT_EQ(exports[0].name, "x.csv");
}

TEST_F(S3BlobStoreTest, PresignedGetsWorkWithoutCredentialsUntilTampered) {
  auto& s = store();
  write(s, "exports/p.csv", "hello, presigned world");
  const auto url =
      s.presigned_get("exports/p.csv", 60s, {"text/csv", "attachment; filename=\"p.csv\""});
  ASSERT_TRUE(url);
  EXPECT_NE(url->find("X-Amz-Expires=60"), std::string::npos);
  EXPECT_EQ(url->find(fake.credentials().secret_access_key), std::string::npos);
  const auto whole = fake.get(*url);
  EXPECT_EQ(whole.result_int(), 200) << whole.body();
  EXPECT_EQ(whole.body(), "hello, presigned world");
  EXPECT_EQ(whole["Content-Disposition"], "attachment; filename=\"p.csv\"");
  EXPECT_EQ(whole["Content-Type"], "text/csv");

  const auto part = fake.get(*url, {{"Range", "bytes=7-15"}});
  EXPECT_EQ(part.result_int(), 206);
  EXPECT_EQ(part.body(), "presigned");

  auto tampered = *url;
  tampered.replace(tampered.find("exports/p.csv"), 13, "exports/q.csv");
  const auto refused = fake.get(tampered);
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_NE(refused.body().find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);
}

TEST_F(S3BlobStoreTest, AnExpiredPresignedGetIsRefused) {
  auto& s = store();
  write(s, "exports/old.csv", "old");
  const auto path = "/" + fake.bucket() + "/t/exports/old.csv";
  const auto host = "127.0.0.1:" + std::to_string(fake.port());
  const auto signed_at = s3::amz_date(std::chrono::system_clock::now() - 2h);
  const auto url = fake.endpoint() + path + "?" +
                   s3::presigned_query(fake.credentials(), "GET", path, {}, host, signed_at, 3600s);
  const auto refused = fake.get(url);
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_NE(refused.body().find("<Message>Request has expired</Message>"), std::string::npos);
  const auto fresh = s3::amz_date(std::chrono::system_clock::now());
  EXPECT_EQ(fake.get(fake.endpoint() + path + "?" +
                     s3::presigned_query(fake.credentials(), "GET", path, {}, host, fresh, 60s))
                .body(),
            "old");
}

TEST_F(S3BlobStoreTest, AWrongSecretIsRefusedAsSignatureDoesNotMatch) {
  auto o = options();
  o.credentials.secret_access_key = "not-the-secret";
  auto& s = store(o);
  try {
    write(s, "k.csv", "data");
    ADD_FAILURE() << "the PUT was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "blob_store_failed");
    EXPECT_NE(e.detail().find("403 SignatureDoesNotMatch"), std::string::npos) << e.detail();
    EXPECT_EQ(e.detail().find("not-the-secret"), std::string::npos);
  }
  EXPECT_GE(fake.rejected(), 1u);
  EXPECT_EQ(fake.object("t/k.csv"), std::nullopt);

  auto wrong_key = options();
  wrong_key.credentials.access_key_id = "AKIDUNKNOWN";
  auto& t = store(wrong_key);
  try {
    io.run(t.size("k.csv"));
    ADD_FAILURE() << "the HEAD was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.detail().find("HTTP 403"), std::string::npos) << e.detail();
  }
}

}  // namespace
}  // namespace crmd::storage
