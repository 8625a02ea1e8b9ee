// The calendar on its local backend (no Google): events made, listed by
// range, changed and cancelled; links set and found from attendees; lead
// activities once per event; who sees what.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <random>
#include <set>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;
using test::User;

std::string iso(std::chrono::system_clock::time_point t) {
  return format_rfc3339(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

class CalendarTest : public test::ApiTest {
 protected:
  test::HttpResponse create_event(const boost::json::object& body,
                                  const std::optional<User>& as = std::nullopt) {
    const auto text = boost::json::serialize(body);
    return as ? send_as(*as, "POST", "/api/v2/calendar/events", text)
              : send("POST", "/api/v2/calendar/events", text);
  }
  std::string event_id(const boost::json::object& body, const std::optional<User>& as = {}) {
    auto response = create_event(body, as);
    EXPECT_EQ(response.result_int(), 201) << response.body();
    if (response.result_int() != 201) return "";
    return std::string(json_of(response).at("id").as_string());
  }
  boost::json::object activity_of(const std::string& lead) {
    auto response = send("GET", "/api/v2/leads/" + lead + "/activity");
    EXPECT_EQ(response.result_int(), 200) << response.body();
    return json_of(response);
  }
  std::vector<std::string> summaries(const std::string& query) {
    auto response = send("GET", "/api/v2/calendar/events?" + query);
    EXPECT_EQ(response.result_int(), 200) << response.body();
    std::vector<std::string> out;
    const auto page = json_of(response);
    for (const auto& e : page.at("results").as_array())
      out.emplace_back(e.at("summary").as_string());
    return out;
  }
};

TEST_F(CalendarTest, MakeReadChangeAndCancelAnEvent) {
  const auto tag = test::unique_name("Demo");
  auto made = create_event({{"summary", tag},
                            {"start", "2026-12-03T10:00:00+01:00"},
                            {"end", "2026-12-03T11:00:00+01:00"},
                            {"time_zone", "Europe/Paris"}});
  ASSERT_EQ(made.result_int(), 201) << made.body();
  const auto event = json_of(made);
  const std::string id(event.at("id").as_string());
  EXPECT_EQ(event.at("source"), "local");
  EXPECT_EQ(event.at("start"), "2026-12-03T09:00:00Z");
  EXPECT_EQ(event.at("calendar_id"), "primary");
  EXPECT_EQ(std::string(made[boost::beast::http::field::location]),
            "/api/v2/calendar/events/" + id);

  auto read = send("GET", "/api/v2/calendar/events/" + id);
  ASSERT_EQ(read.result_int(), 200) << read.body();
  const std::string etag(read[boost::beast::http::field::etag]);

  auto changed =
      client.request("PATCH", "/api/v2/calendar/events/" + id,
                     R"({"summary": ")" + tag + R"( moved", "end": "2026-12-03T12:00:00Z"})",
                     "Authorization: Bearer " + token +
                         "\r\nContent-Type: application/json\r\nIf-Match: " + etag + "\r\n");
  ASSERT_EQ(changed.result_int(), 200) << changed.body();
  EXPECT_EQ(json_of(changed).at("end"), "2026-12-03T12:00:00Z");
  // The old version is gone.
  auto stale =
      client.request("PATCH", "/api/v2/calendar/events/" + id, R"({"summary": "x"})",
                     "Authorization: Bearer " + token +
                         "\r\nContent-Type: application/json\r\nIf-Match: " + etag + "\r\n");
  EXPECT_EQ(stale.result_int(), 412) << stale.body();

  auto cancelled = send("DELETE", "/api/v2/calendar/events/" + id);
  ASSERT_EQ(cancelled.result_int(), 200) << cancelled.body();
  EXPECT_EQ(json_of(cancelled).at("status"), "cancelled");
  EXPECT_FALSE(json_of(cancelled).at("cancelled_at").is_null());
  // Kept, and no longer changed.
  EXPECT_EQ(send("GET", "/api/v2/calendar/events/" + id).result_int(), 200);
  EXPECT_EQ(send("PATCH", "/api/v2/calendar/events/" + id, R"({"summary": "y"})").result_int(),
            409);
  const auto events = test::db_query(
      "SELECT count(*) FROM audit_logs WHERE entity_type = 'calendar' AND entity_id = $1",
      pg::Params(id));
  EXPECT_EQ(events[0].get<std::int64_t>(0), 3);  // created, updated, cancelled
}

TEST_F(CalendarTest, AMeetLinkNeedsGoogle) {
  auto response = create_event(
      {{"start", "2026-12-03T10:00:00Z"}, {"end", "2026-12-03T11:00:00Z"}, {"meet", true}});
  EXPECT_EQ(response.result_int(), 422) << response.body();
  EXPECT_NE(response.body().find("meet"), std::string::npos);
}

TEST_F(CalendarTest, ListsEventsOverlappingTheRangeByStart) {
  const auto tag = test::unique_name("Range");
  // A week of its own (the database is shared by every run): day d of it
  // at h o'clock is at(d, h).
  const auto week = std::chrono::sys_days{std::chrono::year{2040} / 1 / 1} +
                    std::chrono::weeks(std::random_device{}() % 9000);
  const auto at = [&](int day, int hour) {
    return iso(week + std::chrono::days(day) + std::chrono::hours(hour));
  };
  const auto date = [&](int day) { return at(day, 0).substr(0, 10); };
  // One long event across the window's start, one inside, one all-day, one
  // after, one ending exactly where the window starts, one cancelled.
  event_id({{"summary", tag + " across"}, {"start", at(-1, 22)}, {"end", at(0, 2)}});
  event_id({{"summary", tag + " inside"}, {"start", at(1, 10)}, {"end", at(1, 11)}});
  event_id({{"summary", tag + " all day"}, {"start", date(2)}, {"end", date(3)}});
  event_id({{"summary", tag + " after"}, {"start", at(7, 10)}, {"end", at(7, 11)}});
  event_id({{"summary", tag + " before"}, {"start", at(-1, 10)}, {"end", at(0, 0)}});
  const auto gone =
      event_id({{"summary", tag + " gone"}, {"start", at(1, 12)}, {"end", at(1, 13)}});
  ASSERT_EQ(send("DELETE", "/api/v2/calendar/events/" + gone).result_int(), 200);

  const auto range = "start=" + at(0, 0) + "&end=" + date(7);
  EXPECT_EQ(summaries(range + "&limit=2"),
            (std::vector<std::string>{tag + " across", tag + " inside"}));
  EXPECT_EQ(summaries(range),
            (std::vector<std::string>{tag + " across", tag + " inside", tag + " all day"}));
  EXPECT_EQ(summaries(range + "&status=cancelled"), std::vector<std::string>{tag + " gone"});
  EXPECT_EQ(send("GET", "/api/v2/calendar/events?start=soon").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/calendar/events?color=red").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/calendar/events?status=lost").result_int(), 422);

  // The cursor walks on in start order.
  auto first = json_of(send("GET", "/api/v2/calendar/events?" + range + "&limit=1"));
  const auto next = path_of(first.at("next"));
  auto second = json_of(send("GET", next));
  EXPECT_EQ(second.at("results").at(0).at("summary").as_string(), tag + " inside");
}

TEST_F(CalendarTest, RefusesLinksToWhatDoesNotExistAndCalendarsNotFollowed) {
  auto response = create_event({{"start", "2026-12-03T10:00:00Z"},
                                {"end", "2026-12-03T11:00:00Z"},
                                {"lead_ids", boost::json::array{Uuid::random_v4().str()}}});
  EXPECT_EQ(response.result_int(), 422) << response.body();
  EXPECT_NE(response.body().find("lead_ids"), std::string::npos);
  response = create_event({{"start", "2026-12-03T10:00:00Z"},
                           {"end", "2026-12-03T11:00:00Z"},
                           {"calendar_id", "someone-else@example.com"}});
  EXPECT_EQ(response.result_int(), 422) << response.body();
}

TEST_F(CalendarTest, AttendeesThatAreContactsLinkTheEvent) {
  const auto email = test::unique_name("ana") + "@client.test";
  const auto contact = create_at(
      "/api/v2/contacts", {{"first_name", "Ana"}, {"last_name", "Attendee"}, {"email", email}});
  auto made =
      create_event({{"start", "2026-12-03T10:00:00Z"},
                    {"end", "2026-12-03T11:00:00Z"},
                    {"attendees", boost::json::array{boost::json::object{{"email", email}}}}});
  ASSERT_EQ(made.result_int(), 201) << made.body();
  const auto event = json_of(made);
  EXPECT_EQ(event.at("links").at("contact_ids"), (boost::json::array{contact}));
  const std::string id(event.at("id").as_string());
  auto listed = json_of(send("GET", "/api/v2/calendar/events?contact_id=" + contact));
  ASSERT_EQ(listed.at("results").as_array().size(), 1u);
  EXPECT_EQ(listed.at("results").at(0).at("id").as_string(), id);
  listed = json_of(send("GET", "/api/v2/calendar/events?attendee=" + email));
  EXPECT_EQ(listed.at("results").as_array().size(), 1u);

  // A contact made after the event is found by the next write (the cache
  // of e-mails is emptied when contacts change).
  const auto later = test::unique_name("bo") + "@client.test";
  auto changed =
      send("PATCH", "/api/v2/calendar/events/" + id,
           R"({"attendees": [{"email": ")" + email + R"("}, {"email": ")" + later + R"("}]})");
  ASSERT_EQ(changed.result_int(), 200) << changed.body();
  const auto bo = create_at("/api/v2/contacts",
                            {{"first_name", "Bo"}, {"last_name", "Attendee"}, {"email", later}});
  EXPECT_TRUE(test::eventually([&] {
    auto again = send("PATCH", "/api/v2/calendar/events/" + id, R"({"summary": "Again"})");
    return json_of(again).at("links").at("contact_ids").as_array().size() == 2;
  }));
  (void)bo;
}

TEST_F(CalendarTest, AnEventOnALeadCountsOnceMovesWithItAndNotOnceCancelled) {
  const auto lead = create_at("/api/v2/leads", {{"title", test::unique_name("Meeting lead")}});
  // Its last interaction a week ago.
  test::db_query("UPDATE leads SET last_interaction_at = now() - interval '7 days' WHERE id = $1",
                 pg::Params(lead));
  const auto now = std::chrono::system_clock::now();
  const auto start = iso(now - std::chrono::hours(3));
  const auto id = event_id({{"summary", "Kick-off"},
                            {"start", start},
                            {"end", iso(now - std::chrono::hours(2))},
                            {"lead_ids", boost::json::array{lead}}});
  auto stats = activity_of(lead);
  EXPECT_EQ(stats.at("total_events"), 1);
  EXPECT_EQ(stats.at("last_interaction_at").as_string(), start);
  const auto score = stats.at("engagement_score").as_int64();
  EXPECT_GT(score, 0);

  // Rewritten, the same activity; moved, it moves.
  ASSERT_EQ(
      send("PATCH", "/api/v2/calendar/events/" + id, R"({"summary": "Kick-off!"})").result_int(),
      200);
  const auto later = iso(now - std::chrono::hours(1));
  ASSERT_EQ(send("PATCH", "/api/v2/calendar/events/" + id,
                 R"({"start": ")" + later + R"(", "end": ")" + iso(now) + R"("})")
                .result_int(),
            200);
  stats = activity_of(lead);
  EXPECT_EQ(stats.at("total_events"), 1);
  EXPECT_EQ(stats.at("last_interaction_at").as_string(), later);
  const auto rows = test::db_query(
      "SELECT count(*), min(summary) FROM lead_activities WHERE calendar_event_id = $1",
      pg::Params(id));
  EXPECT_EQ(rows[0].get<std::int64_t>(0), 1);
  EXPECT_EQ(rows[0].get<std::string>(1), "Kick-off!");

  ASSERT_EQ(send("DELETE", "/api/v2/calendar/events/" + id).result_int(), 200);
  stats = activity_of(lead);
  EXPECT_EQ(stats.at("total_events"), 0);
}

TEST_F(CalendarTest, SalesSeeTheirOwnAndWhatIsLinkedToWhatTheyReadButNotPrivateOnes) {
  const auto ana = make_user("sales");
  const auto bo = make_user("sales");
  const auto manager = make_user("manager");
  const auto contact =
      create_at("/api/v2/contacts", {{"first_name", "Shared"}, {"last_name", "Contact"}});
  const boost::json::array contacts{contact};
  const auto open = event_id({{"summary", "Open"},
                              {"start", "2026-12-04T10:00:00Z"},
                              {"end", "2026-12-04T11:00:00Z"},
                              {"contact_ids", contacts}},
                             ana);
  const auto secret = event_id({{"summary", "Private"},
                                {"start", "2026-12-04T12:00:00Z"},
                                {"end", "2026-12-04T13:00:00Z"},
                                {"visibility", "private"},
                                {"contact_ids", contacts}},
                               ana);
  const auto unlinked = event_id(
      {{"summary", "Mine"}, {"start", "2026-12-04T14:00:00Z"}, {"end", "2026-12-04T15:00:00Z"}},
      ana);
  EXPECT_EQ(send_as(ana, "GET", "/api/v2/calendar/events/" + secret).result_int(), 200);
  EXPECT_EQ(send_as(bo, "GET", "/api/v2/calendar/events/" + open).result_int(), 200);
  EXPECT_EQ(send_as(bo, "GET", "/api/v2/calendar/events/" + secret).result_int(), 404);
  EXPECT_EQ(send_as(bo, "GET", "/api/v2/calendar/events/" + unlinked).result_int(), 404);
  EXPECT_EQ(send_as(manager, "GET", "/api/v2/calendar/events/" + secret).result_int(), 200);
  // Seen is not changed: only the owner (or a manager) changes an event.
  EXPECT_EQ(
      send_as(bo, "PATCH", "/api/v2/calendar/events/" + open, R"({"summary": "x"})").result_int(),
      403);
  EXPECT_EQ(send_as(bo, "DELETE", "/api/v2/calendar/events/" + secret).result_int(), 404);
  auto listed = json_of(send_as(bo, "GET", "/api/v2/calendar/events?contact_id=" + contact));
  ASSERT_EQ(listed.at("results").as_array().size(), 1u);
  EXPECT_EQ(listed.at("results").at(0).at("id").as_string(), open);

  // A lead of someone else's cannot be linked; one's own can.
  const auto ana_lead = create_at(
      "/api/v2/leads", {{"title", test::unique_name("Ana's")}, {"owner_user_id", ana.id}});
  auto refused = create_event({{"start", "2026-12-04T10:00:00Z"},
                               {"end", "2026-12-04T11:00:00Z"},
                               {"lead_ids", boost::json::array{ana_lead}}},
                              bo);
  EXPECT_EQ(refused.result_int(), 422) << refused.body();
  EXPECT_EQ(create_event({{"start", "2026-12-04T10:00:00Z"},
                          {"end", "2026-12-04T11:00:00Z"},
                          {"lead_ids", boost::json::array{ana_lead}}},
                         ana)
                .result_int(),
            201);
}

// The feed shows an event's changes to whoever may see the event.
TEST_F(CalendarTest, ASalesUsersFeedShowsOnlyTheEventsTheyMaySee) {
  const auto ana = make_user("sales");
  const auto bo = make_user("sales");
  const auto contact =
      create_at("/api/v2/contacts", {{"first_name", "Feed"}, {"last_name", "Contact"}});
  auto cursor =
      std::string(json_of(send_as(bo, "GET", "/api/v2/changes")).at("next_cursor").as_string());
  // Private first: once the open one shows, the feed has gone past it.
  const auto hidden = event_id({{"summary", "Private"},
                                {"start", "2026-12-05T10:00:00Z"},
                                {"end", "2026-12-05T11:00:00Z"},
                                {"visibility", "private"},
                                {"contact_ids", boost::json::array{contact}}},
                               ana);
  const auto shown = event_id({{"summary", "Open"},
                               {"start", "2026-12-05T12:00:00Z"},
                               {"end", "2026-12-05T13:00:00Z"},
                               {"contact_ids", boost::json::array{contact}}},
                              ana);
  std::set<std::string> seen;
  ASSERT_TRUE(test::eventually([&] {
    auto page = json_of(
        send_as(bo, "GET", "/api/v2/changes?types=calendar&limit=100&wait=1&cursor=" + cursor));
    for (const auto& e : page.at("results").as_array()) {
      EXPECT_EQ(e.at("type"), "calendar.event_created");
      seen.emplace(e.at("entity_id").as_string());
    }
    cursor = std::string(page.at("next_cursor").as_string());
    return seen.contains(shown);
  }));
  EXPECT_FALSE(seen.contains(hidden));
}

TEST_F(CalendarTest, CancelledEventsPastTheirRetentionMoveToTheArchiveWithTheirLinks) {
  const auto contact =
      create_at("/api/v2/contacts", {{"first_name", "Old"}, {"last_name", "Meeting"}});
  const auto old = event_id({{"summary", "Long ago"},
                             {"start", "2026-01-05T10:00:00Z"},
                             {"end", "2026-01-05T11:00:00Z"},
                             {"contact_ids", boost::json::array{contact}}});
  const auto recent =
      event_id({{"start", "2026-01-06T10:00:00Z"}, {"end", "2026-01-06T11:00:00Z"}});
  ASSERT_EQ(send("DELETE", "/api/v2/calendar/events/" + old).result_int(), 200);
  ASSERT_EQ(send("DELETE", "/api/v2/calendar/events/" + recent).result_int(), 200);
  test::db_query(
      "UPDATE calendar_events SET cancelled_at = now() - interval '200 days' WHERE id = $1",
      pg::Params(old));
  const auto cutoff = std::chrono::time_point_cast<Timestamp::duration>(
      std::chrono::system_clock::now() - std::chrono::days(180));
  boost::asio::co_spawn(server.app().io(),
                        server.app().calendar().repository().archive_cancelled(cutoff, 1000),
                        boost::asio::use_future)
      .get();
  EXPECT_EQ(send("GET", "/api/v2/calendar/events/" + old).result_int(), 404);
  EXPECT_EQ(send("GET", "/api/v2/calendar/events/" + recent).result_int(), 200);
  const auto archived = test::db_query(
      "SELECT summary, links->0->>1 FROM calendar_events_archive WHERE id = $1", pg::Params(old));
  ASSERT_EQ(archived.rows(), 1);
  EXPECT_EQ(archived[0].get<std::string>(0), "Long ago");
  EXPECT_EQ(archived[0].get<std::string>(1), contact);
}

TEST_F(CalendarTest, TheSyncEndpointsSayGoogleIsNotConnected) {
  auto status = send("GET", "/api/v2/calendar/sync");
  ASSERT_EQ(status.result_int(), 200) << status.body();
  EXPECT_EQ(json_of(status).at("backend"), "local");
  EXPECT_EQ(send("POST", "/api/v2/calendar/sync").result_int(), 409);
  const auto sales = make_user("sales");
  EXPECT_EQ(send_as(sales, "GET", "/api/v2/calendar/sync").result_int(), 403);
}

}  // namespace
}  // namespace crmd::http
