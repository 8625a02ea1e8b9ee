// Leads through the real server: CRUD, tracked fields, tags, contacts and
// the primary contact, qualification (and its race), the role and ownership
// matrix, the sales view, the reference-data cache, the audit trail.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "api_fixture.hpp"
#include "domain/common/time.hpp"

namespace crmd::http {
namespace {

using test::json_of;
using test::User;

std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

class LeadsTest : public test::ApiTest {
 protected:
  std::string create_lead(const boost::json::object& body) {
    return create_at("/api/v2/leads", body);
  }

  std::string create_lead_as(const User& user, const boost::json::object& body) {
    auto response = send_as(user, "POST", "/api/v2/leads", boost::json::serialize(body));
    EXPECT_EQ(response.result_int(), 201) << response.body();
    return std::string(json_of(response).at("id").as_string());
  }

  std::string create_contact(const std::string& name) {
    return create_at("/api/v2/contacts", {{"first_name", name}, {"last_name", "Lead"}});
  }

  static std::int64_t count(const std::string& sql, const pg::Params& params) {
    return test::db_query(sql, params).one().get<std::int64_t>(0);
  }

  // Pushes the lead's timestamps an hour back, so that a change shows.
  static void age(const std::string& lead) {
    test::db_query(
        "WITH derived AS (SELECT set_config('crmd.derived_write', 'on', true))"
        " UPDATE leads SET last_interaction_at = now() - interval '1 hour',"
        " updated_at = now() - interval '1 hour' FROM derived WHERE id = $1",
        pg::Params(lead));
  }

  static std::string interaction_of(const std::string& lead) {
    return test::db_query(
               "SELECT l.last_interaction_at::text || ' ' || s.last_interaction_at::text"
               " FROM leads l JOIN lead_activity_stats s ON s.lead_id = l.id WHERE l.id = $1",
               pg::Params(lead))
        .one()
        .get<std::string>(0);
  }
};

TEST_F(LeadsTest, CreateReadUpdateDeleteWithTitleAsLegalName) {
  const auto title = test::unique_name("Acme");
  const auto id = create_lead({{"title", title},
                               {"trade_name", "Acme"},
                               {"status", "NEW"},
                               {"origin", "REFERRAL"},
                               {"address_city", "Lyon"}});
  auto read = json_of(send("GET", "/api/v2/leads/" + id));
  EXPECT_EQ(text(read.at("title")), title);
  EXPECT_EQ(read.at("status"), "NEW");
  EXPECT_EQ(read.at("origin"), "REFERRAL");
  EXPECT_TRUE(read.at("owner_user_id").is_string());
  EXPECT_GT(read.at("priority_score").as_int64(), 0);
  EXPECT_TRUE(read.at("last_interaction_at").is_string());
  EXPECT_EQ(test::db_query("SELECT legal_name FROM leads WHERE id = $1", pg::Params(id))
                .one()
                .get<std::string>(0),
            title);

  auto patched =
      send("PATCH", "/api/v2/leads/" + id, R"({"status":"CONTACTED","trade_name":null})");
  ASSERT_EQ(patched.result_int(), 200) << patched.body();
  EXPECT_EQ(json_of(patched).at("status"), "CONTACTED");
  EXPECT_TRUE(json_of(patched).at("trade_name").is_null());

  EXPECT_EQ(send("PATCH", "/api/v2/leads/" + id, R"({"status":"NOPE"})").result_int(), 422);
  EXPECT_EQ(send("PATCH", "/api/v2/leads/" + id, R"({"title":""})").result_int(), 422);
  EXPECT_EQ(send("POST", "/api/v2/leads", R"({"trade_name":"x"})").result_int(), 422);
  EXPECT_EQ(send("POST", "/api/v2/leads", R"({"title":"x","priority_score":5})").result_int(), 422);

  auto listed = json_of(send("GET", "/api/v2/leads?q=" + title));
  ASSERT_EQ(listed.at("results").as_array().size(), 1u);

  EXPECT_EQ(send("DELETE", "/api/v2/leads/" + id).result_int(), 204);
  EXPECT_EQ(send("GET", "/api/v2/leads/" + id).result_int(), 404);
  EXPECT_EQ(send("GET", "/api/v2/leads/" + id + "?include_deleted=true").result_int(), 200);
  EXPECT_EQ(json_of(send("GET", "/api/v2/leads?q=" + title)).at("results").as_array().size(), 0u);
  EXPECT_EQ(send("POST", "/api/v2/leads/" + id + "/restore").result_int(), 200);
  EXPECT_EQ(send("GET", "/api/v2/leads/" + id).result_int(), 200);
  EXPECT_EQ(send("GET", "/api/v2/leads/" + Uuid::random_v4().str()).result_int(), 404);
}

TEST_F(LeadsTest, ListFiltersOrderingsAndCursorPages) {
  const auto tag = test::unique_name("list");
  std::vector<std::string> ids;
  const char* statuses[] = {"NEW", "CONTACTED", "NEW", "NURTURING", "NEW"};
  for (int i = 0; i < 5; ++i) {
    const auto id = create_lead({{"title", test::unique_name("List") + std::to_string(i)},
                                 {"status", statuses[i]},
                                 {"origin", i % 2 ? "REFERRAL" : "COLD_CALL"}});
    ASSERT_EQ(
        send("PUT", "/api/v2/leads/" + id + "/tags", R"({"tags":[")" + tag + R"("]})").result_int(),
        200);
    ids.push_back(id);
  }
  const auto count = [&](const std::string& filters) {
    auto response = send("GET", "/api/v2/leads?limit=100&tag=" + tag + filters);
    EXPECT_EQ(response.result_int(), 200) << filters << response.body();
    return json_of(response).at("results").as_array().size();
  };
  EXPECT_EQ(count(""), 5u);
  EXPECT_EQ(count("&status=NEW"), 3u);
  EXPECT_EQ(count("&status=NEW&status=NURTURING"), 4u);
  EXPECT_EQ(count("&origin=REFERRAL"), 2u);
  EXPECT_EQ(count("&owner=" + Uuid::random_v4().str()), 0u);
  EXPECT_EQ(send("GET", "/api/v2/leads?priority_min=101").result_int(), 422);
  EXPECT_EQ(count("&priority_min=0&priority_max=100"), 5u);
  EXPECT_EQ(count("&created_after=2000-01-01T00:00:00Z&interaction_after=2000-01-01T00:00:00Z"),
            5u);
  EXPECT_EQ(count("&interaction_before=2000-01-01T00:00:00Z"), 0u);
  EXPECT_EQ(send("GET", "/api/v2/leads?ordering=nope").result_int(), 422);

  // Pages of two in each ordering hold every lead once, in order.
  for (const std::string ordering :
       {"-priority", "priority", "title", "-created_at", "last_interaction_at", "-updated_at"}) {
    std::vector<std::string> walked;
    std::string path = "/api/v2/leads?limit=2&tag=" + tag + "&ordering=" + ordering;
    std::string first_next;
    for (int pages = 0; pages < 10 && !path.empty(); ++pages) {
      auto page = json_of(send("GET", path));
      for (const auto& row : page.at("results").as_array()) walked.push_back(text(row.at("id")));
      path = page.at("next").is_null() ? "" : path_of(page.at("next"));
      if (pages == 0) first_next = path;
    }
    EXPECT_EQ(walked.size(), 5u) << ordering;
    EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), 5u) << ordering;
    // A cursor belongs to its query: another filter refuses it.
    ASSERT_FALSE(first_next.empty());
    EXPECT_EQ(send("GET", first_next + "&status=NEW").result_int(), 400) << ordering;
  }
}

TEST_F(LeadsTest, TrackedFieldChangesMoveInteractionTimestampsUntrackedOnesDoNot) {
  const auto id = create_lead({{"title", test::unique_name("Tracked")}, {"status", "NEW"}});
  const auto tag = test::unique_name("tracked");

  // Tracked: city, status, title; each moves both timestamps.
  for (const char* body :
       {R"({"address_city":"Oslo"})", R"({"status":"CONTACTED"})", R"({"title":"Renamed"})"}) {
    age(id);
    const auto before = interaction_of(id);
    auto response = send("PATCH", "/api/v2/leads/" + id, body);
    ASSERT_EQ(response.result_int(), 200) << response.body();
    EXPECT_NE(interaction_of(id), before) << body;
    EXPECT_EQ(count("SELECT count(*) FROM leads l JOIN lead_activity_stats s ON s.lead_id = l.id"
                    " WHERE l.id = $1 AND l.last_interaction_at = s.last_interaction_at"
                    " AND l.updated_at > now() - interval '1 minute'",
                    pg::Params(id)),
              1)
        << body;
  }

  // Untracked: tags, the same value again, an SLA flag, a recomputed score.
  age(id);
  const auto before = interaction_of(id);
  auto tagged = send("PUT", "/api/v2/leads/" + id + "/tags", R"({"tags":[")" + tag + R"("]})");
  ASSERT_EQ(tagged.result_int(), 200) << tagged.body();
  EXPECT_EQ(send("PATCH", "/api/v2/leads/" + id, R"({"address_city":"Oslo"})").result_int(), 200);
  test::db_query("UPDATE leads SET sla_breached_at = now() WHERE id = $1", pg::Params(id));
  test::db_query(
      "WITH derived AS (SELECT set_config('crmd.derived_write', 'on', true))"
      " UPDATE leads SET priority_score = (priority_score + 1) % 100 FROM derived WHERE id = $1",
      pg::Params(id));
  EXPECT_EQ(interaction_of(id), before);

  // Any other writer of a tracked column is tracked too (the trigger).
  test::db_query("UPDATE leads SET address_state = 'XX' WHERE id = $1", pg::Params(id));
  EXPECT_NE(interaction_of(id), before);
}

TEST_F(LeadsTest, TagsCrudAndLeadTagSets) {
  const auto name = test::unique_name("Hot");
  const auto tag = create_at("/api/v2/tags", {{"name", name}, {"color", "#f00"}});
  EXPECT_EQ(send("POST", "/api/v2/tags", R"({"name":")" + name + R"("})").result_int(), 409);
  auto renamed = send("PATCH", "/api/v2/tags/" + tag, R"({"color":"#0f0"})");
  ASSERT_EQ(renamed.result_int(), 200) << renamed.body();
  EXPECT_EQ(json_of(renamed).at("color"), "#0f0");

  const auto lead = create_lead({{"title", test::unique_name("Tagged")}});
  const auto other = test::unique_name("other");
  auto set = send("PUT", "/api/v2/leads/" + lead + "/tags",
                  R"({"tags":[")" + name + R"(",")" + other + R"("]})");
  ASSERT_EQ(set.result_int(), 200) << set.body();
  EXPECT_EQ(json_of(set).at("tags").as_array().size(), 2u);
  auto filtered = json_of(send("GET", "/api/v2/leads?tag=" + other));
  ASSERT_EQ(filtered.at("results").as_array().size(), 1u);

  EXPECT_EQ(send("DELETE", "/api/v2/leads/" + lead + "/tags/" + tag).result_int(), 200);
  EXPECT_EQ(send("DELETE", "/api/v2/leads/" + lead + "/tags/" + tag).result_int(), 404);
  auto added = send("POST", "/api/v2/leads/" + lead + "/tags/" + tag);
  ASSERT_EQ(added.result_int(), 200) << added.body();
  EXPECT_EQ(json_of(added).at("tags").as_array().size(), 2u);

  EXPECT_EQ(send("DELETE", "/api/v2/tags/" + tag).result_int(), 204);
  EXPECT_EQ(json_of(send("GET", "/api/v2/leads/" + lead)).at("tags").as_array().size(), 1u);
}

TEST_F(LeadsTest, HotTagRaisesThePriorityScore) {
  const auto lead = create_lead({{"title", test::unique_name("Score")}, {"status", "NEW"}});
  const auto before = json_of(send("GET", "/api/v2/leads/" + lead)).at("priority_score").as_int64();
  auto hot = send("PUT", "/api/v2/leads/" + lead + "/tags", R"({"tags":["hot"]})");
  ASSERT_EQ(hot.result_int(), 200) << hot.body();
  EXPECT_EQ(json_of(hot).at("priority_score").as_int64(), std::min<std::int64_t>(100, before + 15));
}

TEST_F(LeadsTest, PrimaryContactFallsBackToTheEarliestAndIsUnique) {
  const auto lead = create_lead({{"title", test::unique_name("Contacts")}});
  const auto first = create_contact("First");
  const auto second = create_contact("Second");
  for (const auto& c : {first, second}) {
    auto added =
        send("POST", "/api/v2/leads/" + lead + "/contacts", R"({"contact_id":")" + c + R"("})");
    ASSERT_EQ(added.result_int(), 201) << added.body();
  }
  EXPECT_EQ(
      send("POST", "/api/v2/leads/" + lead + "/contacts", R"({"contact_id":")" + first + R"("})")
          .result_int(),
      409);
  auto listed = json_of(send("GET", "/api/v2/leads/" + lead + "/contacts"));
  auto results = listed.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  // No flag: the earliest added is the primary.
  EXPECT_EQ(text(results[0].at("contact_id")), first);
  EXPECT_EQ(results[0].at("is_primary"), true);
  EXPECT_EQ(results[1].at("is_primary"), false);

  auto primary = send("PUT", "/api/v2/leads/" + lead + "/contacts/" + second + "/primary");
  ASSERT_EQ(primary.result_int(), 200) << primary.body();
  results = json_of(primary).at("results").as_array();
  EXPECT_EQ(text(results[0].at("contact_id")), second);
  EXPECT_EQ(results[0].at("is_primary"), true);
  EXPECT_EQ(results[1].at("is_primary"), false);
  // Moving it clears the old flag: one flagged row at any time.
  ASSERT_EQ(send("PUT", "/api/v2/leads/" + lead + "/contacts/" + first + "/primary").result_int(),
            200);
  EXPECT_EQ(count("SELECT count(*) FROM lead_contacts WHERE lead_id = $1 AND is_primary",
                  pg::Params(lead)),
            1);
  EXPECT_ANY_THROW(test::db_query("UPDATE lead_contacts SET is_primary = true WHERE lead_id = $1",
                                  pg::Params(lead)));

  EXPECT_EQ(send("DELETE", "/api/v2/leads/" + lead + "/contacts/" + first).result_int(), 204);
  results = json_of(send("GET", "/api/v2/leads/" + lead + "/contacts")).at("results").as_array();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].at("is_primary"), true);  // the fallback again
  EXPECT_EQ(send("PUT", "/api/v2/leads/" + lead + "/contacts/" + first + "/primary").result_int(),
            404);
}

TEST_F(LeadsTest, CopiedTagNamesAndPrimaryContactFollowEveryWrite) {
  const auto lead = create_lead({{"title", test::unique_name("Copies")}});
  const auto name = test::unique_name("renamed");
  const auto tag = create_at("/api/v2/tags", {{"name", test::unique_name("before")}});
  ASSERT_EQ(send("POST", "/api/v2/leads/" + lead + "/tags/" + tag).result_int(), 200);
  ASSERT_EQ(send("PATCH", "/api/v2/tags/" + tag, R"({"name":")" + name + R"("})").result_int(),
            200);
  EXPECT_EQ(text(json_of(send("GET", "/api/v2/leads/" + lead)).at("tags").as_array()[0]), name);

  const auto primary_of = [&] {
    return test::db_query("SELECT coalesce(primary_contact_id::text, '') FROM leads WHERE id = $1",
                          pg::Params(lead))
        .one()
        .get<std::string>(0);
  };
  const auto first = create_contact("One");
  const auto second = create_contact("Two");
  for (const auto& c : {first, second})
    ASSERT_EQ(
        send("POST", "/api/v2/leads/" + lead + "/contacts", R"({"contact_id":")" + c + R"("})")
            .result_int(),
        201);
  EXPECT_EQ(primary_of(), first);  // the earliest added
  ASSERT_EQ(send("PUT", "/api/v2/leads/" + lead + "/contacts/" + second + "/primary").result_int(),
            200);
  EXPECT_EQ(primary_of(), second);
  // A deleted contact is nobody's primary; restored, it is again.
  ASSERT_EQ(send("DELETE", "/api/v2/contacts/" + second).result_int(), 204);
  EXPECT_EQ(primary_of(), first);
  ASSERT_EQ(send("POST", "/api/v2/contacts/" + second + "/restore").result_int(), 200);
  EXPECT_EQ(primary_of(), second);
  ASSERT_EQ(send("DELETE", "/api/v2/leads/" + lead + "/contacts/" + second).result_int(), 204);
  EXPECT_EQ(primary_of(), first);
  ASSERT_EQ(send("DELETE", "/api/v2/leads/" + lead + "/contacts/" + first).result_int(), 204);
  EXPECT_EQ(primary_of(), "");
}

TEST_F(LeadsTest, QualifyCreatesCompanyAndDealOnceAndCopiesContacts) {
  const auto title = test::unique_name("Qualify");
  const auto lead = create_lead({{"title", title}, {"address_city", "Porto"}});
  const auto contact = create_contact("Q");
  ASSERT_EQ(
      send("POST", "/api/v2/leads/" + lead + "/contacts", R"({"contact_id":")" + contact + R"("})")
          .result_int(),
      201);

  auto qualified = send("POST", "/api/v2/leads/" + lead + "/qualify");
  ASSERT_EQ(qualified.result_int(), 200) << qualified.body();
  const auto body = json_of(qualified);
  EXPECT_TRUE(body.at("qualified_at").is_string());
  EXPECT_TRUE(body.at("deleted_at").is_string());
  const std::string company(body.at("qualified_company_id").as_string());
  EXPECT_EQ(count("SELECT count(*) FROM companies WHERE id = $1 AND name = $2 AND city = 'Porto'",
                  pg::Params(company, title)),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM deals WHERE lead_id = $1 AND company_id = $2",
                  pg::Params(lead, company)),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM contacts WHERE id = $1 AND company_id = $2",
                  pg::Params(contact, company)),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM audit_logs WHERE entity_type = 'lead' AND entity_id = $1"
                  " AND action = 'qualify_lead'",
                  pg::Params(lead)),
            1);
  // Written through the repositories that own the rows: the company has its
  // metadata and its audit row, each linked contact its own.
  EXPECT_EQ(count("SELECT count(*) FROM audit_logs WHERE entity_id = $1 AND action ="
                  " 'company_created'",
                  pg::Params(company)),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM audit_logs WHERE entity_id = $1 AND action ="
                  " 'contact_linked'",
                  pg::Params(contact)),
            1);
  auto revenue = send("PATCH", "/api/v2/companies/" + company, R"({"revenue":5000})");
  ASSERT_EQ(revenue.result_int(), 200) << revenue.body();
  EXPECT_EQ(json_of(send("GET", "/api/v2/companies/" + company)).at("revenue"), 5000);
  EXPECT_EQ(send("POST", "/api/v2/leads/" + lead + "/qualify").result_int(), 409);
  EXPECT_EQ(send("PATCH", "/api/v2/leads/" + lead, R"({"title":"x"})").result_int(), 409);
  // Still readable; listed only with include_qualified.
  EXPECT_EQ(send("GET", "/api/v2/leads/" + lead).result_int(), 200);
  EXPECT_EQ(json_of(send("GET", "/api/v2/leads?q=" + title)).at("results").as_array().size(), 0u);
  EXPECT_EQ(json_of(send("GET", "/api/v2/leads?include_qualified=true&q=" + title))
                .at("results")
                .as_array()
                .size(),
            1u);

  // An admin restores it; the deal goes, and it can be qualified again,
  // this time into an existing company.
  ASSERT_EQ(send("POST", "/api/v2/leads/" + lead + "/restore").result_int(), 200);
  EXPECT_EQ(count("SELECT count(*) FROM deals WHERE lead_id = $1 AND deleted_at IS NULL",
                  pg::Params(lead)),
            0);
  auto again = send("POST", "/api/v2/leads/" + lead + "/qualify",
                    R"({"company_id":")" + company + R"(","deal_title":"Deal two"})");
  ASSERT_EQ(again.result_int(), 200) << again.body();
  EXPECT_EQ(text(json_of(again).at("qualified_company_id")), company);
  EXPECT_EQ(count("SELECT count(*) FROM companies WHERE name = $1", pg::Params(title)), 1);
}

TEST_F(LeadsTest, TwoRacingQualifiesMakeOneCompanyAndOneDeal) {
  for (int round = 0; round < 3; ++round) {
    const auto title = test::unique_name("Race");
    const auto lead = create_lead({{"title", title}});
    const std::string request = "POST /api/v2/leads/" + lead +
                                "/qualify HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
                                "\r\nContent-Length: 0\r\n\r\n";
    test::RawClient a(server.port()), b(server.port());
    // Both requests are on the wire before either answer is read.
    a.send(request);
    b.send(request);
    const int first = a.read().result_int();
    const int second = b.read().result_int();
    EXPECT_EQ(std::min(first, second), 200);
    EXPECT_EQ(std::max(first, second), 409);
    EXPECT_EQ(count("SELECT count(*) FROM companies WHERE name = $1", pg::Params(title)), 1);
    EXPECT_EQ(count("SELECT count(*) FROM deals WHERE lead_id = $1", pg::Params(lead)), 1);
  }
}

TEST_F(LeadsTest, DisqualifyNeedsAReasonAndOnlyAnAdminRestores) {
  const auto sales = make_user("sales");
  const auto lead = create_lead_as(sales, {{"title", test::unique_name("Dis")}});
  EXPECT_EQ(send_as(sales, "POST", "/api/v2/leads/" + lead + "/disqualify", "{}").result_int(),
            422);
  auto done =
      send_as(sales, "POST", "/api/v2/leads/" + lead + "/disqualify", R"({"reason":"no budget"})");
  ASSERT_EQ(done.result_int(), 200) << done.body();
  EXPECT_EQ(json_of(done).at("disqualification_reason"), "no budget");
  EXPECT_EQ(json_of(done).at("priority_score"), 0);
  EXPECT_EQ(send_as(sales, "POST", "/api/v2/leads/" + lead + "/disqualify", R"({"reason":"again"})")
                .result_int(),
            409);
  EXPECT_EQ(send_as(sales, "POST", "/api/v2/leads/" + lead + "/qualify").result_int(), 409);
  EXPECT_EQ(send_as(sales, "POST", "/api/v2/leads/" + lead + "/restore").result_int(), 403);
  auto restored = send("POST", "/api/v2/leads/" + lead + "/restore");
  ASSERT_EQ(restored.result_int(), 200) << restored.body();
  EXPECT_TRUE(json_of(restored).at("disqualified_at").is_null());
}

TEST_F(LeadsTest, SalesUsersSeeAndChangeTheirOwnLeadsOnly) {
  const auto ann = make_user("sales");
  const auto bob = make_user("sales");
  const auto boss = make_user("manager");
  const auto lead = create_lead_as(ann, {{"title", test::unique_name("Own")}});
  const auto path = "/api/v2/leads/" + lead;

  EXPECT_EQ(send_as(ann, "GET", path).result_int(), 200);
  EXPECT_EQ(send_as(boss, "GET", path).result_int(), 200);
  EXPECT_EQ(send("GET", path).result_int(), 200);
  // Another sales user: 404 everywhere, as for an id that does not exist.
  EXPECT_EQ(send_as(bob, "GET", path).result_int(), 404);
  EXPECT_EQ(send_as(bob, "PATCH", path, R"({"address_city":"X"})").result_int(), 404);
  EXPECT_EQ(send_as(bob, "DELETE", path).result_int(), 404);
  EXPECT_EQ(send_as(bob, "POST", path + "/qualify").result_int(), 404);
  EXPECT_EQ(send_as(bob, "POST", path + "/disqualify", R"({"reason":"x"})").result_int(), 404);
  EXPECT_EQ(send_as(bob, "GET", path + "/contacts").result_int(), 404);
  EXPECT_EQ(send_as(bob, "GET", path + "/activity").result_int(), 404);
  EXPECT_EQ(send_as(bob, "GET", path + "/activities").result_int(), 404);
  EXPECT_EQ(send_as(bob, "POST", path + "/activities", R"({"kind":"call"})").result_int(), 404);
  EXPECT_EQ(send_as(bob, "PUT", path + "/tags", R"({"tags":[]})").result_int(), 404);
  EXPECT_EQ(json_of(send_as(bob, "GET", "/api/v2/leads")).at("results").as_array().size(), 0u);
  EXPECT_EQ(json_of(send_as(ann, "GET", "/api/v2/leads")).at("results").as_array().size(), 1u);

  // Sales users cannot hand leads over; managers can.
  EXPECT_EQ(send_as(ann, "PATCH", path, R"({"owner_user_id":")" + bob.id + R"("})").result_int(),
            422);
  EXPECT_EQ(send_as(boss, "PATCH", path, R"({"owner_user_id":")" + bob.id + R"("})").result_int(),
            200);
  EXPECT_EQ(send_as(ann, "GET", path).result_int(), 404);
  EXPECT_EQ(send_as(bob, "GET", path).result_int(), 200);

  // Admin-only and manager-only routes.
  EXPECT_EQ(send_as(boss, "POST", path + "/restore").result_int(), 403);
  EXPECT_EQ(
      send_as(bob, "POST", "/api/v2/lead-statuses", R"({"code":"X","label":"X"})").result_int(),
      403);
  EXPECT_EQ(send_as(bob, "GET", "/api/v2/audit?entity_type=lead").result_int(), 403);
  EXPECT_EQ(send_as(bob, "PATCH", "/api/v2/tags/" + Uuid::random_v4().str(), "{}").result_int(),
            403);
  EXPECT_EQ(send_as(bob, "GET", "/api/v2/leads?include_deleted=true").result_int(), 403);
}

TEST_F(LeadsTest, SalesViewHidesQualifiedAndDeletedLeadsInOneStatement) {
  const auto sales = make_user("sales");
  std::vector<std::string> leads;
  for (int i = 0; i < 6; ++i) {
    const auto lead = create_lead_as(sales, {{"title", test::unique_name("View")},
                                             {"status", i % 2 ? "NEW" : "CONTACTED"},
                                             {"origin", "WEBSITE"}});
    const auto contact = create_contact("V" + std::to_string(i));
    EXPECT_EQ(send("POST", "/api/v2/leads/" + lead + "/contacts",
                   R"({"contact_id":")" + contact + R"("})")
                  .result_int(),
              201);
    EXPECT_EQ(
        send("PUT", "/api/v2/leads/" + lead + "/tags", R"({"tags":["view-test"]})").result_int(),
        200);
    leads.push_back(lead);
  }
  ASSERT_EQ(send("POST", "/api/v2/leads/" + leads[0] + "/qualify").result_int(), 200);
  ASSERT_EQ(send("DELETE", "/api/v2/leads/" + leads[1]).result_int(), 204);
  ASSERT_EQ(
      send("POST", "/api/v2/leads/" + leads[2] + "/disqualify", R"({"reason":"no"})").result_int(),
      200);

  const auto statements_before = server.app().leads().statements();
  auto view = send_as(sales, "GET", "/api/v2/leads/sales-view?limit=100");
  ASSERT_EQ(view.result_int(), 200) << view.body();
  // One statement for the page, whatever its size: no N+1.
  EXPECT_EQ(server.app().leads().statements() - statements_before, 1);
  const auto results = json_of(view).at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  std::int64_t last_priority = 100;
  for (const auto& row : results) {
    const auto& o = row.as_object();
    EXPECT_NE(text(o.at("id")), leads[0]);
    EXPECT_NE(text(o.at("id")), leads[1]);
    EXPECT_NE(text(o.at("id")), leads[2]);
    EXPECT_TRUE(o.at("primary_contact").is_object());
    EXPECT_EQ(o.at("primary_contact").at("is_primary"), true);
    EXPECT_EQ(o.at("tags").as_array().size(), 1u);
    EXPECT_EQ(text(o.at("owner").at("id")), sales.id);
    EXPECT_EQ(o.at("origin_label"), "Website");
    EXPECT_TRUE(o.at("activity").is_object());
    EXPECT_LE(o.at("priority_score").as_int64(), last_priority);
    last_priority = o.at("priority_score").as_int64();
  }

  // Pages of one, both ways.
  std::vector<std::string> walked;
  std::string path = "/api/v2/leads/sales-view?limit=1";
  std::string last_path;
  for (int i = 0; i < 10 && !path.empty(); ++i) {
    auto page = json_of(send_as(sales, "GET", path));
    for (const auto& row : page.at("results").as_array())
      walked.emplace_back(row.at("id").as_string());
    last_path = path;
    path = page.at("next").is_null() ? "" : path_of(page.at("next"));
  }
  ASSERT_EQ(walked.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(walked[i], text(results[i].at("id")));
  auto last = json_of(send_as(sales, "GET", last_path));
  auto previous = json_of(send_as(sales, "GET", path_of(last.at("previous"))));
  EXPECT_EQ(previous.at("results").as_array()[0].at("id"), results[1].at("id"));
}

TEST_F(LeadsTest, StatusesAndOriginsCacheRefreshesOnAnotherProcessChange) {
  // Every status, page after page: the list is cursor-paged.
  const auto all_statuses = [&] {
    boost::json::array all;
    for (std::string path = "/api/v2/lead-statuses?limit=100"; !path.empty();) {
      auto page = json_of(send("GET", path));
      for (const auto& s : page.at("results").as_array()) all.push_back(s);
      path = page.at("next").is_string() ? path_of(page.at("next")) : "";
    }
    return all;
  };
  auto statuses = all_statuses();
  ASSERT_GE(statuses.size(), 5u);
  EXPECT_EQ(statuses[0].at("code"), "NEW");
  std::string code = test::unique_name("S");
  for (auto& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  // Another process writes straight to the database; NOTIFY tells this one.
  test::db_query("INSERT INTO lead_statuses (code, label, sort_order) VALUES ($1, 'Fresh', 99)",
                 pg::Params(code));
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    for (const auto& s : all_statuses()) seen = seen || text(s.at("code")) == code;
  }
  ASSERT_TRUE(seen);
  auto lead =
      send("POST", "/api/v2/leads", R"({"title":"With fresh status","status":")" + code + R"("})");
  EXPECT_EQ(lead.result_int(), 201) << lead.body();

  // Another crmd on the same database changes a label through its API.
  test::RunningServer other(test::api_config());
  test::RawClient other_client(other.port());
  auto login =
      other_client.request("POST", "/api/v2/auth/login",
                           R"({"email":"admin@crmd.test","password":"admin-password-for-tests"})",
                           "Content-Type: application/json\r\n");
  ASSERT_EQ(login.result_int(), 200) << login.body();
  const std::string other_token(json_of(login).at("access_token").as_string());
  std::string status_id;
  for (const auto& s : all_statuses())
    if (text(s.at("code")) == code) status_id = text(s.at("id"));
  auto relabel = other_client.request(
      "PATCH", "/api/v2/lead-statuses/" + status_id, R"({"label":"Relabelled"})",
      "Content-Type: application/json\r\nAuthorization: Bearer " + other_token + "\r\n");
  ASSERT_EQ(relabel.result_int(), 200) << relabel.body();
  bool relabelled = false;
  const auto relabel_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!relabelled && std::chrono::steady_clock::now() < relabel_deadline) {
    for (const auto& s : all_statuses())
      relabelled =
          relabelled || (text(s.at("code")) == code && text(s.at("label")) == "Relabelled");
  }
  EXPECT_TRUE(relabelled);

  // Admin writes through the API; deactivated codes are refused for leads.
  const auto origin = create_at("/api/v2/lead-origins", {{"code", code}, {"label", "Mine"}});
  EXPECT_EQ(send("POST", "/api/v2/lead-origins", R"({"code":")" + code + R"(","label":"x"})")
                .result_int(),
            409);
  ASSERT_EQ(send("PATCH", "/api/v2/lead-origins/" + origin, R"({"is_active":false})").result_int(),
            200);
  EXPECT_EQ(
      send("POST", "/api/v2/leads", R"({"title":"x","origin":")" + code + R"("})").result_int(),
      422);
}

TEST_F(LeadsTest, ActivityAndAuditTrail) {
  const auto lead = create_lead({{"title", test::unique_name("Audit")}});
  ASSERT_EQ(send("PATCH", "/api/v2/leads/" + lead, R"({"address_city":"Rome"})").result_int(), 200);
  auto activity = send("GET", "/api/v2/leads/" + lead + "/activity");
  ASSERT_EQ(activity.result_int(), 200) << activity.body();
  EXPECT_EQ(text(json_of(activity).at("lead_id")), lead);
  EXPECT_EQ(json_of(activity).at("last_interaction_at"),
            json_of(send("GET", "/api/v2/leads/" + lead)).at("last_interaction_at"));

  auto audit = send("GET", "/api/v2/audit?entity_type=lead&entity_id=" + lead + "&limit=1");
  ASSERT_EQ(audit.result_int(), 200) << audit.body();
  auto page = json_of(audit);
  ASSERT_EQ(page.at("results").as_array().size(), 1u);
  EXPECT_EQ(page.at("results").as_array()[0].at("action"), "lead_updated");
  auto next = json_of(send("GET", path_of(page.at("next"))));
  ASSERT_EQ(next.at("results").as_array().size(), 1u);
  EXPECT_EQ(next.at("results").as_array()[0].at("action"), "lead_created");
  EXPECT_TRUE(next.at("next").is_null());
  auto back = json_of(send("GET", path_of(next.at("previous"))));
  ASSERT_EQ(back.at("results").as_array().size(), 1u);
  EXPECT_EQ(back.at("results").as_array()[0].at("action"), "lead_updated");
  EXPECT_TRUE(back.at("previous").is_null());
  EXPECT_EQ(send("GET", "/api/v2/audit").result_int(), 422);
}

// An RFC 3339 time `ago` before now.
std::string time_ago(std::chrono::seconds ago) {
  return format_rfc3339(
      std::chrono::time_point_cast<Timestamp::duration>(std::chrono::system_clock::now() - ago));
}

TEST_F(LeadsTest, LoggedActivitiesMoveTheInteractionAndCountIntoTheStats) {
  const auto lead = create_lead({{"title", test::unique_name("Calls")}});
  const auto path = "/api/v2/leads/" + lead;
  age(lead);
  const auto before = interaction_of(lead);

  auto call = send("POST", path + "/activities", R"({"kind":"call","summary":"Intro call"})");
  ASSERT_EQ(call.result_int(), 201) << call.body();
  const auto logged = json_of(call);
  EXPECT_EQ(logged.at("kind"), "call");
  EXPECT_EQ(logged.at("summary"), "Intro call");
  EXPECT_EQ(text(logged.at("lead_id")), lead);
  EXPECT_TRUE(logged.at("created_by").is_string());
  EXPECT_NE(interaction_of(lead), before);
  EXPECT_EQ(json_of(send("GET", path)).at("last_interaction_at"), logged.at("occurred_at"));

  // An e-mail of two days ago counts, but moves no interaction back.
  const auto two_days_ago = time_ago(std::chrono::hours(48));
  auto email = send("POST", path + "/activities",
                    R"({"kind":"email","occurred_at":")" + two_days_ago + R"("})");
  ASSERT_EQ(email.result_int(), 201) << email.body();
  EXPECT_EQ(json_of(send("GET", path)).at("last_interaction_at"), logged.at("occurred_at"));

  const auto stats = json_of(send("GET", path + "/activity"));
  EXPECT_EQ(stats.at("total_interactions"), 2);
  EXPECT_EQ(stats.at("total_emails"), 1);
  EXPECT_EQ(stats.at("total_events"), 0);
  EXPECT_EQ(stats.at("last_email_at"), json_of(email).at("occurred_at"));
  EXPECT_EQ(stats.at("last_interaction_at"), logged.at("occurred_at"));
  EXPECT_GT(stats.at("engagement_score").as_int64(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM audit_logs WHERE entity_id = $1"
                  " AND action = 'lead_activity_logged'",
                  pg::Params(lead)),
            2);
}

TEST_F(LeadsTest, ActivitiesAreListedNewestFirstInCursorPages) {
  const auto lead = create_lead({{"title", test::unique_name("Pages")}});
  const auto path = "/api/v2/leads/" + lead + "/activities";
  for (const int hours : {3, 1, 2})
    ASSERT_EQ(send("POST", path,
                   R"({"kind":"note","summary":")" + std::to_string(hours) +
                       R"(","occurred_at":")" + time_ago(std::chrono::hours(hours)) + R"("})")
                  .result_int(),
              201);
  const auto summaries = [](const boost::json::value& page) {
    std::vector<std::string> out;
    for (const auto& row : page.at("results").as_array()) out.push_back(text(row.at("summary")));
    return out;
  };
  auto first = json_of(send("GET", path + "?limit=2"));
  EXPECT_EQ(summaries(first), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(first.at("previous").is_null());
  auto second = json_of(send("GET", path_of(first.at("next"))));
  EXPECT_EQ(summaries(second), (std::vector<std::string>{"3"}));
  EXPECT_TRUE(second.at("next").is_null());
  EXPECT_EQ(summaries(json_of(send("GET", path_of(second.at("previous"))))),
            (std::vector<std::string>{"1", "2"}));
}

TEST_F(LeadsTest, BadActivitiesAreRefusedAndWriteNothing) {
  const auto lead = create_lead({{"title", test::unique_name("Bad")}});
  const auto path = "/api/v2/leads/" + lead + "/activities";
  const auto refused = [&](const std::string& body, const std::string& field) {
    auto response = send("POST", path, body);
    EXPECT_EQ(response.result_int(), 422) << body << " " << response.body();
    EXPECT_NE(response.body().find(field), std::string::npos) << response.body();
  };
  refused(R"({"kind":"meeting"})", "kind");
  refused(R"({"summary":"no kind"})", "kind");
  refused(R"({"kind":"call","occurred_at":"tomorrow"})", "occurred_at");
  refused(R"({"kind":"call","occurred_at":")" + time_ago(-std::chrono::hours(24)) + R"("})",
          "occurred_at");
  refused(R"({"kind":"call","summary":")" + std::string(2001, 'x') + R"("})", "summary");
  refused(R"({"kind":"call","duration":5})", "duration");
  EXPECT_EQ(
      send("POST", "/api/v2/leads/" + Uuid::random_v4().str() + "/activities", R"({"kind":"call"})")
          .result_int(),
      404);
  EXPECT_EQ(count("SELECT count(*) FROM lead_activities WHERE lead_id = $1", pg::Params(lead)), 0);
}

}  // namespace
}  // namespace crmd::http

namespace crmd::http {
namespace {

TEST_F(LeadsTest, ANewLeadStartsInTheFirstStatusAndCodesIgnoreCase) {
  auto created = send("POST", "/api/v2/leads", R"({"title":"Fresh"})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  EXPECT_EQ(json_of(created).at("status"), "NEW");
  auto contacted = send("POST", "/api/v2/leads", R"({"title":"Lower","status":"contacted"})");
  ASSERT_EQ(contacted.result_int(), 201) << contacted.body();
  EXPECT_EQ(json_of(contacted).at("status"), "CONTACTED");
}

TEST_F(LeadsTest, SalesUsersPickExistingTagsManagersCreateThem) {
  const auto sales = make_user("sales");
  const auto lead = create_lead_as(sales, {{"title", "Tagging"}});
  const auto known = test::unique_name("Known");
  create_at("/api/v2/tags", {{"name", known}});
  const auto path = "/api/v2/leads/" + lead + "/tags";
  auto picked = send_as(sales, "PUT", path, R"({"tags":[")" + known + R"("]})");
  EXPECT_EQ(picked.result_int(), 200) << picked.body();
  const auto fresh = test::unique_name("fresh");
  auto refused = send_as(sales, "PUT", path, R"({"tags":[")" + fresh + R"("]})");
  EXPECT_EQ(refused.result_int(), 422) << refused.body();
  EXPECT_EQ(count("SELECT count(*) FROM tags WHERE name = $1", pg::Params(fresh)), 0);
  EXPECT_EQ(send_as(sales, "POST", "/api/v2/tags", R"({"name":")" + fresh + R"("})").result_int(),
            403);
  // Names are unique whatever their case; the manager's PUT creates a new one.
  std::string other_case = known;
  for (char& c : other_case) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(send("POST", "/api/v2/tags", R"({"name":")" + other_case + R"("})").result_int(), 409);
  EXPECT_EQ(send("PUT", path, R"({"tags":[")" + fresh + R"("]})").result_int(), 200);
  EXPECT_EQ(count("SELECT count(*) FROM tags WHERE name = $1", pg::Params(fresh)), 1);
}

}  // namespace
}  // namespace crmd::http
