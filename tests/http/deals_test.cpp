// Deals kept in crmd: pipelines and stages, deals and their stage history,
// notes, who sees what, and the read models over a pipeline of the test's
// own (the database is shared: every test makes its own pipeline).
#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;
using test::User;

class DealsTest : public test::ApiTest {
 protected:
  struct Pipeline {
    std::string id;
    std::vector<std::string> stages;
  };

  // A pipeline of its own with these stages ({name, probability}), in order.
  Pipeline make_pipeline(const std::vector<std::pair<std::string, int>>& stages,
                         bool uses_probability = true) {
    Pipeline p;
    p.id = create_at("/api/v2/pipelines", {{"name", test::unique_name("Pipeline")},
                                           {"uses_probability", uses_probability}});
    int order = 1;
    for (const auto& [name, probability] : stages)
      p.stages.push_back(create_at("/api/v2/stages", {{"pipeline_id", p.id},
                                                      {"name", name},
                                                      {"order_nr", order++},
                                                      {"probability", probability}}));
    return p;
  }

  std::string make_deal(boost::json::object body, const std::optional<User>& as = std::nullopt) {
    if (!body.contains("title")) body["title"] = test::unique_name("Deal");
    const auto text = boost::json::serialize(body);
    auto response =
        as ? send_as(*as, "POST", "/api/v2/deals", text) : send("POST", "/api/v2/deals", text);
    EXPECT_EQ(response.result_int(), 201) << response.body();
    if (response.result_int() != 201) return "";
    return std::string(json_of(response).at("id").as_string());
  }

  test::HttpResponse patch(const std::string& path, const std::string& body) {
    return send("PATCH", path, body);
  }

  static void sql(const std::string& statement, const pg::Params& params) {
    test::db_query(statement, params);
  }

  std::vector<std::string> titles(const std::string& path) {
    auto response = send("GET", path);
    EXPECT_EQ(response.result_int(), 200) << response.body();
    std::vector<std::string> out;
    const auto page = json_of(response);
    for (const auto& d : page.at("results").as_array()) out.emplace_back(d.at("title").as_string());
    return out;
  }

  std::string event_types_of(const std::string& deal) {
    auto result = test::db_query(
        "SELECT string_agg(event_type, ',' ORDER BY id) FROM audit_logs WHERE entity_type = 'deal'"
        " AND entity_id = $1",
        pg::Params(deal));
    return result.one().get<std::optional<std::string>>(0).value_or("");
  }
};

TEST_F(DealsTest, TheDefaultPipelineHoldsTheSalesStages) {
  auto response = send("GET", "/api/v2/pipelines");
  ASSERT_EQ(response.result_int(), 200) << response.body();
  const auto body = json_of(response);
  bool found = false;
  for (const auto& item : body.at("results").as_array()) {
    if (item.at("pipeline").at("name") != "Sales") continue;
    found = true;
    std::vector<std::string> names;
    for (const auto& s : item.at("stages").as_array()) names.emplace_back(s.at("name").as_string());
    EXPECT_EQ(names, (std::vector<std::string>{"Qualified", "Proposal", "Negotiation", "Won"}));
  }
  EXPECT_TRUE(found);
}

TEST_F(DealsTest, MovingAStageWritesItsHistoryAndWinningSetsItsTimes) {
  const auto p = make_pipeline({{"Lead in", 10}, {"Offer", 50}, {"Closing", 90}});
  const auto id = make_deal({{"pipeline_id", p.id}, {"value", "1200.50"}, {"currency", "EUR"}});
  auto made = json_of(send("GET", "/api/v2/deals/" + id));
  EXPECT_EQ(made.at("stage_id").as_string(), p.stages[0]);
  EXPECT_EQ(made.at("value"), "1200.50");
  EXPECT_TRUE(made.at("stage_change_time").is_null());

  auto moved = patch("/api/v2/deals/" + id, R"({"stage_id": ")" + p.stages[1] + R"("})");
  ASSERT_EQ(moved.result_int(), 200) << moved.body();
  EXPECT_TRUE(json_of(moved).at("stage_change_time").is_string());
  // The first visit lasted exactly from its entry to the move.
  sql("UPDATE deal_stage_history SET entered_at = entered_at - interval '3 days',"
      " left_at = left_at - interval '1 day' WHERE deal_id = $1 AND stage_id = $2",
      pg::Params(id, p.stages[0]));
  auto detail = send("GET", "/api/v2/deals/" + id + "/detail");
  ASSERT_EQ(detail.result_int(), 200) << detail.body();
  const auto history = json_of(detail).at("stage_history").as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].at("stage_id").as_string(), p.stages[0]);
  EXPECT_EQ(history[0].at("seconds_in_stage").as_int64(), 2 * 86400);
  EXPECT_EQ(history[1].at("stage_id").as_string(), p.stages[1]);
  EXPECT_TRUE(history[1].at("left_at").is_null());

  auto won = patch("/api/v2/deals/" + id, R"({"status": "won"})");
  ASSERT_EQ(won.result_int(), 200) << won.body();
  EXPECT_TRUE(json_of(won).at("won_time").is_string());
  EXPECT_TRUE(json_of(won).at("close_time").is_string());
  auto reopened = patch("/api/v2/deals/" + id, R"({"status": "open"})");
  EXPECT_TRUE(json_of(reopened).at("won_time").is_null());
  EXPECT_EQ(event_types_of(id), "deal.created,deal.stage_changed,deal.won,deal.reopened");
}

TEST_F(DealsTest, IfMatchRefusesAStaleVersion) {
  const auto p = make_pipeline({{"One", 10}});
  const auto id = make_deal({{"pipeline_id", p.id}});
  auto read = send("GET", "/api/v2/deals/" + id);
  const std::string etag(read[boost::beast::http::field::etag]);
  ASSERT_EQ(patch("/api/v2/deals/" + id, R"({"title": "changed"})").result_int(), 200);
  auto stale =
      client.request("PATCH", "/api/v2/deals/" + id, R"({"title": "again"})",
                     "Authorization: Bearer " + token +
                         "\r\nContent-Type: application/json\r\nIf-Match: " + etag + "\r\n");
  EXPECT_EQ(stale.result_int(), 412) << stale.body();
}

TEST_F(DealsTest, BadInputIsRefusedByField) {
  const auto p = make_pipeline({{"One", 10}});
  const auto other = make_pipeline({{"Elsewhere", 10}});
  auto bad = send("POST", "/api/v2/deals",
                  R"({"title": "x", "value": "12.345", "currency": "euro",
                      "expected_close_date": "2026-02-30", "probability": 101})");
  ASSERT_EQ(bad.result_int(), 422) << bad.body();
  std::set<std::string> fields;
  const auto errors = json_of(bad);
  for (const auto& e : errors.at("errors").as_array()) fields.emplace(e.at("field").as_string());
  EXPECT_EQ(fields,
            (std::set<std::string>{"value", "currency", "expected_close_date", "probability"}));
  auto mismatch = send("POST", "/api/v2/deals",
                       R"({"title": "x", "pipeline_id": ")" + p.id + R"(", "stage_id": ")" +
                           other.stages[0] + R"("})");
  EXPECT_EQ(mismatch.result_int(), 422) << mismatch.body();
  EXPECT_EQ(send("POST", "/api/v2/deals", R"({"title": "x", "surprise": 1})").result_int(), 422);
}

TEST_F(DealsTest, SalesUsersSeeTheirOwnDealsOnly) {
  const auto p = make_pipeline({{"One", 10}});
  const auto ann = make_user("sales"), bob = make_user("sales");
  const auto mine = make_deal({{"pipeline_id", p.id}}, ann);
  const auto theirs = make_deal({{"pipeline_id", p.id}}, bob);
  EXPECT_EQ(send_as(ann, "GET", "/api/v2/deals/" + mine).result_int(), 200);
  EXPECT_EQ(send_as(ann, "GET", "/api/v2/deals/" + theirs).result_int(), 404);
  EXPECT_EQ(send_as(ann, "PATCH", "/api/v2/deals/" + theirs, R"({"title": "x"})").result_int(),
            404);
  EXPECT_EQ(send_as(ann, "GET", "/api/v2/deals/" + theirs + "/notes").result_int(), 404);
  auto listed = send_as(ann, "GET", "/api/v2/deals?pipeline_id=" + p.id);
  const auto page = json_of(listed);
  ASSERT_EQ(page.at("results").as_array().size(), 1u);
  EXPECT_EQ(page.at("results").as_array()[0].at("id").as_string(), mine);
  // Giving a deal away is for managers.
  EXPECT_EQ(send_as(ann, "PATCH", "/api/v2/deals/" + mine, R"({"owner_id": ")" + bob.id + R"("})")
                .result_int(),
            403);
  EXPECT_EQ(send("GET", "/api/v2/deals/" + theirs).result_int(), 200);
}

TEST_F(DealsTest, AMirroredDealIsManagedByPipedrive) {
  const auto p = make_pipeline({{"One", 10}});
  const auto id = make_deal({{"pipeline_id", p.id}});
  sql("UPDATE deals SET pipedrive_id = 900000000 + (random() * 99999999)::int WHERE id = $1",
      pg::Params(id));
  auto refused = patch("/api/v2/deals/" + id, R"({"title": "x"})");
  ASSERT_EQ(refused.result_int(), 409) << refused.body();
  EXPECT_EQ(json_of(refused).at("error_code"), "managed_by_pipedrive");
  // Still readable and annotated here.
  EXPECT_EQ(send("POST", "/api/v2/deals/" + id + "/notes", R"({"content": "called"})").result_int(),
            201);
}

TEST_F(DealsTest, AStageWithDealsGoesOnlyWithATargetStage) {
  const auto p = make_pipeline({{"Old", 10}, {"New", 50}});
  const auto id = make_deal({{"pipeline_id", p.id}});
  auto refused = send("DELETE", "/api/v2/stages/" + p.stages[0]);
  ASSERT_EQ(refused.result_int(), 409) << refused.body();
  EXPECT_EQ(json_of(refused).at("error_code"), "stage_has_deals");
  ASSERT_EQ(
      send("DELETE", "/api/v2/stages/" + p.stages[0] + "?move_to=" + p.stages[1]).result_int(),
      204);
  EXPECT_EQ(json_of(send("GET", "/api/v2/deals/" + id)).at("stage_id").as_string(), p.stages[1]);
  EXPECT_EQ(send("GET", "/api/v2/stages/" + p.stages[0]).result_int(), 404);
  const auto sales = make_user("sales");
  EXPECT_EQ(
      send_as(sales, "POST", "/api/v2/stages", R"({"pipeline_id": ")" + p.id + R"(", "name": "x"})")
          .result_int(),
      403);
}

TEST_F(DealsTest, NotesArePagedNewestFirstWithTheirText) {
  const auto p = make_pipeline({{"One", 10}});
  const auto id = make_deal({{"pipeline_id", p.id}});
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(send("POST", "/api/v2/deals/" + id + "/notes",
                   R"({"content": "<p>Call &amp; offer )" + std::to_string(i) + R"(</p>"})")
                  .result_int(),
              201);
  auto first = send("GET", "/api/v2/deals/" + id + "/notes?limit=2");
  ASSERT_EQ(first.result_int(), 200) << first.body();
  const auto page = json_of(first);
  const auto& results = page.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].at("text"), "Call & offer 2");
  EXPECT_EQ(results[0].at("content"), "<p>Call &amp; offer 2</p>");
  auto rest = json_of(send("GET", path_of(page.at("next"))));
  ASSERT_EQ(rest.at("results").as_array().size(), 1u);
  EXPECT_EQ(rest.at("results").as_array()[0].at("text"), "Call & offer 0");
  EXPECT_EQ(send("POST", "/api/v2/deals/" + id + "/notes", R"({"content": "  "})").result_int(),
            422);
  const auto contact = create_at("/api/v2/contacts", {{"first_name", "Noted"}});
  EXPECT_EQ(
      send("POST", "/api/v2/contacts/" + contact + "/notes", R"({"content": "hi"})").result_int(),
      201);
}

TEST_F(DealsTest, QualifyingALeadOpensItsDealInTheDefaultPipeline) {
  const auto lead = create_at("/api/v2/leads", {{"title", test::unique_name("Lead")}});
  auto qualified = send("POST", "/api/v2/leads/" + lead + "/qualify");
  ASSERT_EQ(qualified.result_int(), 200) << qualified.body();
  const std::string deal(json_of(qualified).at("qualified_master_deal_id").as_string());
  auto detail = json_of(send("GET", "/api/v2/deals/" + deal + "/detail"));
  EXPECT_EQ(detail.at("pipeline_name"), "Sales");
  EXPECT_EQ(detail.at("stage_name"), "Qualified");
  EXPECT_EQ(detail.at("deal").at("lead_id").as_string(), lead);
  EXPECT_EQ(detail.at("stage_history").as_array().size(), 1u);
  EXPECT_EQ(event_types_of(deal), "deal.created");
}

TEST_F(DealsTest, OverdueListsOpenDealsPastTheirCloseDateByMinDays) {
  const auto p = make_pipeline({{"One", 10}});
  const auto long_ago = make_deal({{"pipeline_id", p.id}, {"title", "long ago"}});
  const auto yesterday = make_deal({{"pipeline_id", p.id}, {"title", "yesterday"}});
  const auto won = make_deal({{"pipeline_id", p.id}, {"title", "won"}, {"status", "won"}});
  make_deal({{"pipeline_id", p.id}, {"title", "no date"}});
  sql("UPDATE deals SET expected_close_date = current_date - 30 WHERE id = ANY($1::uuid[])",
      pg::Params(std::vector<std::string>{long_ago, won}));
  sql("UPDATE deals SET expected_close_date = current_date - 1 WHERE id = $1",
      pg::Params(yesterday));
  EXPECT_EQ(titles("/api/v2/pipelines/" + p.id + "/overdue"),
            (std::vector<std::string>{"long ago"}));
  auto all = send("GET", "/api/v2/pipelines/" + p.id + "/overdue?min_days=1");
  const auto page = json_of(all);
  ASSERT_EQ(page.at("results").as_array().size(), 2u);
  EXPECT_EQ(page.at("results").as_array()[0].at("overdue_days").as_int64(), 30);
  EXPECT_EQ(page.at("results").as_array()[1].at("title"), "yesterday");
  EXPECT_EQ(send("GET", "/api/v2/pipelines/" + p.id + "/overdue?min_days=0").result_int(), 422);
}

TEST_F(DealsTest, StuckUsesTheStageThresholdElseTheDefaultAndNamesTheRule) {
  const auto p = make_pipeline({{"Quick", 10}, {"Slow", 50}});
  ASSERT_EQ(patch("/api/v2/stages/" + p.stages[0], R"({"days_to_rotten": 5, "rot_enabled": true})")
                .result_int(),
            200);
  const auto quick = make_deal({{"pipeline_id", p.id}, {"title", "quick 6 days"}});
  const auto fresh = make_deal({{"pipeline_id", p.id}, {"title", "quick 2 days"}});
  const auto slow = make_deal({{"stage_id", p.stages[1]}, {"title", "slow 31 days"}});
  const auto calm = make_deal({{"stage_id", p.stages[1]}, {"title", "slow 10 days"}});
  const auto age = [](const std::string& id, int days) {
    sql("UPDATE deals SET stage_entered_at = now() - make_interval(days => $2),"
        " update_time = now() - make_interval(days => $2) WHERE id = $1",
        pg::Params(id, days));
  };
  age(quick, 6);
  age(fresh, 2);
  age(slow, 31);
  age(calm, 10);
  auto response = send("GET", "/api/v2/pipelines/" + p.id + "/stuck");
  ASSERT_EQ(response.result_int(), 200) << response.body();
  const auto page = json_of(response);
  const auto& rows = page.at("results").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("title"), "slow 31 days");
  EXPECT_EQ(rows[0].at("health").at("stuck").at("rule"), "default_stuck_days");
  EXPECT_EQ(rows[0].at("health").at("rotten"), false);
  EXPECT_EQ(rows[1].at("title"), "quick 6 days");
  EXPECT_EQ(rows[1].at("health").at("stuck").at("rule"), "stage_days_to_rotten");
  EXPECT_EQ(rows[1].at("health").at("stuck").at("days_in_stage").as_int64(), 6);
  EXPECT_EQ(rows[1].at("health").at("rotten"), true);
}

TEST_F(DealsTest, OrderReceivedAndComplianceFollowTheirStages) {
  const auto p = make_pipeline({{"Offer", 50}, {"Ordered", 100}});
  ASSERT_EQ(patch("/api/v2/stages/" + p.stages[1],
                  R"({"order_received": true,
                      "required_fields": ["value", "expected_close_date", "custom_fields.po"]})")
                .result_int(),
            200);
  const auto complete = make_deal({{"stage_id", p.stages[1]},
                                   {"title", "complete"},
                                   {"value", "10.00"},
                                   {"expected_close_date", "2027-03-15"},
                                   {"custom_fields", {{"po", "PO-1"}}}});
  const auto lacking = make_deal({{"stage_id", p.stages[1]},
                                  {"title", "lacking"},
                                  {"value", "0.00"},
                                  {"custom_fields", {{"po", " "}}}});
  make_deal({{"stage_id", p.stages[0]}, {"title", "offer"}});
  (void)complete;
  (void)lacking;
  auto ordered = json_of(send("GET", "/api/v2/pipelines/" + p.id + "/order-received"));
  std::map<std::string, boost::json::value> by_title;
  for (const auto& row : ordered.at("results").as_array())
    by_title[std::string(row.at("title").as_string())] = row;
  ASSERT_EQ(by_title.size(), 2u);
  EXPECT_EQ(by_title["complete"].at("invoicing_month"), "2027-03");
  EXPECT_EQ(by_title["complete"].at("days_since_order").as_int64(), 0);
  auto compliance = json_of(send("GET", "/api/v2/pipelines/" + p.id + "/compliance"));
  const auto& rows = compliance.at("results").as_array();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("title"), "lacking");
  EXPECT_EQ(rows[0].at("missing_fields"),
            (boost::json::array{"expected_close_date", "custom_fields.po"}));
  auto bad = patch("/api/v2/stages/" + p.stages[1], R"({"required_fields": ["nonsense"]})");
  EXPECT_EQ(bad.result_int(), 422) << bad.body();
}

TEST_F(DealsTest, TheCashflowNeverAddsCurrenciesAndSlippedDealsStandApart) {
  const auto p = make_pipeline({{"Half", 50}, {"Sure", 80}});
  const auto month = [](int ahead) {
    auto r =
        test::db_query("SELECT to_char(current_date + make_interval(months => $1), 'YYYY-MM-15')",
                       pg::Params(ahead));
    return r.one().get<std::string>(0);
  };
  make_deal({{"pipeline_id", p.id},
             {"value", "1000.00"},
             {"currency", "EUR"},
             {"expected_close_date", month(1)}});
  make_deal({{"stage_id", p.stages[1]},
             {"value", "500.00"},
             {"currency", "EUR"},
             {"expected_close_date", month(1)}});
  make_deal({{"pipeline_id", p.id},
             {"value", "300.00"},
             {"currency", "USD"},
             {"probability", 0},
             {"expected_close_date", month(1)}});
  make_deal({{"pipeline_id", p.id}, {"value", "200.00"}, {"currency", "USD"}});
  const auto late = make_deal({{"pipeline_id", p.id}, {"value", "50.00"}, {"currency", "USD"}});
  sql("UPDATE deals SET expected_close_date = current_date - 3 WHERE id = $1", pg::Params(late));
  auto response = send("GET", "/api/v2/pipelines/" + p.id + "/cashflow-projection?months=3");
  ASSERT_EQ(response.result_int(), 200) << response.body();
  const auto body = json_of(response);
  std::map<std::string, boost::json::value> buckets;
  for (const auto& b : body.at("buckets").as_array())
    buckets[std::string(b.at("currency").as_string()) + " " +
            std::string(b.at("key").as_string())] = b;
  const auto next = month(1).substr(0, 7);
  EXPECT_EQ(buckets["EUR " + next].at("best_case"), "1500.00");
  EXPECT_EQ(buckets["EUR " + next].at("weighted"), "900.00");
  EXPECT_EQ(buckets["EUR " + next].at("commit"), "500.00");
  EXPECT_EQ(buckets["USD " + next].at("weighted"), "0.00");
  EXPECT_EQ(buckets["USD no_date"].at("best_case"), "200.00");
  EXPECT_EQ(buckets["USD slipped"].at("best_case"), "50.00");
  std::map<std::string, std::string> totals;
  for (const auto& t : body.at("totals").as_array())
    totals[std::string(t.at("currency").as_string())] = std::string(t.at("best_case").as_string());
  EXPECT_EQ(totals, (std::map<std::string, std::string>{{"EUR", "1500.00"}, {"USD", "550.00"}}));
  // A new deal shows at once: the cached projection is dropped.
  make_deal({{"pipeline_id", p.id}, {"value", "1.00"}, {"currency", "GBP"}});
  auto again = json_of(send("GET", "/api/v2/pipelines/" + p.id + "/cashflow-projection?months=3"));
  EXPECT_EQ(again.at("totals").as_array().size(), 3u);
}

TEST_F(DealsTest, InactiveAndRecentSummaryCountWhatHappened) {
  const auto p = make_pipeline({{"One", 10}, {"Two", 50}});
  const auto idle = make_deal({{"pipeline_id", p.id}, {"title", "idle"}, {"value", "5.00"}});
  const auto noted = make_deal({{"pipeline_id", p.id}, {"title", "noted"}});
  sql("UPDATE deals SET update_time = now() - interval '20 days' WHERE id = ANY($1::uuid[])",
      pg::Params(std::vector<std::string>{idle, noted}));
  ASSERT_EQ(
      send("POST", "/api/v2/deals/" + noted + "/notes", R"({"content": "still on"})").result_int(),
      201);
  EXPECT_EQ(titles("/api/v2/pipelines/" + p.id + "/inactive?days=14"),
            (std::vector<std::string>{"idle"}));
  ASSERT_EQ(
      patch("/api/v2/deals/" + idle, R"({"stage_id": ")" + p.stages[1] + R"("})").result_int(),
      200);
  ASSERT_EQ(
      patch("/api/v2/deals/" + noted, R"({"status": "lost", "lost_reason": "price"})").result_int(),
      200);
  auto summary = json_of(send("GET", "/api/v2/pipelines/" + p.id + "/recent-summary?days=7"));
  EXPECT_EQ(summary.at("created").as_array()[0].at("deals").as_int64(), 2);
  EXPECT_EQ(summary.at("moved").as_array().size(), 1u);
  EXPECT_EQ(summary.at("moved").as_array()[0].at("value"), "5.00");
  EXPECT_EQ(summary.at("lost").as_array()[0].at("deals").as_int64(), 1);
  EXPECT_TRUE(summary.at("won").as_array().empty());
}

TEST_F(DealsTest, OwnerKpisCountEachOwnersDeals) {
  const auto p = make_pipeline({{"Half", 50}});
  const auto ann = make_user("sales");
  const auto a = make_deal({{"pipeline_id", p.id}, {"value", "100.00"}}, ann);
  const auto b = make_deal({{"pipeline_id", p.id}, {"value", "300.00"}}, ann);
  make_deal({{"pipeline_id", p.id}, {"value", "40.00"}}, ann);
  ASSERT_EQ(send_as(ann, "PATCH", "/api/v2/deals/" + a, R"({"status": "won"})").result_int(), 200);
  ASSERT_EQ(send_as(ann, "PATCH", "/api/v2/deals/" + b, R"({"status": "lost"})").result_int(), 200);
  sql("UPDATE deals SET add_time = won_time - interval '10 days' WHERE id = $1", pg::Params(a));
  auto response = send("GET", "/api/v2/owners/kpis?pipeline_id=" + p.id);
  ASSERT_EQ(response.result_int(), 200) << response.body();
  const auto body = json_of(response);
  const auto& owners = body.at("owners").as_array();
  ASSERT_EQ(owners.size(), 1u);
  const auto& k = owners[0].as_object();
  EXPECT_EQ(k.at("owner_id").as_string(), ann.id);
  EXPECT_EQ(k.at("owner_name"), "User sales");
  EXPECT_EQ(k.at("win_rate").as_double(), 0.5);
  EXPECT_NEAR(k.at("average_days_to_close").as_double(), 10.0, 0.01);
  const auto& usd = k.at("currencies").as_array()[0];
  EXPECT_EQ(usd.at("open_value"), "40.00");
  EXPECT_EQ(usd.at("open_weighted"), "20.00");
  EXPECT_EQ(usd.at("won_value"), "100.00");
}

TEST_F(DealsTest, TodayListsTheCallersOverdueDealsAndWhy) {
  const auto p = make_pipeline({{"One", 10}});
  const auto ann = make_user("sales");
  const auto late = make_deal({{"pipeline_id", p.id}, {"title", "late"}}, ann);
  make_deal({{"pipeline_id", p.id}, {"title", "fine"}}, ann);
  sql("UPDATE deals SET expected_close_date = current_date - 4 WHERE id = $1", pg::Params(late));
  auto response = send_as(ann, "GET", "/api/v2/dashboard/today");
  ASSERT_EQ(response.result_int(), 200) << response.body();
  const auto body = json_of(response);
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("id").as_string(), late);
  EXPECT_EQ(items[0].at("reasons").as_array()[0].at("rule"), "overdue");
}

}  // namespace
}  // namespace crmd::http
