// Lists refuse parameters they do not know (a typo must not return the
// whole list), and take the filters integrators look for.
#include <set>

#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class ListParametersTest : public test::JobServerTest {};

TEST_F(ListParametersTest, AnUnknownParameterIs422NamingIt) {
  for (const char* target :
       {"/api/v2/contacts?emial=a@b.com", "/api/v2/contacts?owner_user_id=x",
        "/api/v2/contacts?page=2", "/api/v1/contacts/?page=2", "/api/v2/companies?nmae=acme",
        "/api/v2/leads?disqualified=true", "/api/v2/jobs?state=running", "/api/v2/users?offset=5",
        "/api/v2/audit?entity_type=user&x=1"}) {
    auto response = send("GET", target);
    ASSERT_EQ(response.result_int(), 422) << target << ": " << response.body();
    EXPECT_EQ(json_of(response).at("error_code"), "unknown_query_parameter") << target;
  }
  EXPECT_EQ(send("GET", "/api/v2/contacts?limit=5&ordering=-name&count=true").result_int(), 200);
}

TEST_F(ListParametersTest, RepeatedFiltersAreCapped) {
  std::string target = "/api/v2/contacts?";
  for (int i = 0; i < 21; ++i)
    target += "employees=" + std::to_string(i) + "-" + std::to_string(i + 1) + "&";
  EXPECT_EQ(send("GET", target).result_int(), 422);
}

// unique_name's '_' is not allowed in host names.
std::string host_safe(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

TEST_F(ListParametersTest, ContactsFilterByEmailAndEmailDomain) {
  const auto name = host_safe(test::unique_name("mail"));
  const auto email = name + "@Filter-" + name + ".example";
  const auto id = create_at("/api/v2/contacts", {{"first_name", "Mail"}, {"email", email}});
  create_at("/api/v2/contacts", {{"first_name", "Other"}, {"email", name + "@else.example"}});
  auto by_email =
      json_of(send("GET", "/api/v2/contacts?email=" + name + "@filter-" + name + ".EXAMPLE"));
  ASSERT_EQ(by_email.at("results").as_array().size(), 1u);
  EXPECT_EQ(by_email.at("results").at(0).at("id").as_string(), id);
  auto by_domain =
      json_of(send("GET", "/api/v2/contacts?email_domain=filter-" + name + ".example"));
  ASSERT_EQ(by_domain.at("results").as_array().size(), 1u);
  EXPECT_EQ(by_domain.at("results").at(0).at("id").as_string(), id);
}

TEST_F(ListParametersTest, CompaniesFilterByWholeNameAndDomain) {
  const auto name = host_safe(test::unique_name("Named"));
  const auto id =
      create_at("/api/v2/companies", {{"name", name + ", Inc."}, {"domain", name + ".example"}});
  create_at("/api/v2/companies", {{"name", name + " Labs"}});
  auto by_name = json_of(send("GET", "/api/v2/companies?name=" + name));
  ASSERT_EQ(by_name.at("results").as_array().size(), 1u);
  EXPECT_EQ(by_name.at("results").at(0).at("id").as_string(), id);
  auto by_domain = json_of(send("GET", "/api/v2/companies?domain=" + name + ".example"));
  ASSERT_EQ(by_domain.at("results").as_array().size(), 1u);
}

TEST_F(ListParametersTest, TheJobPoolExportsItsMetrics) {
  auto started = send("POST", "/api/v2/exports/contacts", "{}");
  ASSERT_EQ(started.result_int(), 202) << started.body();
  finished(std::string(started[beast_http::field::location]));
  test::db_query("INSERT INTO jobs (kind, status) VALUES ('metrics_probe', 'pending')");
  const auto metrics = client.request("GET", "/metrics").body();
  EXPECT_NE(
      metrics.find(R"(crmd_job_run_seconds_count{kind="export_contacts",outcome="completed"})"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(crmd_job_queue_depth{kind="metrics_probe",status="pending"})"),
            std::string::npos);
  EXPECT_NE(metrics.find("crmd_job_rescued_total"), std::string::npos);
  test::db_query("DELETE FROM jobs WHERE kind = 'metrics_probe'");
}

TEST_F(ListParametersTest, AnExportWithAnEmptyObjectExportsTheFilteredList) {
  auto started = send("POST", "/api/v2/exports/contacts", "{}");
  EXPECT_EQ(started.result_int(), 202) << started.body();
  const auto job = finished(std::string(started[beast_http::field::location]));
  EXPECT_EQ(job.at("status"), "completed") << boost::json::serialize(job);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM audit_logs WHERE action = 'contacts_exported'"
                           " AND entity_id = $1",
                           pg::Params(std::string(job.at("id").as_string())))
                .one()
                .get<std::int64_t>(0),
            1);
}

}  // namespace
}  // namespace crmd::http

namespace crmd::http {
namespace {

// Short lists read whole answer the same cursor pages as every list.
TEST_F(ListParametersTest, ShortListsPageBothWaysLikeEveryList) {
  const auto contact = create_at("/api/v2/contacts", {{"first_name", "Paged"}});
  for (int i = 0; i < 5; ++i)
    create_at("/api/v2/contacts/" + contact + "/methods",
              {{"type", "phone"}, {"value", "+4711111" + std::to_string(10 + i)}});
  const std::string first_page = "/api/v2/contacts/" + contact + "/methods?limit=2";
  std::vector<std::string> seen;
  std::string target = first_page;
  std::string last_previous;
  for (int page = 0; page < 3; ++page) {
    const auto body = json_of(send("GET", target));
    for (const auto& row : body.at("results").as_array())
      seen.emplace_back(row.at("id").as_string());
    EXPECT_EQ(body.at("previous").is_null(), page == 0);
    if (body.at("previous").is_string()) last_previous = path_of(body.at("previous"));
    if (page < 2)
      target = path_of(body.at("next"));
    else
      EXPECT_TRUE(body.at("next").is_null());
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u);
  // Back from the last page: the two before it.
  const auto back = json_of(send("GET", last_previous));
  ASSERT_EQ(back.at("results").as_array().size(), 2u);
  EXPECT_EQ(back.at("results").at(0).at("id").as_string(), seen[2]);
  EXPECT_EQ(back.at("results").at(1).at("id").as_string(), seen[3]);
  for (const char* list :
       {"/api/v2/tags", "/api/v2/lead-statuses", "/api/v2/lead-origins", "/api/v2/api-keys"}) {
    const auto body = json_of(send("GET", std::string(list) + "?limit=1"));
    EXPECT_TRUE(body.contains("next") && body.contains("previous")) << list;
    EXPECT_LE(body.at("results").as_array().size(), 1u) << list;
    EXPECT_EQ(send("GET", std::string(list) + "?page=2").result_int(), 422) << list;
  }
}

}  // namespace
}  // namespace crmd::http
