// The scheduler and the lead workers on a seeded database: each run is
// enqueued once however many processes try, and each worker does its job
// (priority, engagement, SLA breaches, listed at /leads/sla-breaches).
#include "actors/leads_workers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <set>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

config::Config worker_config() {
  auto config = test::api_config();
  config.job_workers = 1;
  config.job_poll = std::chrono::milliseconds(100);
  return config;
}

std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

class LeadWorkersTest : public test::ApiTest {
 protected:
  LeadWorkersTest() : ApiTest(worker_config()) {}

  // A slot no real schedule uses (real slots are whole seconds).
  static Timestamp unique_slot() {
    static std::atomic<int> n{0};
    return std::chrono::time_point_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now()) +
           std::chrono::microseconds(1 + 7 * (n++ % 100000));
  }

  std::optional<std::int64_t> enqueue(server::App& app, const std::string& name, Timestamp slot) {
    return boost::asio::co_spawn(app.io(), app.scheduler().enqueue(name, slot),
                                 boost::asio::use_future)
        .get();
  }

  // Runs the worker once and waits (long-polling its job) until it ended;
  // answers the rows it touched.
  std::int64_t run(const std::string& name) {
    const auto run_id = enqueue(server.app(), name, unique_slot());
    EXPECT_TRUE(run_id.has_value());
    const auto job =
        test::db_query("SELECT job_id::text FROM scheduled_runs WHERE id = $1", pg::Params(*run_id))
            .one()
            .get<std::string>(0);
    std::int64_t version = 0;
    std::string status;
    // Short waits: a NOTIFY sent while this server's LISTEN connection is
    // still being opened is not replayed, and the next poll sees the change.
    for (int polls = 0; polls < 60 && status != "completed" && status != "failed"; ++polls) {
      auto response =
          send("GET", "/api/v2/jobs/" + job + "?wait=1&version=" + std::to_string(version));
      EXPECT_EQ(response.result_int(), 200) << response.body();
      const auto body = json_of(response);
      version = body.at("version").as_int64();
      status = text(body.at("status"));
    }
    EXPECT_EQ(status, "completed");
    const auto result = test::db_query(
        "SELECT started_at IS NOT NULL, finished_at IS NOT NULL, rows_touched,"
        " error FROM scheduled_runs WHERE id = $1",
        pg::Params(*run_id));
    const auto row = result.one();
    EXPECT_TRUE(row.get<bool>(0));
    EXPECT_TRUE(row.get<bool>(1));
    EXPECT_FALSE(row.get<std::optional<std::string>>(3).has_value());
    return row.get<std::optional<std::int64_t>>(2).value_or(-1);
  }

  std::string seed_lead(const std::string& status, const std::string& interaction_ago) {
    const auto id = create_at(
        "/api/v2/leads",
        {{"title", test::unique_name("Seed")}, {"status", status}, {"origin", "WEBSITE"}});
    test::db_query(
        "UPDATE leads SET last_interaction_at = now() - $2::interval,"
        " created_at = now() - interval '60 days' WHERE id = $1",
        pg::Params(id, interaction_ago));
    return id;
  }

  static std::int64_t int_of(const std::string& sql, const std::string& id) {
    return test::db_query(sql, pg::Params(id)).one().get<std::int32_t>(0);
  }
};

TEST_F(LeadWorkersTest, EachSlotIsEnqueuedOnceAcrossProcesses) {
  test::RunningServer other(worker_config());
  const auto slot = unique_slot();
  auto a = std::async(std::launch::async,
                      [&] { return enqueue(server.app(), actors::kLeadSlaJob, slot); });
  auto b = std::async(std::launch::async,
                      [&] { return enqueue(other.app(), actors::kLeadSlaJob, slot); });
  const auto first = a.get(), second = b.get();
  EXPECT_NE(first.has_value(), second.has_value());
  EXPECT_EQ(test::db_query("SELECT count(*) FROM scheduled_runs WHERE name = $1 AND slot = $2",
                           pg::Params(std::string(actors::kLeadSlaJob), slot))
                .one()
                .get<std::int64_t>(0),
            1);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM jobs j JOIN scheduled_runs r ON r.job_id = j.id"
                           " WHERE r.name = $1 AND r.slot = $2",
                           pg::Params(std::string(actors::kLeadSlaJob), slot))
                .one()
                .get<std::int64_t>(0),
            1);
}

TEST_F(LeadWorkersTest, TheSchedulerEnqueuesADueRunOnItsOwn) {
  auto config = worker_config();
  config.scheduler_enabled = true;
  config.scheduler_tick = std::chrono::milliseconds(50);
  config.lead_sla_interval = std::chrono::seconds(60);
  // Slots of a 60 s schedule are whole minutes; forget those a repeated run
  // of this test left, so that the current one is due again.
  constexpr const char* kScheduled =
      "FROM scheduled_runs WHERE name = 'lead_sla' AND extract(epoch FROM slot)::numeric % 60 = 0";
  test::db_query(std::string("DELETE ") + kScheduled);
  test::RunningServer scheduled(config);
  // Its run of the current minute's slot ends.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::int64_t finished = 0;
  while (finished == 0 && std::chrono::steady_clock::now() < deadline)
    finished = test::db_query(std::string("SELECT count(*) ") + kScheduled +
                              " AND finished_at IS NOT NULL AND error IS NULL")
                   .one()
                   .get<std::int64_t>(0);
  EXPECT_GE(finished, 1);
}

TEST_F(LeadWorkersTest, PriorityWorkerRecomputesStaleScores) {
  const auto fresh = seed_lead("NEW", "1 hour");
  const auto stale = seed_lead("NEW", "90 days");
  // Scores written when both were fresh: the worker brings them up to date.
  for (const auto& id : {fresh, stale})
    test::db_query(
        "WITH derived AS (SELECT set_config('crmd.derived_write', 'on', true))"
        " UPDATE leads SET priority_score = 77 FROM derived WHERE id = $1",
        pg::Params(id));
  EXPECT_GE(run(actors::kLeadPriorityJob), 2);
  const auto score = [](const std::string& id) {
    return int_of("SELECT priority_score FROM leads WHERE id = $1", id);
  };
  EXPECT_EQ(score(fresh), 20 + 15 + 20);  // NEW, WEBSITE, interaction within 2 days
  EXPECT_EQ(score(stale), 20 + 15 + 0);
  // A recomputed score is not an interaction.
  EXPECT_EQ(test::db_query("SELECT last_interaction_at < now() - interval '89 days' FROM leads"
                           " WHERE id = $1",
                           pg::Params(stale))
                .one()
                .get<bool>(0),
            true);
}

TEST_F(LeadWorkersTest, EngagementWorkerRecountsActivityIntoStats) {
  const auto lead = seed_lead("CONTACTED", "40 days");
  test::db_query(
      "INSERT INTO lead_activities (lead_id, kind, occurred_at) VALUES"
      " ($1, 'email', now() - interval '10 days'), ($1, 'email', now() - interval '2 days'),"
      " ($1, 'event', now() - interval '5 days'), ($1, 'call', now() - interval '1 day')",
      pg::Params(lead));
  EXPECT_GE(run(actors::kLeadEngagementJob), 1);
  auto stats = json_of(send("GET", "/api/v2/leads/" + lead + "/activity"));
  EXPECT_EQ(stats.at("total_emails"), 2);
  EXPECT_EQ(stats.at("total_events"), 1);
  EXPECT_EQ(stats.at("total_interactions"), 4);
  EXPECT_EQ(stats.at("engagement_score"), 8 + 10 + 2 + 20);
  EXPECT_TRUE(stats.at("last_email_at").is_string());
  // The latest activity (a day ago) is now the lead's last interaction.
  EXPECT_EQ(test::db_query("SELECT last_interaction_at > now() - interval '2 days' FROM leads"
                           " WHERE id = $1",
                           pg::Params(lead))
                .one()
                .get<bool>(0),
            true);
  // Nothing changed since: a second run touches none of this lead's stats.
  const auto updated = test::db_query(
                           "SELECT updated_at::text FROM lead_activity_stats"
                           " WHERE lead_id = $1",
                           pg::Params(lead))
                           .one()
                           .get<std::string>(0);
  run(actors::kLeadEngagementJob);
  EXPECT_EQ(test::db_query("SELECT updated_at::text FROM lead_activity_stats WHERE lead_id = $1",
                           pg::Params(lead))
                .one()
                .get<std::string>(0),
            updated);
}

TEST_F(LeadWorkersTest, SlaWorkerFlagsLeadsPastTheirStatusSlaAndListsThem) {
  const auto late = seed_lead("NEW", "5 days");           // NEW: 2 days
  const auto on_time = seed_lead("NURTURING", "5 days");  // NURTURING: 30 days
  const auto lost = seed_lead("LOST", "300 days");        // LOST: no SLA
  run(actors::kLeadSlaJob);
  const auto listed = [&] {
    std::set<std::string> ids;
    // Every page, following the next links (the list is cursor-paged).
    std::string target = "/api/v2/leads/sla-breaches?limit=100";
    for (int page = 0; page < 1000 && !target.empty(); ++page) {
      auto response = send("GET", target);
      EXPECT_EQ(response.result_int(), 200) << response.body();
      const auto body = json_of(response);
      for (const auto& row : body.at("results").as_array()) {
        ids.insert(text(row.at("id")));
        if (text(row.at("id")) == late) {
          EXPECT_EQ(row.at("sla_days"), 2);
          EXPECT_GE(row.at("days_without_interaction").as_double(), 4.9);
        }
      }
      target = body.at("next").is_string() ? path_of(body.at("next")) : "";
    }
    return ids;
  };
  auto ids = listed();
  EXPECT_TRUE(ids.contains(late));
  EXPECT_FALSE(ids.contains(on_time));
  EXPECT_FALSE(ids.contains(lost));

  // An interaction ends the breach at once.
  ASSERT_EQ(send("PATCH", "/api/v2/leads/" + late, R"({"address_city":"Nice"})").result_int(), 200);
  EXPECT_FALSE(listed().contains(late));
  run(actors::kLeadSlaJob);
  EXPECT_FALSE(listed().contains(late));
}

}  // namespace
}  // namespace crmd::http
