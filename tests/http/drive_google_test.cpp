// The drive on its Google backend, end to end against an in-process fake
// Google (tests/fakes/google.hpp): roots made once in Google, resumable
// uploads that survive a partial 308, a dropped connection and an expired
// session, ranged downloads, the push receiver (token check, dedupe) and
// the changes pull applying a rename and a trash made in Google, channel
// renewal with overlap, and invalid_grant as needs_reconnect.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <fstream>
#include <thread>

#include "actors/drive_sync.hpp"
#include "api_fixture.hpp"
#include "domain/common/crypto.hpp"
#include "fakes/google.hpp"

namespace crmd::http {
namespace {

using test::json_of;
constexpr const char* kFolderMime = "application/vnd.google-apps.folder";

struct WithFakeGoogle {
  test::FakeGoogle google;
  std::string root = google.add_in_google("CRM", "root", kFolderMime);
};

// Each test starts the feed and the channels afresh (one state row for all).
config::Config google_config(WithFakeGoogle& fake) {
  test::db_query(
      "UPDATE drive_sync_state SET page_token = NULL, status = 'active', last_error = NULL");
  test::db_query("DELETE FROM drive_webhook_channels");
  auto config = test::job_config();
  config.drive_backend = "google";
  config.google_client_id = "client";
  config.google_client_secret = "secret";
  config.google_refresh_token = "refresh";
  config.google_token_url = fake.google.token_url();
  config.google_drive_url = fake.google.drive_url();
  config.google_upload_url = fake.google.upload_url();
  config.google_drive_root_folder = fake.root;
  config.public_url = "https://crm.example.test";
  config.drive_changes_debounce = std::chrono::milliseconds(1);
  return config;
}

class DriveGoogleTest : public WithFakeGoogle, public test::JobServerTest {
 protected:
  DriveGoogleTest() : test::JobServerTest(google_config(*this)) {}
  ~DriveGoogleTest() override { test::db_query("DELETE FROM drive_webhook_channels"); }

  std::string company_root(const std::string& name) {
    const auto company = create_at("/api/v2/companies", {{"name", test::unique_name(name)}});
    auto response = send("GET", "/api/v2/drive/company/" + company);
    EXPECT_EQ(response.result_int(), 200) << response.body();
    return std::string(json_of(response).at("folder").at("id").as_string());
  }
  test::HttpResponse upload(const std::string& folder, const std::string& name,
                            const std::string& content) {
    return client.request(
        "POST", "/api/v2/drive/folders/" + folder + "/files?name=" + name, content,
        "Authorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\n");
  }
  std::string google_id_of_file(const std::string& id) {
    return test::db_query("SELECT google_id FROM drive_files WHERE id = $1",
                          pg::Params(Uuid::parse(id).value()))
        .one()
        .get<std::string>(0);
  }
  std::string google_id_of_folder(const std::string& id) {
    return test::db_query("SELECT google_id FROM drive_folders WHERE id = $1",
                          pg::Params(Uuid::parse(id).value()))
        .one()
        .get<std::string>(0);
  }
  test::FakeChannel live_channel() {
    test::FakeChannel found;
    EXPECT_TRUE(test::eventually([&] {
      for (const auto& c : google.channels())
        if (!c.stopped) found = c;
      return !found.id.empty();
    }));
    return found;
  }
  test::HttpResponse notify(const std::string& channel, const std::string& token, int message,
                            const std::string& state = "change") {
    return client.request("POST", "/webhooks/google/drive", "",
                          "X-Goog-Channel-ID: " + channel + "\r\nX-Goog-Channel-Token: " + token +
                              "\r\nX-Goog-Message-Number: " + std::to_string(message) +
                              "\r\nX-Goog-Resource-ID: res\r\nX-Goog-Resource-State: " + state +
                              "\r\nX-Goog-Changed: content, parents\r\n");
  }
  template <class T>
  T run(boost::asio::awaitable<T> work) {
    return boost::asio::co_spawn(server.app().io(), std::move(work), boost::asio::use_future).get();
  }
};

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 2654435761u) >> 11);
  return out;
}

TEST_F(DriveGoogleTest, TheRootAndItsTemplateFoldersAreMadeOnceInGoogle) {
  test::RunningServer other(server.app().config());
  const auto name = test::unique_name("Gco");
  const auto company = create_at("/api/v2/companies", {{"name", name}});
  std::vector<int> statuses(20);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] {
      test::RawClient c(i % 2 ? other.port() : server.port());
      statuses[i] = c.request("GET", "/api/v2/drive/company/" + company, "",
                              "Authorization: Bearer " + token + "\r\n")
                        .result_int();
    });
  for (auto& t : threads) t.join();
  for (auto status : statuses) EXPECT_EQ(status, 200);
  const auto roots = google.folders_named(name + " (company " + company + ")");
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].parents, std::vector<std::string>{root});
  for (const auto* sub : {"Contracts", "Proposals", "Invoices"}) {
    std::size_t in_root = 0;
    for (const auto& f : google.folders_named(sub))
      if (f.parents == std::vector<std::string>{roots[0].id}) ++in_root;
    EXPECT_EQ(in_root, 1u) << sub;
  }
}

TEST_F(DriveGoogleTest, AResumableUploadSurvivesAPartial308ADropAndAnExpiredSession) {
  const auto folder = company_root("Up");
  const auto content = pattern(21 * 1024 * 1024 + 777);  // three 8 MiB chunks
  google.accept_partial_next_chunk(256 * 1024);
  auto first = upload(folder, "big.bin", content);
  ASSERT_EQ(first.result_int(), 201) << first.body();
  const auto id = std::string(json_of(first).at("id").as_string());
  const auto stored = google.file(google_id_of_file(id));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->content == content, true);

  google.drop_next_chunk(1024);
  auto second = upload(folder, "dropped.bin", content);
  ASSERT_EQ(second.result_int(), 201) << second.body();
  EXPECT_EQ(
      google.file(google_id_of_file(std::string(json_of(second).at("id").as_string())))->content ==
          content,
      true);

  const auto sessions_before = google.upload_sessions().size();
  google.expire_next_chunk();
  auto third = upload(folder, "expired.bin", content);
  ASSERT_EQ(third.result_int(), 201) << third.body();
  EXPECT_EQ(google.upload_sessions().size(), sessions_before + 2);  // one gone, one new
  EXPECT_EQ(
      google.file(google_id_of_file(std::string(json_of(third).at("id").as_string())))->content ==
          content,
      true);
  // Each is stored, none left "uploading".
  for (const auto* answer : {&first, &second, &third})
    EXPECT_EQ(
        test::db_query(
            "SELECT status FROM drive_files WHERE id = $1",
            pg::Params(Uuid::parse(std::string(json_of(*answer).at("id").as_string())).value()))
            .one()
            .get<std::string>(0),
        "stored");

  // Purged: gone from Google too.
  const auto third_id = std::string(json_of(third).at("id").as_string());
  const auto third_google = google_id_of_file(third_id);
  ASSERT_EQ(send("DELETE", "/api/v2/drive/files/" + third_id).result_int(), 200);
  EXPECT_TRUE(google.file(third_google)->trashed);
  ASSERT_EQ(send("POST", "/api/v2/drive/files/" + third_id + "/purge").result_int(), 204);
  EXPECT_TRUE(google.file(third_google)->removed);

  // Read back through crmd, from Google, in ranges.
  auto whole =
      client.request("GET", "/api/v2/drive/files/" + id + "/content", "",
                     "Authorization: Bearer " + token + "\r\nRange: bytes=8388000-8389000\r\n");
  EXPECT_EQ(whole.result_int(), 206);
  EXPECT_EQ(whole.body(), content.substr(8388000, 1001));
}

// A process wrote the row, started the session, sent its first chunk and
// died: another resumes from the persisted session, where Google says.
TEST_F(DriveGoogleTest, AnUploadLeftByADeadProcessIsResumedFromItsSession) {
  const auto folder = company_root("Resume");
  const auto content = pattern(9 * 1024 * 1024);
  const std::uint64_t sent = 8 * 1024 * 1024;
  test::RawClient fake(google.port());
  auto token_answer = fake.request("POST", "/token",
                                   "grant_type=refresh_token&client_id=c&client_secret=s"
                                   "&refresh_token=r",
                                   "Content-Type: application/x-www-form-urlencoded\r\n");
  const auto bearer =
      "Authorization: Bearer " + std::string(json_of(token_answer).at("access_token").as_string());
  auto started =
      fake.request("POST", "/upload/drive/v3/files?uploadType=resumable",
                   R"({"name":"orphan.bin","parents":[")" + google_id_of_folder(folder) + R"("]})",
                   bearer +
                       "\r\nContent-Type: application/json\r\nX-Upload-Content-Type: "
                       "application/octet-stream\r\nX-Upload-Content-Length: " +
                       std::to_string(content.size()) + "\r\n");
  const auto session = std::string(started[boost::beast::http::field::location]);
  ASSERT_FALSE(session.empty());
  auto chunk =
      fake.request("PUT", session.substr(session.find("/upload/")), content.substr(0, sent),
                   bearer + "\r\nContent-Range: bytes 0-" + std::to_string(sent - 1) + "/" +
                       std::to_string(content.size()) + "\r\n");
  ASSERT_EQ(chunk.result_int(), 308);

  const auto file_id = Uuid::random_v4();
  const auto staged = server.app().drive().drive_dir() + "/" + file_id.str();
  std::ofstream(staged, std::ios::binary) << content;
  const auto entity = test::db_query("SELECT entity_id FROM drive_folders WHERE id = $1",
                                     pg::Params(Uuid::parse(folder).value()));
  test::db_query(
      "INSERT INTO drive_files (id, folder_id, entity_type, entity_id, name, mime_type, size,"
      " sha256, blob, status, upload_session, updated_at) VALUES ($1, $2, 'company', $3,"
      " 'orphan.bin', 'application/octet-stream', $4, $5, $6, 'uploading', $7,"
      " now() - interval '2 hours')",
      pg::Params(file_id, Uuid::parse(folder).value(), entity.one().get<Uuid>(0),
                 static_cast<std::int64_t>(content.size()), sha256_hex(content), file_id.str(),
                 session));
  const auto sessions = google.upload_sessions().size();
  const auto resumed = run(server.app().drive().resume_stale_uploads(std::chrono::seconds(3600)));
  EXPECT_EQ(resumed, 1u);
  EXPECT_EQ(google.upload_sessions().size(), sessions);  // the same session, no new one
  const auto last = google.upload_sessions().back();
  EXPECT_EQ(last.chunk_offsets.back(), sent);  // went on from where Google was
  auto meta = send("GET", "/api/v2/drive/files/" + file_id.str());
  ASSERT_EQ(meta.result_int(), 200) << meta.body();
  EXPECT_EQ(google.file(google_id_of_file(file_id.str()))->content == content, true);
  EXPECT_TRUE(test::eventually([&] { return !std::filesystem::exists(staged); }));
}

TEST_F(DriveGoogleTest, NotificationsAreAuthenticatedDedupedAndPullTheChanges) {
  const auto channel = live_channel();
  EXPECT_EQ(channel.address, "https://crm.example.test/webhooks/google/drive");
  EXPECT_EQ(notify(channel.id, "wrong", 1).result_int(), 403);
  EXPECT_EQ(notify("unknown-channel", "x", 1).result_int(), 200);
  EXPECT_EQ(notify(channel.id, channel.token, 1, "sync").result_int(), 200);

  const auto folder = company_root("Changes");
  auto made = upload(folder, "before.txt", "text");
  ASSERT_EQ(made.result_int(), 201) << made.body();
  const auto file = std::string(json_of(made).at("id").as_string());
  const auto sub = create_at("/api/v2/drive/folders/" + folder + "/folders", {{"name", "Sub"}});

  google.rename_in_google(google_id_of_file(file), "after.txt");
  google.trash_in_google(google_id_of_folder(sub));
  EXPECT_EQ(notify(channel.id, channel.token, 7, "changed").result_int(), 200);
  EXPECT_EQ(notify(channel.id, channel.token, 7, "changed").result_int(), 200);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM drive_change_logs WHERE channel_id = $1",
                           pg::Params(channel.id))
                .one()
                .get<std::int64_t>(0),
            2);  // the sync and message 7, once
  const auto headers = test::db_query(
      "SELECT changed, raw_headers ? 'x-goog-channel-token' FROM drive_change_logs"
      " WHERE channel_id = $1 AND message_number = 7",
      pg::Params(channel.id));
  EXPECT_EQ(headers.one().get<std::vector<std::string>>(0),
            (std::vector<std::string>{"content", "parents"}));
  EXPECT_FALSE(headers.one().get<bool>(1));  // the token is not kept

  ASSERT_TRUE(test::eventually([&] {
    auto meta = json_of(send("GET", "/api/v2/drive/files/" + file));
    return meta.at("name") == "after.txt";
  }));
  ASSERT_TRUE(test::eventually(
      [&] { return send("GET", "/api/v2/drive/folders/" + sub).result_int() == 404; }));
  auto deleted = json_of(send("GET", "/api/v2/drive/folders/" + sub + "?include_deleted=true"));
  EXPECT_EQ(deleted.at("folder").at("delete_reason"), "trashed in Google Drive");
  EXPECT_EQ(test::db_query("SELECT count(*) FROM audit_logs WHERE entity_id = $1"
                           " AND event_type = 'drive.file_renamed'",
                           pg::Params(file))
                .one()
                .get<std::int64_t>(0),
            1);
}

TEST_F(DriveGoogleTest, ChannelsAreRenewedWithOverlapAndTheOldOneStopped) {
  const auto first = live_channel();
  test::db_query("UPDATE drive_webhook_channels SET expires_at = now() + interval '1 minute'");
  run(server.app().drive_sync()->renew_channels());
  const auto channels = google.channels();
  ASSERT_EQ(channels.size(), 2u);
  const auto& renewed = channels[1].id == first.id ? channels[0] : channels[1];
  EXPECT_NE(renewed.id, first.id);
  EXPECT_EQ(google.stops().size(), 1u);
  EXPECT_EQ(google.stops()[0].first, first.id);
  // The new channel is followed; the stopped one no longer is.
  EXPECT_EQ(notify(renewed.id, renewed.token, 2).result_int(), 200);
  EXPECT_EQ(notify(renewed.id, "wrong", 3).result_int(), 403);
  EXPECT_EQ(notify(first.id, "wrong", 4).result_int(), 200);  // ended: nothing to check
}

TEST_F(DriveGoogleTest, InvalidGrantPutsTheConnectionInNeedsReconnect) {
  // The token in hand is refused, and so is the refresh: the user revoked
  // crmd's access.
  google.answer_invalid_grant(true);
  google.revoke_access_tokens();
  const auto company = create_at("/api/v2/companies", {{"name", test::unique_name("Revoked")}});
  auto refused = send("GET", "/api/v2/drive/company/" + company);
  EXPECT_EQ(refused.result_int(), 503) << refused.body();
  EXPECT_EQ(json_of(refused).at("error_code"), "google_needs_reconnect");
  const auto requests = google.token_requests();
  EXPECT_EQ(send("GET", "/api/v2/drive/company/" + company).result_int(), 503);
  EXPECT_EQ(google.token_requests(), requests);  // no retry loop
  EXPECT_EQ(json_of(send("GET", "/ready")).at("drive"), "needs_reconnect");
  EXPECT_EQ(json_of(send("GET", "/api/v2/drive/status")).at("status"), "needs_reconnect");
}

}  // namespace
}  // namespace crmd::http
