// The Calendar gateway against FakeGoogle's Calendar (tests/fakes/
// google_calendar.hpp): full and incremental events.list over several pages,
// dead sync tokens, Meet inserts, deletes of deleted events, push channels,
// and Google's rate limits. No database.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>

#include "fakes/google.hpp"
#include "storage/google/auth.hpp"
#include "storage/google/calendar.hpp"
#include "support/test_support.hpp"

namespace crmd::google {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;
using test::Answer;
using test::FakeGoogle;

constexpr std::string_view calendar_scope = "https://www.googleapis.com/auth/calendar";

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

std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day, int hour) {
  return std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class GoogleCalendarClientTest : public ::testing::Test {
 protected:
  GoogleCalendarClientTest() {
    http_.emplace(io.io().get_executor(), web::OutboundOptions{});
    auth_.emplace(io.io().get_executor(), *http_,
                  ServiceAccount{"crmd@project.iam.gserviceaccount.com", rsa_pem(),
                                 "https://oauth2.googleapis.com/token", std::nullopt},
                  std::string(calendar_scope), google.token_url(), fast(token_retry_policy()));
    calendar_.emplace(*http_, *auth_, CalendarUrls{google.calendar_url()},
                      fast(google_retry_policy()));
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
  CalendarEventPage list(const std::string& calendar, CalendarListQuery query) {
    return run(calendar_->list_events(calendar, std::move(query)));
  }
  // Every page of one query: the events and the sync token of the last page.
  std::pair<std::vector<CalendarEvent>, std::string> list_all(const std::string& calendar,
                                                              CalendarListQuery query) {
    std::vector<CalendarEvent> events;
    for (;;) {
      CalendarEventPage page = list(calendar, query);
      for (auto& event : page.events) events.push_back(std::move(event));
      if (!page.next_page_token) return {std::move(events), page.next_sync_token.value_or("")};
      EXPECT_FALSE(page.next_sync_token);
      query.page_token = page.next_page_token;
    }
  }
  static CalendarListQuery full_since(std::chrono::system_clock::time_point from) {
    CalendarListQuery query;
    query.time_min = from;
    return query;
  }
  static CalendarListQuery since_token(std::string token) {
    CalendarListQuery query;
    query.sync_token = std::move(token);
    return query;
  }
  test::FakeCalendar& fake() { return google.calendar(); }
  std::vector<std::string> list_requests() {
    std::vector<std::string> out;
    for (auto& request : fake().requests())
      if (request.starts_with("GET ") && contains(request, "/events?")) out.push_back(request);
    return out;
  }

  test::IoThreads io;
  FakeGoogle google;
  std::optional<web::HttpClient> http_;  // these go before io, as the client requires
  std::optional<GoogleAuth> auth_;
  std::optional<GoogleCalendar> calendar_;
};

TEST_F(GoogleCalendarClientTest, AFullListOverThreePagesCarriesTheSyncTokenOnlyOnTheLast) {
  fake().seed_events("primary", 7, utc(2026, 6, 2, 9));
  fake().put_in_google("primary", json::parse(R"({"summary": "Long ago",
      "start": {"dateTime": "2020-01-01T10:00:00Z"}, "end": {"dateTime": "2020-01-01T11:00:00Z"}})")
                                      .as_object());
  fake().set_page_size(3);
  CalendarListQuery query = full_since(utc(2026, 6, 1, 0));
  CalendarEventPage first = list("primary", query);
  EXPECT_EQ(first.events.size(), 3u);
  ASSERT_TRUE(first.next_page_token);
  EXPECT_FALSE(first.next_sync_token);
  query.page_token = first.next_page_token;
  CalendarEventPage second = list("primary", query);
  EXPECT_EQ(second.events.size(), 3u);
  ASSERT_TRUE(second.next_page_token);
  EXPECT_FALSE(second.next_sync_token);
  query.page_token = second.next_page_token;
  CalendarEventPage third = list("primary", query);
  EXPECT_EQ(third.events.size(), 1u);  // the 2020 event is before timeMin
  EXPECT_FALSE(third.next_page_token);
  EXPECT_TRUE(third.next_sync_token);
  for (const auto& page : {first, second, third})
    for (const auto& event : page.events) {
      EXPECT_TRUE(event.summary->starts_with("Seeded event")) << *event.summary;
      EXPECT_EQ(event.organizer_email, "owner@example.com");
    }
  const auto requests = list_requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& request : requests) {
    EXPECT_TRUE(request.starts_with("GET /calendar/v3/calendars/primary/events?")) << request;
    EXPECT_TRUE(contains(request, "showDeleted=true")) << request;
    EXPECT_TRUE(contains(request, "singleEvents=true")) << request;
    EXPECT_TRUE(contains(request, "maxResults=250")) << request;
    EXPECT_TRUE(contains(request, "timeMin=2026-06-01T00%3A00%3A00Z")) << request;
    EXPECT_FALSE(contains(request, "syncToken")) << request;
  }
  EXPECT_FALSE(contains(requests[0], "pageToken"));
  EXPECT_TRUE(contains(requests[2], "pageToken"));
}

TEST_F(GoogleCalendarClientTest, AnIncrementalSecondPageResendsTheSameSyncToken) {
  const auto ids = fake().seed_events("team@example.com", 5, utc(2026, 6, 2, 9));
  const auto [all, token] = list_all("team@example.com", full_since(utc(2026, 6, 1, 0)));
  EXPECT_EQ(all.size(), 5u);
  ASSERT_FALSE(token.empty());
  fake().move_in_google("team@example.com", ids[1], "2026-07-01T10:00:00Z", "2026-07-01T11:00:00Z");
  fake().cancel_in_google("team@example.com", ids[3]);
  fake().put_in_google("team@example.com",
                       json::parse(R"({"summary": "New", "start": {"date": "2026-08-01"},
                                       "end": {"date": "2026-08-02"}})")
                           .as_object());
  fake().set_page_size(2);
  CalendarListQuery query = since_token(token);
  query.time_min = utc(2026, 6, 1, 0);  // ignored beside a sync token
  const auto [changed, next] = list_all("team@example.com", query);
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_FALSE(next.empty());
  EXPECT_NE(next, token);
  const auto cancelled = std::find_if(changed.begin(), changed.end(),
                                      [&](const CalendarEvent& e) { return e.id == ids[3]; });
  ASSERT_NE(cancelled, changed.end());
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_FALSE(cancelled->summary);  // a tombstone is only its id
  EXPECT_FALSE(cancelled->start);
  const auto moved = std::find_if(changed.begin(), changed.end(),
                                  [&](const CalendarEvent& e) { return e.id == ids[1]; });
  ASSERT_NE(moved, changed.end());
  EXPECT_EQ(moved->start->date_time, "2026-07-01T10:00:00Z");
  const std::vector<std::string> sent{"", token, token};
  EXPECT_EQ(fake().sync_tokens_sent(), sent);
  const auto requests = list_requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(contains(requests[1], "/calendars/team%40example.com/events?")) << requests[1];
  EXPECT_FALSE(contains(requests[1], "timeMin"));
  EXPECT_TRUE(contains(requests[2], "pageToken=")) << requests[2];
  // Nothing changed since: an empty last page with a token.
  const auto [none, after] = list_all("team@example.com", since_token(next));
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(after.empty());
}

TEST_F(GoogleCalendarClientTest, ACancelledExceptionOfASeriesKeepsItsSeries) {
  const auto ids = fake().put_recurring_in_google("primary", "Weekly", utc(2026, 12, 1, 10), 3,
                                                  std::chrono::hours(24 * 7));
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_TRUE(ids[0].ends_with("_20261201T100000Z")) << ids[0];
  const auto [all, token] = list_all("primary", full_since(utc(2026, 6, 1, 0)));
  ASSERT_EQ(all.size(), 3u);
  fake().cancel_in_google("primary", ids[1]);
  const auto [changed, next] = list_all("primary", since_token(token));
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].status, "cancelled");
  EXPECT_EQ(changed[0].recurring_event_id, ids[0].substr(0, ids[0].find('_')));
  ASSERT_TRUE(changed[0].original_start);
  EXPECT_EQ(changed[0].original_start->date_time, "2026-12-08T10:00:00Z");
  EXPECT_FALSE(changed[0].summary);
}

TEST_F(GoogleCalendarClientTest, ADeadSyncTokenIsAFullSyncRequired) {
  fake().seed_events("primary", 4, utc(2026, 6, 2, 9));
  const auto [all, token] = list_all("primary", full_since(utc(2026, 6, 1, 0)));
  fake().expire_sync_tokens();
  EXPECT_EQ(failure_of(calendar_->list_events("primary", since_token(token))),
            "calendar_full_sync_required");
  EXPECT_EQ(failure_of(calendar_->list_events("primary", since_token("never-issued"))),
            "calendar_full_sync_required");
  // A purged event leaves nothing behind, not even in a full list.
  fake().purge_in_google("primary", all[0].id);
  const auto [again, fresh] = list_all("primary", full_since(utc(2026, 6, 1, 0)));
  EXPECT_EQ(again.size(), 3u);
  ASSERT_FALSE(fresh.empty());
  // Mid-run: page 1 passes, page 2 of the same query is refused.
  for (int i = 0; i < 4; ++i) fake().cancel_in_google("primary", again[i % 3].id);
  fake().set_page_size(1);
  fake().expire_sync_tokens_after_pages(1);
  CalendarListQuery query = since_token(fresh);
  const CalendarEventPage first = list("primary", query);
  ASSERT_TRUE(first.next_page_token);
  query.page_token = first.next_page_token;
  EXPECT_EQ(failure_of(calendar_->list_events("primary", query)), "calendar_full_sync_required");
}

TEST_F(GoogleCalendarClientTest, AMeetInsertSendsConferenceDataVersionAndTheRequestId) {
  CalendarEventWrite write;
  write.summary = "Discovery call";
  write.start = CalendarTime{std::nullopt, "2026-12-01T10:00:00Z", "UTC"};
  write.end = CalendarTime{std::nullopt, "2026-12-01T10:30:00Z", "UTC"};
  CalendarAttendee attendee;
  attendee.email = "lead@example.com";
  write.attendees = std::vector<CalendarAttendee>{attendee};
  write.meet_request_id = "meet-req-1";
  const CalendarEvent event = run(calendar_->insert_event("team@example.com", write));
  EXPECT_FALSE(event.id.empty());
  ASSERT_TRUE(event.meet_link);
  EXPECT_TRUE(event.meet_link->starts_with("https://meet.google.com/")) << *event.meet_link;
  EXPECT_EQ(event.conference_status, "success");
  EXPECT_EQ(event.organizer_email, "team@example.com");
  EXPECT_TRUE(event.html_link);
  ASSERT_EQ(event.attendees.size(), 1u);
  EXPECT_EQ(event.attendees[0].email, "lead@example.com");
  const auto writes = fake().writes();
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].method, "POST");
  EXPECT_EQ(writes[0].calendar, "team@example.com");
  EXPECT_EQ(writes[0].conference_data_version, 1);
  EXPECT_EQ(writes[0].request_id, "meet-req-1");
  EXPECT_EQ(writes[0].body.at("summary").as_string(), "Discovery call");

  // A patch keeps conferenceDataVersion=1 and sends only what it changes.
  CalendarEventWrite rename;
  rename.summary = "Discovery call (moved)";
  const CalendarEvent patched = run(calendar_->patch_event("team@example.com", event.id, rename));
  EXPECT_EQ(patched.summary, "Discovery call (moved)");
  EXPECT_EQ(patched.meet_link, event.meet_link);
  const auto after = fake().writes();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1].method, "PATCH");
  EXPECT_EQ(after[1].event_id, event.id);
  EXPECT_EQ(after[1].conference_data_version, 1);
  EXPECT_EQ(after[1].body.size(), 1u);
}

TEST_F(GoogleCalendarClientTest, DeletingADeletedOrUnknownEventSucceeds) {
  const auto ids = fake().seed_events("primary", 1, utc(2026, 6, 2, 9));
  run(calendar_->delete_event("primary", ids[0]));
  EXPECT_EQ(fake().event("primary", ids[0])->at("status").as_string(), "cancelled");
  run(calendar_->delete_event("primary", ids[0]));       // 410 deleted
  run(calendar_->delete_event("primary", "never-was"));  // 404
  const auto requests = fake().requests();
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const std::string& r) { return r.starts_with("DELETE "); }),
            3);
  EXPECT_EQ(failure_of(calendar_->patch_event("primary", "never-was", {})), "google_not_found");
}

TEST_F(GoogleCalendarClientTest, WatchAndStopAChannel) {
  const auto before = std::chrono::system_clock::now();
  const Channel channel = run(calendar_->watch_events(
      "team@example.com", "chan-1", "https://crm.example/hooks/calendar", "secret", 3600s));
  EXPECT_EQ(channel.id, "chan-1");
  EXPECT_FALSE(channel.resource_id.empty());
  EXPECT_GE(channel.expiration, before + 3599s);
  EXPECT_LE(channel.expiration, std::chrono::system_clock::now() + 3601s);
  const auto hook = fake().channel("chan-1");
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->token, "secret");
  EXPECT_EQ(hook->address, "https://crm.example/hooks/calendar");
  EXPECT_EQ(hook->calendar, "team@example.com");
  EXPECT_TRUE(fake().requests().back().starts_with(
      "POST /calendar/v3/calendars/team%40example.com/events/watch"));
  run(calendar_->stop_channel(channel.id, channel.resource_id));
  run(calendar_->stop_channel(channel.id, channel.resource_id));  // 404 now
  const std::vector<std::pair<std::string, std::string>> stops{{channel.id, channel.resource_id},
                                                               {channel.id, channel.resource_id}};
  EXPECT_EQ(fake().stops(), stops);
  EXPECT_TRUE(fake().channels().at(0).stopped);
  EXPECT_EQ(failure_of(calendar_->watch_events("primary", "c", "http://plain.example", "", 60s)),
            "google_error");
}

TEST_F(GoogleCalendarClientTest, A429ThenASuccessIsRetried) {
  fake().seed_events("primary", 2, utc(2026, 6, 2, 9));
  fake().fail_next_calendar(
      Answer{429,
             {{"Content-Type", "application/json"}},
             FakeGoogle::error_body(429, "rateLimitExceeded", "Rate Limit Exceeded")});
  fake().fail_next_calendar(
      Answer{403,
             {{"Content-Type", "application/json"}},
             FakeGoogle::error_body(403, "userRateLimitExceeded", "User Rate Limit Exceeded")});
  const CalendarEventPage page = list("primary", full_since(utc(2026, 6, 1, 0)));
  EXPECT_EQ(page.events.size(), 2u);
  EXPECT_EQ(list_requests().size(), 3u);
}

TEST_F(GoogleCalendarClientTest, RateLimitsThatLastAreRateLimited) {
  web::RetryPolicy policy = fast(google_retry_policy());
  policy.max_attempts = 3;
  calendar_.emplace(*http_, *auth_, CalendarUrls{google.calendar_url()}, policy);
  for (int i = 0; i < 3; ++i)
    fake().fail_next_calendar(Answer{429, {}, FakeGoogle::error_body(429, "rateLimitExceeded")});
  EXPECT_EQ(failure_of(calendar_->list_events("primary", full_since(utc(2026, 6, 1, 0)))),
            "google_rate_limited");
  EXPECT_EQ(fake().requests().size(), 3u);
  for (int i = 0; i < 3; ++i)
    fake().fail_next_calendar(Answer{403, {}, FakeGoogle::error_body(403, "rateLimitExceeded")});
  EXPECT_EQ(failure_of(calendar_->insert_event("primary", {})), "google_rate_limited");
  EXPECT_EQ(fake().requests().size(), 6u);
  // Any other 403 is final at once.
  fake().fail_next_calendar(Answer{403, {}, FakeGoogle::error_body(403, "forbidden")});
  EXPECT_EQ(failure_of(calendar_->list_events("primary", full_since(utc(2026, 6, 1, 0)))),
            "google_error");
  EXPECT_EQ(fake().requests().size(), 7u);
  fake().fail_next_calendar(Answer{404, {}, FakeGoogle::error_body(404, "notFound")});
  EXPECT_EQ(failure_of(calendar_->list_events("nobody@example.com", {})), "google_not_found");
}

TEST_F(GoogleCalendarClientTest, TheFakeRefusesWhatGoogleRefuses) {
  // The gateway never sends these; the fake must refuse them as Google does,
  // or tests against it would prove nothing.
  fake().seed_events("primary", 3, utc(2026, 6, 2, 9));
  const auto [all, token] = list_all("primary", full_since(utc(2026, 6, 1, 0)));
  auto get = [&](const std::string& query) {
    web::HttpRequest request;
    request.url = google.calendar_url() + "/calendars/primary/events?" + query;
    auto send = [&]() -> asio::awaitable<web::HttpResponse> {
      const std::string access = co_await auth_->access_token();
      request.headers.emplace_back("Authorization", "Bearer " + access);
      co_return co_await http_->send(request);
    };
    return run(send()).status;
  };
  EXPECT_EQ(get("showDeleted=true&syncToken=" + token + "&timeMin=2026-06-01T00%3A00%3A00Z"), 400u);
  EXPECT_EQ(get("showDeleted=true&syncToken=" + token + "&orderBy=startTime"), 400u);
  EXPECT_EQ(get("syncToken=" + token), 400u);  // showDeleted must be true
  EXPECT_EQ(get("showDeleted=true&syncToken=" + token), 200u);
  fake().set_page_size(1);
  CalendarListQuery query = since_token(token);
  fake().cancel_in_google("primary", all[0].id);
  fake().cancel_in_google("primary", all[1].id);
  const CalendarEventPage first = list("primary", query);
  ASSERT_TRUE(first.next_page_token);
  EXPECT_EQ(get("showDeleted=true&pageToken=" + *first.next_page_token), 400u);
  EXPECT_EQ(get("showDeleted=true&pageToken=garbage&syncToken=" + token), 400u);
  EXPECT_EQ(get("showDeleted=true&pageToken=" + *first.next_page_token + "&syncToken=" + token),
            200u);
}

}  // namespace
}  // namespace crmd::google
