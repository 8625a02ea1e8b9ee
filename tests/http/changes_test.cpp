// The change feed from outside: a follower ends with the state the lists
// show, a parked read wakes on a commit, and each caller sees only what it
// may read.
#include <future>
#include <map>
#include <set>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;
using test::User;

class ChangesTest : public test::ApiTest {
 protected:
  // A cursor after everything committed so far.
  std::string cursor_now() { return read("/api/v2/changes").at("next_cursor").as_string().c_str(); }

  boost::json::value read(const std::string& target) {
    auto response = send("GET", target);
    EXPECT_EQ(response.result_int(), 200) << response.body();
    return json_of(response);
  }
};

TEST_F(ChangesTest, AFollowerEndsWithTheStateTheListsShow) {
  // Their e-mail domain marks this run's contacts.
  std::string marker = test::unique_name("feed");
  std::replace(marker.begin(), marker.end(), '_', '-');
  marker += ".test";
  auto cursor = cursor_now();
  const auto writer = [&](int n) {
    test::RawClient raw(server.port());
    const std::string headers =
        "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n";
    for (int i = 0; i < 6; ++i) {
      const auto body = boost::json::serialize(boost::json::object{
          {"first_name", "W" + std::to_string(n) + "-" + std::to_string(i)},
          {"email", "w" + std::to_string(n) + "-" + std::to_string(i) + "@" + marker}});
      auto created = raw.request("POST", "/api/v2/contacts", body, headers);
      EXPECT_EQ(created.result_int(), 201) << created.body();
      const std::string id(json_of(created).at("id").as_string());
      if (i % 2 == 0)
        EXPECT_EQ(raw.request("PATCH", "/api/v2/contacts/" + id, R"({"title":"CTO"})", headers)
                      .result_int(),
                  200);
      if (i % 3 == 0)
        EXPECT_EQ(raw.request("DELETE", "/api/v2/contacts/" + id, "", headers).result_int(), 204);
    }
  };
  std::vector<std::future<void>> writers;
  for (int n = 0; n < 10; ++n) writers.push_back(std::async(std::launch::async, writer, n));

  // Follows while they write: contact id → its last state (null: deleted).
  std::map<std::string, boost::json::value> state;
  std::set<std::string> seen_ids;
  const auto follow = [&] {
    auto page = read("/api/v2/changes?types=contact&limit=50&wait=1&cursor=" + cursor);
    for (const auto& event : page.at("results").as_array()) {
      EXPECT_TRUE(seen_ids.insert(std::string(event.at("id").as_string())).second)
          << "an event came twice: " << event;
      const std::string type(event.at("type").as_string());
      const std::string id(event.at("entity_id").as_string());
      if (type == "contact.deleted")
        state[id] = nullptr;
      else if (const auto* email = event.at("data").at("email").if_string();
               email && std::string_view(*email).ends_with(marker))
        state[id] = event.at("data");
    }
    cursor = page.at("next_cursor").as_string().c_str();
    return page.at("results").as_array().size();
  };
  bool writing = true;
  while (writing) {
    follow();
    writing = false;
    for (auto& w : writers)
      if (w.wait_for(std::chrono::seconds(0)) != std::future_status::ready) writing = true;
  }
  for (auto& w : writers) w.get();
  while (follow() > 0) {
  }

  std::set<std::string> live_in_feed, live_in_list;
  for (const auto& [id, last] : state)
    if (!last.is_null()) live_in_feed.insert(id);
  std::string next = "/api/v2/contacts?limit=100&email_domain=" + marker;
  while (!next.empty()) {
    auto page = read(next);
    for (const auto& contact : page.at("results").as_array()) {
      live_in_list.insert(std::string(contact.at("id").as_string()));
      EXPECT_EQ(contact.at("title"), state[std::string(contact.at("id").as_string())].at("title"));
    }
    next = page.at("next").is_null() ? "" : path_of(page.at("next"));
  }
  EXPECT_EQ(live_in_feed.size(), 40u);  // 60 created, 20 deleted
  EXPECT_EQ(live_in_feed, live_in_list);
}

TEST_F(ChangesTest, AParkedReadWakesOnTheNextCommit) {
  const auto cursor = cursor_now();
  auto parked = std::async(std::launch::async, [&] {
    test::RawClient raw(server.port());
    return raw.request("GET", "/api/v2/changes?types=company&wait=30&cursor=" + cursor, "",
                       "Authorization: Bearer " + token + "\r\n");
  });
  ASSERT_TRUE(test::eventually([&] { return server.app().event_watchers().parked() > 0; }));
  const auto company = create_at("/api/v2/companies", {{"name", test::unique_name("Woken")}});
  const auto answer = parked.get();
  ASSERT_EQ(answer.result_int(), 200) << answer.body();
  const auto results = json_of(answer).at("results").as_array();
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results[0].at("type"), "company.created");
  EXPECT_EQ(results[0].at("entity_id"), company.c_str());
  EXPECT_EQ(results[0].at("actor").at("type"), "user");
  EXPECT_FALSE(results[0].at("changed").as_array().empty());
}

TEST_F(ChangesTest, EachCallerSeesWhatItMayRead) {
  const auto cursor = cursor_now();
  const auto alice = make_user("sales"), bob = make_user("sales");
  const auto lead_of = [&](const User& user) {
    auto created = send_as(user, "POST", "/api/v2/leads",
                           R"({"title":")" + test::unique_name("Feed lead") + R"("})");
    EXPECT_EQ(created.result_int(), 201) << created.body();
    return std::string(json_of(created).at("id").as_string());
  };
  const auto alices = lead_of(alice), bobs = lead_of(bob);
  const auto entities_seen_by = [&](const User& user) {
    std::set<std::string> seen;
    auto page = json_of(send_as(user, "GET", "/api/v2/changes?limit=500&cursor=" + cursor));
    for (const auto& event : page.at("results").as_array())
      if (event.at("entity_id").is_string())
        seen.insert(std::string(event.at("entity_type").as_string()) + ":" +
                    std::string(event.at("entity_id").as_string()));
    return seen;
  };
  std::set<std::string> by_alice;
  ASSERT_TRUE(test::eventually([&] {
    by_alice = entities_seen_by(alice);
    return by_alice.count("lead:" + alices) > 0;
  }));
  EXPECT_EQ(by_alice.count("lead:" + bobs), 0u);
  EXPECT_EQ(by_alice.count("user:" + bob.id), 0u);  // users: admins only
  std::set<std::string> by_admin;
  ASSERT_TRUE(test::eventually([&] {
    by_admin = {};
    auto page = read("/api/v2/changes?limit=500&types=user,lead&cursor=" + cursor);
    for (const auto& event : page.at("results").as_array())
      by_admin.insert(std::string(event.at("entity_type").as_string()) + ":" +
                      std::string(event.at("entity_id").as_string()));
    return by_admin.count("lead:" + bobs) > 0;
  }));
  EXPECT_EQ(by_admin.count("user:" + bob.id), 1u);
}

TEST_F(ChangesTest, BadParametersAndExpiredCursors) {
  EXPECT_EQ(send("GET", "/api/v2/changes?types=contact.exploded").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/changes?limit=501").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/changes?wait=61").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/changes?from=yesterday").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/changes?cursor=bm9wZQ").result_int(), 400);
  EXPECT_EQ(send("GET", "/api/v2/changes?since=1").result_int(), 422);
  EXPECT_EQ(send("GET", "/api/v2/changes?from=beginning&limit=1").result_int(), 200);

  // Retention pruned past the cursor (the mark put back afterwards: the
  // database outlives the test).
  const auto cursor = cursor_now();
  const auto kept = test::db_query("SELECT pruned_txid::text, pruned_id FROM event_log_state");
  const auto mark = kept.one().get<std::string>(0);
  const auto mark_id = kept.one().get<std::int64_t>(1);
  test::db_query(
      "UPDATE event_log_state SET pruned_txid = pg_snapshot_xmin(pg_current_snapshot()),"
      " pruned_id = 9223372036854775807");
  auto expired = send("GET", "/api/v2/changes?cursor=" + cursor);
  auto restarted = send("GET", "/api/v2/changes?from=beginning");
  test::db_query("UPDATE event_log_state SET pruned_txid = $1::xid8, pruned_id = $2",
                 pg::Params(mark, mark_id));
  EXPECT_EQ(expired.result_int(), 410) << expired.body();
  EXPECT_EQ(json_of(expired).at("error_code"), "cursor_expired");
  EXPECT_EQ(restarted.result_int(), 200);  // from what is kept
}

}  // namespace
}  // namespace crmd::http
