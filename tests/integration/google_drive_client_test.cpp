// The Google gateway against FakeGoogle (tests/fakes/google.hpp): tokens
// (caching, collapsed requests, 401, invalid_grant), folders, Google's 403
// reasons, multipart and resumable uploads with lost chunks, lost
// connections and expired sessions, ranged downloads, the changes feed and
// push channels. No database.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>

#include "fakes/google.hpp"
#include "storage/google/auth.hpp"
#include "storage/google/drive.hpp"
#include "support/test_support.hpp"

namespace crmd::google {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::Answer;
using test::FakeGoogle;

constexpr std::uint64_t MiB = 1024 * 1024;
constexpr std::uint64_t KiB256 = 256 * 1024;
constexpr std::string_view drive_scope = "https://www.googleapis.com/auth/drive";

const std::string& rsa_pem() {
  static const std::string pem = [] {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return text;
  }();
  return pem;
}

web::RetryPolicy fast(web::RetryPolicy policy) {
  policy.base_delay = 1ms;
  policy.max_delay = 5ms;
  return policy;
}

std::string bytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

class GoogleDriveClientTest : public ::testing::Test {
 protected:
  GoogleDriveClientTest() {
    http_.emplace(io.io().get_executor(), web::OutboundOptions{});
    connect(service_account());
  }
  ~GoogleDriveClientTest() override {
    for (const auto& path : temp_files_) std::filesystem::remove(path);
  }

  void connect(Credentials credentials) {
    drive_.reset();
    auth_.reset();
    auth_.emplace(io.io().get_executor(), *http_, std::move(credentials), std::string(drive_scope),
                  google.token_url(), fast(token_retry_policy()));
    drive_.emplace(*http_, *auth_, DriveUrls{google.drive_url(), google.upload_url()},
                   fast(google_retry_policy()));
  }
  static Credentials service_account() {
    return ServiceAccount{"crmd@project.iam.gserviceaccount.com", rsa_pem(),
                          "https://oauth2.googleapis.com/token", std::nullopt};
  }

  template <class T>
  T run(asio::awaitable<T> work) {
    return io.run(std::move(work));
  }
  // The code of the Error work fails with ("" when it does not fail).
  template <class T>
  std::string failure_of(asio::awaitable<T> work) {
    try {
      io.run(std::move(work));
    } catch (const Error& e) {
      return e.code();
    }
    return "";
  }
  std::string temp_file(const std::string& content) {
    const auto path = std::filesystem::temp_directory_path() / test::unique_name("gdrive_upload");
    std::ofstream(path, std::ios::binary) << content;
    temp_files_.push_back(path);
    return path.string();
  }
  DriveObject upload(const std::string& path, std::uint64_t size,
                     std::optional<std::string> resume = std::nullopt) {
    ResumableHooks hooks;
    hooks.session_started = [this](std::string uri) -> asio::awaitable<void> {
      std::lock_guard lock(mutex_);
      started_.push_back(std::move(uri));
      co_return;
    };
    return run(drive_->upload_file(blocking, path, size, "big.bin", "root",
                                   "application/octet-stream", std::move(resume),
                                   std::move(hooks)));
  }
  std::vector<std::string> started() {
    std::lock_guard lock(mutex_);
    return started_;
  }

  test::IoThreads io;
  FakeGoogle google;
  asio::thread_pool blocking{1};
  std::optional<web::HttpClient> http_;  // these go before io, as the client requires
  std::optional<GoogleAuth> auth_;
  std::optional<GoogleDrive> drive_;
  std::vector<std::filesystem::path> temp_files_;
  std::mutex mutex_;
  std::vector<std::string> started_;
};

TEST_F(GoogleDriveClientTest, OneTokenServesManyCallsAndTheOverrideUrlIsUsed) {
  const auto folder = run(drive_->ensure_folder("Deals", "root"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(run(drive_->get(folder.id)).name, "Deals");
  EXPECT_EQ(google.token_requests(), 1u);
  ASSERT_EQ(google.grant_types().size(), 1u);
  EXPECT_EQ(google.grant_types()[0], "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const auto claims = google.jwt_claims();
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].at("iss"), "crmd@project.iam.gserviceaccount.com");
  EXPECT_EQ(claims[0].at("scope").as_string(), drive_scope);
  EXPECT_EQ(claims[0].at("aud"), "https://oauth2.googleapis.com/token");
}

TEST_F(GoogleDriveClientTest, ConcurrentCallersShareOneTokenRequest) {
  google.set_token_delay(200ms);
  std::vector<std::future<std::string>> tokens;
  for (int i = 0; i < 10; ++i)
    tokens.push_back(asio::co_spawn(io.io(), auth_->access_token(), asio::use_future));
  const std::string first = tokens[0].get();
  for (auto& token : tokens) {
    if (token.valid()) EXPECT_EQ(token.get(), first);
  }
  EXPECT_EQ(google.token_requests(), 1u);
}

TEST_F(GoogleDriveClientTest, ATokenWithLessThanFiveMinutesLeftIsFetchedAgain) {
  google.set_token_lifetime(240s);
  const auto a = run(auth_->access_token());
  const auto b = run(auth_->access_token());
  EXPECT_NE(a, b);
  EXPECT_EQ(google.token_requests(), 2u);
  google.set_token_lifetime(3600s);
  run(auth_->refresh());
  run(auth_->access_token());
  EXPECT_EQ(google.token_requests(), 3u);
}

TEST_F(GoogleDriveClientTest, ARefreshTokenIsExchangedWithItsClient) {
  connect(RefreshTokenCredentials{"client.apps", "secret", "1//refresh", "https://unused"});
  EXPECT_FALSE(run(auth_->access_token()).empty());
  ASSERT_EQ(google.grant_types().size(), 1u);
  EXPECT_EQ(google.grant_types()[0], "refresh_token");
}

TEST_F(GoogleDriveClientTest, AnUnauthorizedAnswerRefreshesOnceAndRetries) {
  const auto folder = run(drive_->ensure_folder("Deals", "root"));
  const auto before = google.drive_requests();
  google.revoke_access_tokens();
  EXPECT_EQ(run(drive_->get(folder.id)).id, folder.id);
  EXPECT_EQ(google.token_requests(), 2u);
  EXPECT_EQ(google.drive_requests(), before + 2);
}

TEST_F(GoogleDriveClientTest, ConcurrentUnauthorizedAnswersShareOneRefresh) {
  const auto folder = run(drive_->ensure_folder("Deals", "root"));
  google.revoke_access_tokens();
  google.set_token_delay(100ms);
  std::vector<std::future<DriveObject>> gets;
  for (int i = 0; i < 6; ++i)
    gets.push_back(asio::co_spawn(io.io(), drive_->get(folder.id), asio::use_future));
  for (auto& get : gets) EXPECT_EQ(get.get().id, folder.id);
  EXPECT_EQ(google.token_requests(), 2u);
}

TEST_F(GoogleDriveClientTest, InvalidGrantNeedsAReconnectAndGoogleIsNotAskedAgain) {
  google.answer_invalid_grant(true);
  EXPECT_EQ(failure_of(auth_->access_token()), "google_needs_reconnect");
  EXPECT_TRUE(auth_->needs_reconnect());
  EXPECT_NE(auth_->last_error().find("invalid_grant"), std::string::npos) << auth_->last_error();
  EXPECT_EQ(failure_of(auth_->access_token()), "google_needs_reconnect");
  EXPECT_EQ(failure_of(drive_->get("any")), "google_needs_reconnect");
  EXPECT_EQ(google.token_requests(), 1u);
  EXPECT_EQ(google.drive_requests(), 0u);

  google.answer_invalid_grant(false);
  auth_->reset();
  EXPECT_FALSE(auth_->needs_reconnect());
  EXPECT_FALSE(run(auth_->access_token()).empty());
  EXPECT_EQ(google.token_requests(), 2u);
}

TEST_F(GoogleDriveClientTest, OtherTokenFailuresAreUnavailableAndTriedAgainNextTime) {
  connect(RefreshTokenCredentials{"client.apps", "secret", "", "https://unused"});
  EXPECT_EQ(failure_of(auth_->access_token()), "google_unavailable");
  EXPECT_FALSE(auth_->needs_reconnect());
  EXPECT_EQ(failure_of(auth_->access_token()), "google_unavailable");
  EXPECT_EQ(google.token_requests(), 2u);
}

TEST_F(GoogleDriveClientTest, EnsureFolderTwiceMakesOneFolderEvenWithAnApostrophe) {
  const auto deals = run(drive_->ensure_folder("Deals", "root"));
  EXPECT_TRUE(deals.is_folder());
  EXPECT_EQ(deals.parents, std::vector<std::string>{"root"});
  EXPECT_EQ(run(drive_->ensure_folder("Deals", "root")).id, deals.id);
  EXPECT_EQ(google.folders_named("Deals").size(), 1u);

  const auto valentine = run(drive_->ensure_folder("Valentine's Day", deals.id));
  EXPECT_EQ(run(drive_->ensure_folder("Valentine's Day", deals.id)).id, valentine.id);
  EXPECT_EQ(google.folders_named("Valentine's Day").size(), 1u);
  EXPECT_EQ(google.queries().back(),
            "name = 'Valentine\\'s Day' and '" + deals.id +
                "' in parents and mimeType = 'application/vnd.google-apps.folder' and "
                "trashed = false");
}

TEST_F(GoogleDriveClientTest, FindFolderFollowsPagesAndSkipsTrashedFolders) {
  const auto deals = run(drive_->ensure_folder("Deals", "root"));
  google.set_empty_first_list_page(true);
  const auto found = run(drive_->find_folder("Deals", "root"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, deals.id);
  google.set_empty_first_list_page(false);
  EXPECT_TRUE(run(drive_->set_trashed(deals.id, true)).trashed);
  EXPECT_FALSE(run(drive_->find_folder("Deals", "root")));
  EXPECT_NE(run(drive_->ensure_folder("Deals", "root")).id, deals.id);
  EXPECT_FALSE(run(drive_->set_trashed(deals.id, false)).trashed);
}

TEST_F(GoogleDriveClientTest, RenameAndMoveChangeTheFileInGoogle) {
  const auto a = run(drive_->ensure_folder("A", "root"));
  const auto b = run(drive_->ensure_folder("B", "root"));
  const auto child = run(drive_->ensure_folder("Child", a.id));
  EXPECT_EQ(run(drive_->rename(child.id, "Renamed")).name, "Renamed");
  const auto moved = run(drive_->move(child.id, a.id, b.id));
  EXPECT_EQ(moved.parents, std::vector<std::string>{b.id});
  EXPECT_EQ(google.file(child.id)->parents, std::vector<std::string>{b.id});
  EXPECT_EQ(google.file(child.id)->name, "Renamed");
}

TEST_F(GoogleDriveClientTest, AUserRateLimitIsRetriedThenSucceeds) {
  const auto folder = run(drive_->ensure_folder("Deals", "root"));
  const auto before = google.drive_requests();
  google.fail_next_drive(Answer{
      403, {}, FakeGoogle::error_body(403, "userRateLimitExceeded", "User Rate Limit Exceeded")});
  google.fail_next_drive(Answer{429, {}, FakeGoogle::error_body(429, "rateLimitExceeded")});
  EXPECT_EQ(run(drive_->get(folder.id)).id, folder.id);
  EXPECT_EQ(google.drive_requests(), before + 3);
}

TEST_F(GoogleDriveClientTest, InsufficientPermissionsIsNotRetriedAndAMissingFileIsNotFound) {
  google.fail_next_drive(Answer{403, {}, FakeGoogle::error_body(403, "insufficientPermissions")});
  try {
    run(drive_->get("file1"));
    FAIL() << "a 403 succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "google_error");
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_EQ(e.detail(), "Google Drive answered 403 insufficientPermissions");
  }
  EXPECT_EQ(google.drive_requests(), 1u);
  EXPECT_EQ(failure_of(drive_->get("nope")), "google_not_found");
}

TEST_F(GoogleDriveClientTest, ASmallFileIsUploadedInOneMultipartRequest) {
  const std::string content = bytes(MiB + 17, 1);
  const auto file = run(drive_->upload_multipart("notes.bin", "root", "application/pdf", content));
  const auto stored = google.file(file.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->content, content);
  EXPECT_EQ(stored->mime_type, "application/pdf");
  EXPECT_EQ(file.size, content.size());
  EXPECT_EQ(file.name, "notes.bin");
  EXPECT_FALSE(file.md5.empty());

  const std::string small = bytes(4 * MiB, 2);
  const auto from_disk = upload(temp_file(small), small.size());
  EXPECT_EQ(google.file(from_disk.id)->content, small);
  EXPECT_TRUE(google.upload_sessions().empty());
  EXPECT_TRUE(started().empty());
  EXPECT_NE(google.drive_log().back().find("uploadType=multipart"), std::string::npos);
}

TEST_F(GoogleDriveClientTest, AResumableUploadSurvivesAPartialChunkAndADroppedConnection) {
  const std::string content = bytes(20 * MiB + 12345, 3);
  google.on_chunk(0, {FakeGoogle::ChunkFault::keep_part, 3 * KiB256});
  google.on_chunk(1, {FakeGoogle::ChunkFault::drop_connection, 4 * KiB256});
  const auto file = upload(temp_file(content), content.size());

  const auto stored = google.file(file.id);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->content == content) << "the uploaded bytes differ";
  EXPECT_EQ(file.size, content.size());
  const auto sessions = google.upload_sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].probes, 1u);
  const std::uint64_t after_drop = 3 * KiB256 + 4 * KiB256;
  EXPECT_EQ(sessions[0].chunk_offsets,
            (std::vector<std::uint64_t>{0, 3 * KiB256, after_drop, after_drop + 8 * MiB,
                                        after_drop + 16 * MiB}));
  for (std::size_t i = 0; i + 1 < sessions[0].chunk_sizes.size(); ++i)
    EXPECT_EQ(sessions[0].chunk_sizes[i], 8 * MiB);
  ASSERT_EQ(started().size(), 1u);
  EXPECT_NE(started()[0].find("upload_id=" + sessions[0].id), std::string::npos) << started()[0];
}

TEST_F(GoogleDriveClientTest, AServerErrorOnAChunkIsProbedAndTheUploadGoesOn) {
  const std::string content = bytes(12 * MiB + 1, 8);
  google.on_chunk(1, {FakeGoogle::ChunkFault::server_error});
  const auto file = upload(temp_file(content), content.size());
  EXPECT_TRUE(google.file(file.id)->content == content);
  const auto sessions = google.upload_sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].probes, 1u);
  EXPECT_EQ(sessions[0].chunk_offsets, (std::vector<std::uint64_t>{0, 8 * MiB, 8 * MiB}));
}

TEST_F(GoogleDriveClientTest, AnExpiredSessionIsReplacedAndTheUploadStartsAgainFromZero) {
  const std::string content = bytes(12 * MiB + 1, 4);
  google.on_chunk(1, {FakeGoogle::ChunkFault::expire_session});
  const auto file = upload(temp_file(content), content.size());
  EXPECT_TRUE(google.file(file.id)->content == content);
  const auto sessions = google.upload_sessions();
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_TRUE(sessions[0].gone);
  EXPECT_EQ(sessions[1].chunk_offsets, (std::vector<std::uint64_t>{0, 8 * MiB}));
  ASSERT_EQ(started().size(), 2u);
  EXPECT_NE(started()[1].find(sessions[1].id), std::string::npos);
}

TEST_F(GoogleDriveClientTest, AGivenSessionIsProbedAndResumedWhereGoogleStands) {
  const std::string content = bytes(20 * MiB, 5);
  const std::string path = temp_file(content);
  const std::string uri =
      run(drive_->start_resumable("big.bin", "root", "application/octet-stream", content.size()));
  const auto first = run(drive_->put_chunk(uri, 0, content.substr(0, 8 * MiB), content.size()));
  EXPECT_FALSE(first.done);
  EXPECT_EQ(first.next_offset, 8 * MiB);

  const auto file = upload(path, content.size(), uri);
  EXPECT_TRUE(google.file(file.id)->content == content);
  const auto sessions = google.upload_sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].probes, 1u);
  EXPECT_EQ(sessions[0].chunk_offsets, (std::vector<std::uint64_t>{0, 8 * MiB, 16 * MiB}));
  EXPECT_TRUE(started().empty());
  // A finished session probed again says so.
  const auto again = run(drive_->probe(uri, content.size()));
  ASSERT_TRUE(again.done);
  EXPECT_EQ(again.done->id, file.id);
}

TEST_F(GoogleDriveClientTest, ChunkAnswersAreReadAsGoogleWritesThem) {
  const std::string content = bytes(KiB256 + 10, 6);
  const std::string uri =
      run(drive_->start_resumable("x.bin", "root", "application/octet-stream", content.size()));
  google.accept_partial_next_chunk(0);
  const auto nothing = run(drive_->put_chunk(uri, 0, content.substr(0, KiB256), content.size()));
  EXPECT_EQ(nothing.next_offset, 0u);  // a 308 without Range
  EXPECT_EQ(run(drive_->probe(uri, content.size())).next_offset, 0u);
  const auto done = run(drive_->put_chunk(uri, 0, content, content.size()));
  ASSERT_TRUE(done.done);
  EXPECT_EQ(done.done->size, content.size());

  const std::string other =
      run(drive_->start_resumable("y.bin", "root", "application/octet-stream", content.size()));
  google.expire_next_chunk();
  try {
    run(drive_->put_chunk(other, 0, content, content.size()));
    FAIL() << "a chunk for a gone session succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "upload_session_expired");
    EXPECT_EQ(e.kind(), ErrorKind::gone);
  }
}

TEST_F(GoogleDriveClientTest, ARangeOfAFileIsDownloaded) {
  const std::string content = bytes(3 * MiB, 7);
  const std::string id = google.add_in_google("scan.pdf", "root", "application/pdf", content);
  EXPECT_EQ(run(drive_->download_range(id, 100, 199)), content.substr(100, 100));
  EXPECT_EQ(run(drive_->download_range(id, 0, 2 * MiB - 1)), content.substr(0, 2 * MiB));
  EXPECT_EQ(run(drive_->download_range(id, 3 * MiB - 5, 3 * MiB + 100)),
            content.substr(3 * MiB - 5));
  EXPECT_EQ(failure_of(drive_->download_range("nope", 0, 9)), "google_not_found");
}

TEST_F(GoogleDriveClientTest, ChangesArePagedUpToTheNewStartPageToken) {
  const std::string start = run(drive_->start_page_token());
  const std::string a = google.add_in_google("a.txt", "root", "text/plain", "a");
  const std::string b = google.add_in_google("b.txt", "root", "text/plain", "b");
  google.rename_in_google(a, "a2.txt");
  google.trash_in_google(b);
  google.remove_in_google(a);
  google.set_page_size(2);

  std::vector<Change> changes;
  std::optional<std::string> token = start;
  std::optional<std::string> new_start;
  int pages = 0;
  while (token) {
    auto page = run(drive_->list_changes(*token));
    ++pages;
    for (auto& change : page.changes) changes.push_back(std::move(change));
    if (page.next_page_token) EXPECT_FALSE(page.new_start_page_token);
    token = page.next_page_token;
    new_start = page.new_start_page_token;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(changes.size(), 5u);
  ASSERT_TRUE(new_start);
  EXPECT_EQ(*new_start, run(drive_->start_page_token()));
  EXPECT_EQ(changes[0].file_id, a);
  EXPECT_TRUE(changes[0].removed);  // as it stands now: removed
  EXPECT_FALSE(changes[0].file);
  EXPECT_EQ(changes[1].file_id, b);
  ASSERT_TRUE(changes[3].file);
  EXPECT_TRUE(changes[3].file->trashed);
  EXPECT_EQ(changes[3].file->name, "b.txt");
  EXPECT_TRUE(changes[4].removed);
  EXPECT_TRUE(run(drive_->list_changes(*new_start)).changes.empty());
}

TEST_F(GoogleDriveClientTest, AChannelIsWatchedAndStoppedAndAnUnknownOneStopsQuietly) {
  const std::string token = run(drive_->start_page_token());
  const auto before = std::chrono::system_clock::now();
  const auto channel = run(drive_->watch_changes(token, "chan-1", "https://crm.example/hooks/drive",
                                                 "s3cret", std::chrono::seconds(3600)));
  EXPECT_EQ(channel.id, "chan-1");
  const auto channels = google.channels();
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_EQ(channel.resource_id, channels[0].resource_id);
  EXPECT_EQ(channels[0].token, "s3cret");
  EXPECT_EQ(channels[0].page_token, token);
  EXPECT_EQ(channels[0].address, "https://crm.example/hooks/drive");
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::milliseconds>(channel.expiration.time_since_epoch())
          .count(),
      channels[0].expiration_ms);
  EXPECT_GE(channel.expiration, before + 3599s);
  EXPECT_LE(channel.expiration, std::chrono::system_clock::now() + 3601s);

  // Google keeps a changes channel a week at most and says so.
  const auto long_one = run(drive_->watch_changes(
      token, "chan-2", "https://crm.example/hooks/drive", "", std::chrono::hours(24 * 30)));
  EXPECT_LE(long_one.expiration, std::chrono::system_clock::now() + std::chrono::hours(24 * 7));

  run(drive_->stop_channel(channel.id, channel.resource_id));
  EXPECT_TRUE(google.channels()[0].stopped);
  run(drive_->stop_channel(channel.id, channel.resource_id));  // 404 now
  EXPECT_EQ(google.stops().size(), 2u);
  EXPECT_EQ(failure_of(drive_->watch_changes(token, "c", "http://plain.example", "", 60s)),
            "google_error");
}

}  // namespace
}  // namespace crmd::google
