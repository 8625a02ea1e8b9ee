// The calendar on its Google backend, end to end against the in-process fake
// Google Calendar (tests/fakes/google_calendar.hpp): full and incremental
// syncs and their tokens, tombstones, a moved instance of a series, a dead
// token mid-run, the push receiver, channel renewal, Meet links, lead
// activities that a sync does not count twice, and invalid_grant.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "api_fixture.hpp"
#include "fakes/google.hpp"

namespace crmd::http {
namespace {

using test::json_of;
using Clock = std::chrono::system_clock;

std::string iso(Clock::time_point t) {
  return format_rfc3339(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

boost::json::object simple_event(const std::string& summary, Clock::time_point start) {
  boost::json::object e;
  e["summary"] = summary;
  e["status"] = "confirmed";
  e["start"] = boost::json::object{{"dateTime", iso(start)}};
  e["end"] = boost::json::object{{"dateTime", iso(start + std::chrono::hours(1))}};
  return e;
}

struct WithFakeGoogle {
  test::FakeGoogle google;
  // A calendar of its own per test: its sync state starts afresh.
  std::string calendar = test::unique_name("cal") + "@example.test";
  test::FakeCalendar& fake() { return google.calendar(); }
};

config::Config calendar_config(WithFakeGoogle& f, bool push) {
  auto config = test::job_config();
  config.calendar_backend = "google";
  config.google_client_id = "client";
  config.google_client_secret = "secret";
  config.google_refresh_token = "refresh";
  config.google_token_url = f.google.token_url();
  config.google_calendar_url = f.google.calendar_url();
  config.google_calendar_ids = {f.calendar};
  if (push) config.public_url = "https://crm.example.test";
  config.calendar_debounce = std::chrono::milliseconds(1);
  return config;
}

class CalendarGoogleTest : public WithFakeGoogle, public test::JobServerTest {
 protected:
  explicit CalendarGoogleTest(bool push = false)
      : test::JobServerTest(calendar_config(*this, push)) {
    wait_synced();
  }

  // The first sync (at start) over.
  void wait_synced() {
    EXPECT_TRUE(test::eventually([&] {
      auto r = test::db_query(
          "SELECT count(*) FROM calendar_sync_states WHERE calendar_id = $1 AND stage = 'idle'"
          " AND lease_owner IS NULL",
          pg::Params(calendar));
      return r[0].get<std::int64_t>(0) == 1;
    }));
  }
  std::optional<std::string> stored_token() {
    auto r = test::db_query("SELECT sync_token FROM calendar_sync_states WHERE calendar_id = $1",
                            pg::Params(calendar));
    return r[0].get<std::optional<std::string>>(0);
  }
  // A sync job for the calendar, to its end: its result.
  boost::json::object sync_now() {
    auto queued = send("POST", "/api/v2/calendar/sync",
                       boost::json::serialize(boost::json::object{{"calendar_id", calendar}}));
    EXPECT_EQ(queued.result_int(), 202) << queued.body();
    auto job = finished(std::string(queued[boost::beast::http::field::location]));
    EXPECT_EQ(job.at("status"), "completed") << boost::json::serialize(job);
    return job.at("result").at("calendars").at(0).as_object();
  }
  struct Mirrored {
    std::string id, status;
    std::optional<std::string> summary, recurring_event_id;
    std::string start;
  };
  std::optional<Mirrored> mirrored(const std::string& google_id) {
    auto r = test::db_query(
        "SELECT id::text, status, summary, recurring_event_id, start_time FROM calendar_events"
        " WHERE calendar_id = $1 AND google_event_id = $2",
        pg::Params(calendar, google_id));
    if (r.rows() == 0) return std::nullopt;
    return Mirrored{
        r[0].get<std::string>(0), r[0].get<std::string>(1), r[0].get<std::optional<std::string>>(2),
        r[0].get<std::optional<std::string>>(3), format_rfc3339(r[0].get<Timestamp>(4))};
  }
  std::int64_t list_requests() {
    std::int64_t n = 0;
    for (const auto& r : fake().requests())
      if (r.starts_with("GET /calendar/v3/calendars/") && r.find("/events?") != std::string::npos)
        ++n;
    return n;
  }
  test::HttpResponse notify(const std::string& channel, const std::string& token, int message,
                            const std::string& state = "exists") {
    return client.request("POST", "/webhooks/google/calendar", "",
                          "X-Goog-Channel-ID: " + channel + "\r\nX-Goog-Channel-Token: " + token +
                              "\r\nX-Goog-Message-Number: " + std::to_string(message) +
                              "\r\nX-Goog-Resource-ID: res\r\nX-Goog-Resource-State: " + state +
                              "\r\n");
  }
  template <class T>
  T run(boost::asio::awaitable<T> work) {
    return boost::asio::co_spawn(server.app().io(), std::move(work), boost::asio::use_future).get();
  }
};

class CalendarPushTest : public CalendarGoogleTest {
 protected:
  CalendarPushTest() : CalendarGoogleTest(true) {}
};

TEST_F(CalendarGoogleTest, AFullSyncOverThreePagesStoresOnlyTheLastPagesToken) {
  const auto start = Clock::now() + std::chrono::hours(24);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(fake().put_in_google(
        calendar, simple_event("Full " + std::to_string(i), start + std::chrono::hours(i))));
  fake().set_page_size(2);
  test::db_query(
      "UPDATE calendar_sync_states SET sync_token = NULL, stage = 'pending' WHERE calendar_id = $1",
      pg::Params(calendar));
  const auto sent_before = fake().sync_tokens_sent().size();
  const auto run = sync_now();
  EXPECT_EQ(run.at("full"), true);
  EXPECT_EQ(run.at("pages"), 3);
  for (const auto& id : ids) EXPECT_TRUE(mirrored(id)) << id;
  // No token on any page of a full sync; the one stored is the one the next
  // incremental sync sends.
  const auto sent = fake().sync_tokens_sent();
  ASSERT_EQ(sent.size(), sent_before + 3);
  for (auto i = sent_before; i < sent.size(); ++i) EXPECT_EQ(sent[i], "");
  const auto token = stored_token();
  ASSERT_TRUE(token);
  sync_now();
  EXPECT_EQ(fake().sync_tokens_sent().back(), *token);
}

TEST_F(CalendarGoogleTest, AnIncrementalSecondPageResendsTheSameToken) {
  const auto token = stored_token();
  ASSERT_TRUE(token);
  const auto start = Clock::now() + std::chrono::hours(48);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(fake().put_in_google(
        calendar, simple_event("Inc " + std::to_string(i), start + std::chrono::hours(i))));
  fake().set_page_size(2);
  const auto run = sync_now();
  EXPECT_EQ(run.at("full"), false);
  EXPECT_EQ(run.at("pages"), 2);
  const auto sent = fake().sync_tokens_sent();
  ASSERT_GE(sent.size(), 2u);
  EXPECT_EQ(sent[sent.size() - 2], *token);
  EXPECT_EQ(sent.back(), *token);
  EXPECT_NE(stored_token(), token);
  for (const auto& id : ids) EXPECT_TRUE(mirrored(id)) << id;
}

TEST_F(CalendarGoogleTest, TombstonesAndAMovedInstanceOfASeries) {
  const auto start = Clock::now() + std::chrono::hours(72);
  const auto single = fake().put_in_google(calendar, simple_event("Goes away", start));
  const auto series =
      fake().put_recurring_in_google(calendar, "Weekly", start, 3, std::chrono::hours(24 * 7));
  sync_now();
  ASSERT_TRUE(mirrored(single));
  ASSERT_EQ(mirrored(series[1])->recurring_event_id.has_value(), true);

  fake().cancel_in_google(calendar, single);  // an incremental list: only its id
  const auto moved = start + std::chrono::hours(24 * 7 + 2);
  fake().move_in_google(calendar, series[1], iso(moved), iso(moved + std::chrono::hours(1)));
  sync_now();
  const auto gone = mirrored(single);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, "cancelled");
  EXPECT_EQ(gone->summary, "Goes away");  // history kept
  const auto instance = mirrored(series[1]);
  EXPECT_EQ(instance->start, iso(moved));
  EXPECT_EQ(instance->status, "confirmed");
  EXPECT_EQ(mirrored(series[0])->start, iso(start));
  const auto events = test::db_query(
      "SELECT event_type FROM audit_logs WHERE entity_type = 'calendar' AND entity_id = $1"
      " ORDER BY id",
      pg::Params(gone->id));
  ASSERT_EQ(events.rows(), 2);
  EXPECT_EQ(events[1].get<std::string>(0), "calendar.event_cancelled");
}

TEST_F(CalendarGoogleTest, ADeadTokenMidRunIsAFullSyncThatReconciles) {
  const auto start = Clock::now() + std::chrono::hours(96);
  const auto kept = fake().put_in_google(calendar, simple_event("Kept", start));
  const auto forgotten = fake().put_in_google(calendar, simple_event("Forgotten", start));
  sync_now();
  ASSERT_TRUE(mirrored(forgotten));
  const auto dead = stored_token();

  fake().purge_in_google(calendar, forgotten);  // not even a tombstone
  const auto late1 = fake().put_in_google(calendar, simple_event("Late 1", start));
  const auto late2 = fake().put_in_google(calendar, simple_event("Late 2", start));
  fake().set_page_size(1);
  fake().expire_sync_tokens_after_pages(1);  // page 2 of the incremental run: 410
  const auto run = sync_now();
  EXPECT_EQ(run.at("full"), true);
  EXPECT_EQ(mirrored(forgotten)->status, "cancelled");
  EXPECT_EQ(mirrored(kept)->status, "confirmed");
  EXPECT_TRUE(mirrored(late1));
  EXPECT_TRUE(mirrored(late2));
  EXPECT_NE(stored_token(), dead);
  // The dead token was sent twice (pages 1 and 2), never again.
  const auto sent = fake().sync_tokens_sent();
  EXPECT_EQ(std::count(sent.begin(), sent.end(), *dead), 2);
  const auto again = sync_now();
  EXPECT_EQ(again.at("full"), false);
}

TEST_F(CalendarGoogleTest, MeetLinksAskWithAFreshRequestIdAndConferenceDataVersion) {
  const auto make = [&](const std::string& summary) {
    auto response = send("POST", "/api/v2/calendar/events",
                         boost::json::serialize(boost::json::object{
                             {"summary", summary},
                             {"start", "2026-12-10T10:00:00Z"},
                             {"end", "2026-12-10T11:00:00Z"},
                             {"meet", true},
                             {"attendees", boost::json::array{{{"email", "ana@client.test"}}}}}));
    EXPECT_EQ(response.result_int(), 201) << response.body();
    return json_of(response);
  };
  const auto first = make("Demo 1");
  const auto second = make("Demo 2");
  EXPECT_EQ(first.at("source"), "google");
  EXPECT_TRUE(
      std::string(first.at("meet_link").as_string()).starts_with("https://meet.google.com/"));
  std::vector<std::string> requests;
  for (const auto& w : fake().writes()) {
    if (w.calendar != calendar || w.method != "POST") continue;
    EXPECT_EQ(w.conference_data_version, 1);
    requests.push_back(w.request_id);
  }
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].empty());
  EXPECT_NE(requests[0], requests[1]);
  // Changes go to Google first, with conferenceDataVersion=1 too.
  const std::string id(first.at("id").as_string());
  auto changed = send("PATCH", "/api/v2/calendar/events/" + id, R"({"summary": "Demo 1b"})");
  ASSERT_EQ(changed.result_int(), 200) << changed.body();
  EXPECT_EQ(json_of(changed).at("meet_link"), first.at("meet_link"));
  const auto writes = fake().writes();
  EXPECT_EQ(writes.back().method, "PATCH");
  EXPECT_EQ(writes.back().conference_data_version, 1);
  ASSERT_EQ(send("DELETE", "/api/v2/calendar/events/" + id).result_int(), 200);
  EXPECT_EQ(fake().writes().back().method, "DELETE");
}

TEST_F(CalendarGoogleTest, AnEventOnALeadCountsOnceHoweverOftenItIsSynced) {
  const auto lead = create_at("/api/v2/leads", {{"title", test::unique_name("Synced lead")}});
  test::db_query("UPDATE leads SET last_interaction_at = now() - interval '7 days' WHERE id = $1",
                 pg::Params(lead));
  const auto start = iso(Clock::now() - std::chrono::hours(5));
  auto made = send(
      "POST", "/api/v2/calendar/events",
      boost::json::serialize(boost::json::object{{"summary", "Lead meeting"},
                                                 {"start", start},
                                                 {"end", iso(Clock::now() - std::chrono::hours(4))},
                                                 {"lead_ids", boost::json::array{lead}}}));
  ASSERT_EQ(made.result_int(), 201) << made.body();
  sync_now();
  sync_now();
  auto stats = json_of(send("GET", "/api/v2/leads/" + lead + "/activity"));
  EXPECT_EQ(stats.at("total_events"), 1);
  EXPECT_EQ(stats.at("last_interaction_at").as_string(), start);
  const auto rows =
      test::db_query("SELECT count(*) FROM lead_activities WHERE lead_id = $1 AND kind = 'event'",
                     pg::Params(lead));
  EXPECT_EQ(rows[0].get<std::int64_t>(0), 1);
}

TEST_F(CalendarGoogleTest, InvalidGrantIsFailedNeedsReconnect) {
  google.answer_invalid_grant(true);
  google.revoke_access_tokens();
  auto queued = send("POST", "/api/v2/calendar/sync",
                     boost::json::serialize(boost::json::object{{"calendar_id", calendar}}));
  ASSERT_EQ(queued.result_int(), 202) << queued.body();
  auto job = finished(std::string(queued[boost::beast::http::field::location]));
  EXPECT_EQ(job.at("status"), "failed");
  auto status = json_of(send("GET", "/api/v2/calendar/sync"));
  EXPECT_EQ(status.at("calendars").at(0).at("status"), "failed_needs_reconnect");
  EXPECT_EQ(json_of(send("GET", "/ready")).at("calendar"), "needs_reconnect");
  // No run starts until an admin reconnects.
  const auto lists = list_requests();
  google.answer_invalid_grant(false);
  sync_now();
  EXPECT_EQ(list_requests(), lists);
  auto reconnect = send("POST", "/api/v2/calendar/sync",
                        R"({"calendar_id": ")" + calendar + R"(", "reconnect": true})");
  ASSERT_EQ(reconnect.result_int(), 202) << reconnect.body();
  auto done = finished(std::string(reconnect[boost::beast::http::field::location]));
  EXPECT_EQ(done.at("status"), "completed");
  EXPECT_GT(list_requests(), lists);
  status = json_of(send("GET", "/api/v2/calendar/sync"));
  EXPECT_EQ(status.at("calendars").at(0).at("status"), "active");
}

TEST_F(CalendarGoogleTest, ARunCutOffByADeadProcessStartsAgainCleanly) {
  const auto id = fake().put_in_google(
      calendar, simple_event("After the crash", Clock::now() + std::chrono::hours(7)));
  // Another process holds the lease: no second run at the same time.
  test::db_query(
      "UPDATE calendar_sync_states SET lease_owner = 'other', lease_until = now() + interval"
      " '1 minute' WHERE calendar_id = $1",
      pg::Params(calendar));
  EXPECT_EQ(sync_now().at("ran"), false);
  EXPECT_FALSE(mirrored(id));
  // It died in a full sync, at a page Google no longer knows; its lease lapsed.
  test::db_query(
      "UPDATE calendar_sync_states SET lease_until = now() - interval '1 second',"
      " stage = 'full_sync', sync_token = NULL, full_sync_page_token = 'stale',"
      " stage_started_at = now() - interval '1 hour' WHERE calendar_id = $1",
      pg::Params(calendar));
  const auto run = sync_now();
  EXPECT_EQ(run.at("ran"), true);
  EXPECT_EQ(run.at("full"), true);
  EXPECT_TRUE(mirrored(id));
  EXPECT_TRUE(stored_token());
  auto state = json_of(send("GET", "/api/v2/calendar/sync")).at("calendars").at(0);
  EXPECT_EQ(state.at("stage"), "idle");
  EXPECT_EQ(state.at("status"), "active");
}

TEST_F(CalendarPushTest, NotificationsAreCheckedLoggedOnceAndWakeASync) {
  const auto channels = fake().channels();
  ASSERT_EQ(channels.size(), 1u);
  const auto& channel = channels.front();
  EXPECT_EQ(channel.address, "https://crm.example.test/webhooks/google/calendar");
  EXPECT_EQ(notify(channel.id, "wrong", 1).result_int(), 403);
  EXPECT_EQ(notify("unknown-channel", channel.token, 1).result_int(), 200);
  EXPECT_EQ(notify(channel.id, channel.token, 1, "sync").result_int(), 200);

  const auto id =
      fake().put_in_google(calendar, simple_event("Pushed", Clock::now() + std::chrono::hours(5)));
  EXPECT_EQ(notify(channel.id, channel.token, 2).result_int(), 200);
  EXPECT_TRUE(test::eventually([&] { return mirrored(id).has_value(); }));
  EXPECT_EQ(notify(channel.id, channel.token, 2).result_int(), 200);  // again: once
  const auto logged = test::db_query(
      "SELECT count(*) FROM calendar_notifications WHERE channel_id = $1", pg::Params(channel.id));
  EXPECT_EQ(logged[0].get<std::int64_t>(0), 2);  // the sync message and number 2
}

TEST_F(CalendarPushTest, ARenewalMakesTheNewChannelFirstThenStopsTheOld) {
  const auto old = fake().channels().front();
  // Within the last quarter of its life.
  test::db_query(
      "UPDATE calendar_sync_states SET expiration = now() + interval '1 hour' WHERE calendar_id = "
      "$1",
      pg::Params(calendar));
  const auto renewed = run(server.app().calendar_sync()->renew_channels());
  EXPECT_EQ(renewed, 1u);
  const auto channels = fake().channels();
  ASSERT_EQ(channels.size(), 2u);
  const auto& fresh = channels.back();
  EXPECT_NE(fresh.id, old.id);
  const auto stops = fake().stops();
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].first, old.id);
  EXPECT_EQ(notify(fresh.id, fresh.token, 1).result_int(), 200);
  // The old channel is no longer followed: answered, nothing done.
  EXPECT_EQ(notify(old.id, "any", 9).result_int(), 200);

  // While both live (between the watch and the stop), both are accepted.
  test::db_query(
      "UPDATE calendar_sync_states SET previous_channel_id = $2, previous_channel_token = $3,"
      " previous_expiration = now() + interval '1 hour' WHERE calendar_id = $1",
      pg::Params(calendar, old.id, old.token));
  EXPECT_EQ(notify(old.id, "wrong", 3).result_int(), 403);
  EXPECT_EQ(notify(old.id, old.token, 3).result_int(), 200);
  const auto logged = test::db_query(
      "SELECT count(*) FROM calendar_notifications WHERE channel_id = $1 AND message_number = 3",
      pg::Params(old.id));
  EXPECT_EQ(logged[0].get<std::int64_t>(0), 1);
}

}  // namespace
}  // namespace crmd::http
