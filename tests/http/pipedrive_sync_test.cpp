// The Pipedrive mirror against an in-process fake Pipedrive: a full then an
// incremental sync, deletions, purges and archives, both deal shapes, the
// rate limits, a run that dies and resumes, and write-back. Pipedrive ids
// are drawn from a range of the test's own (the database is shared), and
// the sync's state is reset first: it is the one account's.
#include <random>

#include "api_fixture.hpp"
#include "fakes/pipedrive.hpp"

namespace crmd::http {
namespace {

using test::FakePipedrive;
using test::json_of;

config::Config sync_config(const FakePipedrive& fake, bool write_back = false) {
  auto config = test::job_config();
  config.pipedrive_api_token = fake.token();
  config.pipedrive_base_url = fake.url();
  config.pipedrive_write_back = write_back;
  return config;
}

// A base for the test's Pipedrive ids, far from every other test's.
std::int64_t id_base() {
  static std::mt19937_64 random(std::random_device{}());
  return 1'000'000 + static_cast<std::int64_t>(random() % 900'000'000) * 1000;
}

class SyncFixture {
 public:
  SyncFixture() {
    test::db_query(
        "UPDATE pipedrive_sync_state SET lease_owner = NULL, lease_until = NULL,"
        " paused_until = NULL, pause_reason = NULL");
    test::db_query("DELETE FROM sync_metadata");
    user = fake.put_user({{"id", base + 1}, {"name", "Pia Pipedrive"}, {"email", "pia@pd.test"}});
    pipeline = fake.put_pipeline({{"id", base + 2}, {"name", "PD " + std::to_string(base)}});
    first = fake.put_stage({{"id", base + 3},
                            {"pipeline_id", pipeline},
                            {"name", "Talk"},
                            {"order_nr", 1},
                            {"deal_probability", 20}});
    second = fake.put_stage({{"id", base + 4},
                             {"pipeline_id", pipeline},
                             {"name", "Offer"},
                             {"order_nr", 2},
                             {"deal_probability", 60},
                             {"is_deal_rot_enabled", true},
                             {"days_to_rotten", 10}});
  }

  std::int64_t deal(const std::string& title, boost::json::object more = {}) {
    more["id"] = base + 100 + next_deal++;
    more["title"] = title;
    if (!more.contains("stage_id")) more["stage_id"] = first;
    more["pipeline_id"] = pipeline;
    if (!more.contains("owner_id")) more["owner_id"] = user;
    if (!more.contains("value")) more["value"] = 100.5;
    return fake.put_deal(std::move(more));
  }

  FakePipedrive fake;
  std::int64_t base = id_base();
  std::int64_t user = 0, pipeline = 0, first = 0, second = 0;
  int next_deal = 0;
};

class PipedriveSyncTest : public SyncFixture, public test::JobServerTest {
 protected:
  explicit PipedriveSyncTest(bool write_back = false)
      : test::JobServerTest(sync_config(fake, write_back)) {}

  // Triggers a sync (of one entity when given) and waits for its job.
  boost::json::value sync(const std::string& entity = "") {
    auto response = send("POST", "/api/v2/sync/trigger" + (entity.empty() ? "" : "/" + entity));
    EXPECT_EQ(response.result_int(), 202) << response.body();
    return finished("/api/v2/jobs/" + std::string(json_of(response).at("id").as_string()));
  }

  boost::json::object entity_state(const std::string& entity) {
    auto status = json_of(send("GET", "/api/v2/sync/status"));
    for (const auto& e : status.at("entities").as_array())
      if (e.at("entity_type").as_string() == entity) return e.as_object();
    ADD_FAILURE() << "no state for " << entity;
    return {};
  }

  static std::int64_t count(const std::string& sql, const pg::Params& params) {
    return test::db_query(sql, params).one().get<std::int64_t>(0);
  }

  std::optional<boost::json::object> local_deal(std::int64_t pipedrive_id) {
    auto r =
        test::db_query("SELECT id FROM deals WHERE pipedrive_id = $1", pg::Params(pipedrive_id));
    if (r.empty()) return std::nullopt;
    auto response = send("GET", "/api/v2/deals/" + r.one().get<std::string>(0));
    if (response.result_int() != 200) return std::nullopt;
    return json_of(response);
  }
};

TEST_F(PipedriveSyncTest, AFullThenAnIncrementalSyncMissNothingAndCopyNothingTwice) {
  const auto org =
      fake.put_organization({{"id", base + 10}, {"name", "Acme " + std::to_string(base)}});
  const auto person = fake.put_person(
      {{"id", base + 11},
       {"name", "Pat Person"},
       {"org_id", org},
       {"emails", boost::json::array{boost::json::object{
                      {"value", std::to_string(base) + "@pat.test"}, {"primary", true}}}}});
  const auto a =
      deal("A", {{"org_id", org}, {"person_id", person}, {"update_time", "2026-03-01T10:00:00Z"}});
  fake.put_note({{"id", base + 20}, {"deal_id", a}, {"content", "<b>Met</b> &amp; agreed"}});
  const auto first_run = sync();
  ASSERT_EQ(first_run.at("status"), "completed") << first_run;
  auto mirrored = local_deal(a);
  ASSERT_TRUE(mirrored);
  EXPECT_EQ(mirrored->at("managed_by"), "pipedrive");
  EXPECT_EQ(mirrored->at("value"), "100.50");
  EXPECT_FALSE(mirrored->at("company_id").is_null());
  EXPECT_FALSE(mirrored->at("contact_id").is_null());
  EXPECT_EQ(entity_state("deals").at("mode"), "full");
  EXPECT_EQ(count("SELECT count(*) FROM notes WHERE pipedrive_id = $1 AND content_text ="
                  " 'Met & agreed'",
                  pg::Params(base + 20)),
            1);

  // Another deal with the watermark's own update_time, and a change to A.
  const auto b = deal("B", {{"update_time", "2026-03-01T10:00:00Z"}});
  fake.update_deal(a, {{"title", "A renamed"}});
  const auto second_run = sync();
  ASSERT_EQ(second_run.at("status"), "completed") << second_run;
  EXPECT_EQ(entity_state("deals").at("mode"), "incremental");
  EXPECT_EQ(count("SELECT count(*) FROM deals WHERE pipedrive_id = ANY($1::bigint[])",
                  pg::Params(std::vector<std::int64_t>{a, b})),
            2);
  EXPECT_EQ(local_deal(a)->at("title"), "A renamed");
  EXPECT_TRUE(local_deal(b));
  // The incremental run asked from the watermark less the overlap.
  bool asked_since = false;
  for (const auto& line : fake.log())
    if (line.find("/api/v2/deals?") != std::string::npos &&
        line.find("updated_since=2026-03-01T09%3A55%3A00Z") != std::string::npos)
      asked_since = true;
  EXPECT_TRUE(asked_since);
}

TEST_F(PipedriveSyncTest, DeletedDealsGoAndPurgedOnesGoAtTheReconciliation) {
  const auto gone = deal("to delete"), purged = deal("to purge"), kept = deal("kept");
  ASSERT_EQ(sync().at("status"), "completed");
  fake.delete_deal(gone);
  ASSERT_EQ(sync("deals").at("status"), "completed");
  EXPECT_EQ(count("SELECT count(*) FROM deals WHERE pipedrive_id = $1 AND delete_reason ="
                  " 'deleted in Pipedrive'",
                  pg::Params(gone)),
            1);
  fake.purge_deal(purged);
  ASSERT_EQ(sync("deals").at("status"), "completed");
  EXPECT_TRUE(local_deal(purged));  // only a full listing of ids tells
  ASSERT_EQ(sync("deals_reconcile").at("status"), "completed");
  EXPECT_EQ(count("SELECT count(*) FROM deals WHERE pipedrive_id = $1 AND delete_reason ="
                  " 'purged from Pipedrive'",
                  pg::Params(purged)),
            1);
  EXPECT_TRUE(local_deal(kept));
  EXPECT_TRUE(entity_state("deals_reconcile").at("last_reconciled_at").is_string());
}

TEST_F(PipedriveSyncTest, AnArchivedDealIsKeptApartFromDeletedOnes) {
  const auto archived = deal("archived");
  ASSERT_EQ(sync().at("status"), "completed");
  fake.archive_deal(archived);
  ASSERT_EQ(sync("deals").at("status"), "completed");
  const auto d = local_deal(archived);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->at("archived_at").is_string());
  EXPECT_TRUE(d->at("deleted_at").is_null());
}

TEST_F(PipedriveSyncTest, V1DealsWithNestedOwnersAndNaiveTimesMirrorAsV2Ones) {
  fake.serve_v1_deal_shape();
  const auto id = deal("v1 deal", {{"stage_id", second}});
  ASSERT_EQ(sync().at("status"), "completed");
  const auto d = local_deal(id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->at("pipedrive_owner_id").as_int64(), user);
  EXPECT_TRUE(d->at("add_time").is_string());
  auto detail =
      json_of(send("GET", "/api/v2/deals/" + std::string(d->at("id").as_string()) + "/detail"));
  EXPECT_EQ(detail.at("owner_name"), "Pia Pipedrive");
  EXPECT_EQ(detail.at("stage_name"), "Offer");
}

TEST_F(PipedriveSyncTest, A429WithAResetIsWaitedOut) {
  deal("paced");
  fake.fail_next_with_429(1, 1);
  const auto run = sync();
  ASSERT_EQ(run.at("status"), "completed") << run;
  EXPECT_GE(fake.answers_with(429), 1u);
  const auto status = json_of(send("GET", "/api/v2/sync/status"));
  EXPECT_TRUE(status.at("paused_until").is_null());
  EXPECT_EQ(status.at("rate_limit").at("last_verdict"), "ok");
}

TEST_F(PipedriveSyncTest, ASpentDailyBudgetPausesEverySyncUntilItsReset) {
  deal("budget");
  fake.exhaust_daily_budget(std::chrono::hours(3));
  const auto run = sync();
  ASSERT_EQ(run.at("status"), "failed") << run;
  const auto status = json_of(send("GET", "/api/v2/sync/status"));
  ASSERT_TRUE(status.at("paused_until").is_string()) << status;
  EXPECT_NE(std::string(status.at("pause_reason").as_string()).find("budget"), std::string::npos)
      << status;
  const auto before = fake.total_requests();
  const auto again = sync();
  EXPECT_EQ(again.at("status"), "failed");
  EXPECT_EQ(fake.total_requests(), before);  // no request until the reset
}

TEST_F(PipedriveSyncTest, A403AfterA429IsAHardStop) {
  deal("forbidden");
  fake.fail_next_with_429(1, 1);
  fake.forbid_after_429();
  const auto run = sync();
  ASSERT_EQ(run.at("status"), "failed") << run;
  const auto status = json_of(send("GET", "/api/v2/sync/status"));
  ASSERT_TRUE(status.at("paused_until").is_string()) << status;
  const auto before = fake.total_requests();
  EXPECT_EQ(sync().at("status"), "failed");
  EXPECT_EQ(fake.total_requests(), before);  // stopped, not retried
}

TEST_F(PipedriveSyncTest, ARunThatDiesMidwayResumesFromItsCursor) {
  for (int i = 0; i < 1100; ++i) deal("bulk " + std::to_string(i));
  fake.fail_request("/api/v2/deals?", 2);  // the second page of deals, and every later request
  const auto failed = sync("deals");
  ASSERT_EQ(failed.at("status"), "failed") << failed;
  auto state = entity_state("deals");
  EXPECT_EQ(state.at("status"), "failed");
  EXPECT_EQ(state.at("resumable"), true);
  EXPECT_EQ(state.at("records_synced").as_int64(), 500);
  fake.clear_failures();
  const auto pages_before = fake.requests("/api/v2/deals");
  ASSERT_EQ(sync("deals").at("status"), "completed");
  // The two pages left, then the deleted ones' (archived ones have a path
  // of their own); from the beginning it would be four.
  EXPECT_EQ(fake.requests("/api/v2/deals") - pages_before, 3u)
      << "the run started again from the beginning";
  EXPECT_EQ(count("SELECT count(*) FROM deals WHERE pipedrive_id BETWEEN $1 AND $2",
                  pg::Params(base + 100, base + 100 + 1099)),
            1100);
  EXPECT_EQ(entity_state("deals").at("status"), "success");
}

class PipedriveWriteBackTest : public PipedriveSyncTest {
 protected:
  PipedriveWriteBackTest() : PipedriveSyncTest(true) {}
};

TEST_F(PipedriveWriteBackTest, AChangeGoesToPipedriveFirstThenIsMirrored) {
  const auto id = deal("before");
  ASSERT_EQ(sync().at("status"), "completed");
  const std::string local(local_deal(id)->at("id").as_string());
  auto changed = send("PATCH", "/api/v2/deals/" + local, R"({"title": "after"})");
  ASSERT_EQ(changed.result_int(), 200) << changed.body();
  EXPECT_EQ(json_of(changed).at("title"), "after");
  ASSERT_EQ(fake.patches().size(), 1u);
  EXPECT_EQ(fake.patches()[0].first, id);
  EXPECT_EQ(fake.deal(id)->at("title"), "after");
  auto refused = send("PATCH", "/api/v2/deals/" + local, R"({"custom_fields": {"x": 1}})");
  EXPECT_EQ(refused.result_int(), 409) << refused.body();
}

}  // namespace
}  // namespace crmd::http
