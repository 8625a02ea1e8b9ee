// Webhooks from outside: subscriptions, signed deliveries in event order to
// an in-process receiver, retries, disabling, replay, ping, and the guard
// against private targets.
#include <boost/json/parse.hpp>

#include "api_fixture.hpp"
#include "domain/common/crypto.hpp"
#include "fakes/http_server.hpp"

namespace crmd::http {
namespace {

using test::json_of;

config::Config webhook_config(bool allow_private) {
  auto config = test::api_config();
  config.webhooks_allow_private = allow_private;
  config.webhook_retry_base = std::chrono::milliseconds(1);
  return config;
}

class WebhooksTest : public test::ApiTest {
 protected:
  // Subscriptions of earlier tests (their receivers gone) would keep the
  // dispatcher busy failing: each test starts without any.
  WebhooksTest() : test::ApiTest(webhook_config(true)) { test::db_query("DELETE FROM webhooks"); }
  ~WebhooksTest() override { test::db_query("DELETE FROM webhooks"); }

  boost::json::object create(const std::string& url, const boost::json::array& events) {
    auto response =
        send("POST", "/api/v2/webhooks",
             boost::json::serialize(boost::json::object{{"url", url}, {"events", events}}));
    EXPECT_EQ(response.result_int(), 201) << response.body();
    return json_of(response);
  }
  std::vector<boost::json::value> deliveries(const std::string& webhook) {
    auto page = json_of(send("GET", "/api/v2/webhooks/" + webhook + "/deliveries?limit=100"));
    const auto& results = page.at("results").as_array();
    return {results.begin(), results.end()};
  }
};

// The v1 value of Crmd-Signature checks out with the secret.
bool signed_with(const std::string& secret, const std::string& header, const std::string& body) {
  const auto comma = header.find(",v1=");
  if (!header.starts_with("t=") || comma == std::string::npos) return false;
  const auto t = header.substr(2, comma - 2);
  const auto mac = hmac_sha256(secret, t + "." + body);
  return mac && header.substr(comma + 4, 64) == hex(*mac);
}

TEST_F(WebhooksTest, EventsArriveSignedAndInOrder) {
  test::FakeServer receiver(test::always({}));
  const auto hook = create(receiver.url("/hook"), {"contact.created"});
  const std::string id(hook.at("id").as_string()), secret(hook.at("secret").as_string());
  EXPECT_TRUE(secret.starts_with("whsec_"));
  EXPECT_FALSE(json_of(send("GET", "/api/v2/webhooks/" + id)).contains("secret"));

  std::vector<std::string> contacts;
  for (int i = 0; i < 5; ++i)
    contacts.push_back(
        create_at("/api/v2/contacts", {{"first_name", "Hooked " + std::to_string(i)}}));
  ASSERT_TRUE(test::eventually([&] { return receiver.requests() >= 5; }));
  const auto received = receiver.received();
  ASSERT_EQ(received.size(), 5u);
  for (std::size_t i = 0; i < received.size(); ++i) {
    const auto& request = received[i];
    const auto body = boost::json::parse(request.body());
    EXPECT_EQ(body.at("type"), "contact.created");
    EXPECT_EQ(body.at("entity_id"), contacts[i].c_str());  // in event order
    EXPECT_EQ(request["Crmd-Event-Type"], "contact.created");
    EXPECT_EQ(request["Crmd-Event-Id"], std::string(body.at("id").as_string()));
    EXPECT_TRUE(signed_with(secret, std::string(request["Crmd-Signature"]), request.body()))
        << request["Crmd-Signature"];
  }
  ASSERT_TRUE(test::eventually([&] {
    const auto listed = deliveries(id);
    return listed.size() == 5 && listed[0].at("status") == "delivered";
  }));
  EXPECT_EQ(deliveries(id)[0].at("status_code"), 200);
}

TEST_F(WebhooksTest, FailuresRetryThenFiftyInARowDisable) {
  // A 503 first, then 200s: the same event arrives twice, then it is delivered.
  test::FakeServer flaky([](std::size_t n) {
    test::Answer answer;
    if (n == 0) answer.status = 503;
    return answer;
  });
  const auto hook = create(flaky.url(), {"company"});
  const std::string id(hook.at("id").as_string());
  const auto company = create_at("/api/v2/companies", {{"name", test::unique_name("Hooked Co")}});
  ASSERT_TRUE(test::eventually([&] {
    const auto listed = deliveries(id);
    return !listed.empty() && listed[0].at("status") == "delivered";
  }));
  const auto received = flaky.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].body(), received[1].body());
  EXPECT_EQ(deliveries(id)[0].at("attempts"), 2);

  // Replayed, it is sent once more.
  const std::string delivery(deliveries(id)[0].at("id").as_string());
  EXPECT_EQ(
      send("POST", "/api/v2/webhooks/" + id + "/deliveries/" + delivery + "/replay").result_int(),
      202);
  ASSERT_TRUE(test::eventually([&] { return flaky.requests() >= 3; }));

  // 49 failures in a row already (backoff makes 49 real ones take hours):
  // the next one disables the subscription.
  test::FakeServer down(test::always({.status = 500}));
  const auto dead = create(down.url(), {"company"});
  const std::string dead_id(dead.at("id").as_string());
  test::db_query("UPDATE webhooks SET consecutive_failures = 49 WHERE id = $1",
                 pg::Params(Uuid::parse(dead_id)));
  create_at("/api/v2/companies", {{"name", test::unique_name("Unheard Co")}});
  ASSERT_TRUE(test::eventually(
      [&] { return !json_of(send("GET", "/api/v2/webhooks/" + dead_id)).at("active").as_bool(); }));
  const auto disabled = json_of(send("GET", "/api/v2/webhooks/" + dead_id));
  EXPECT_EQ(disabled.at("consecutive_failures"), 50);
  EXPECT_FALSE(disabled.at("disabled_reason").is_null());
  EXPECT_EQ(down.requests(), 1u);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM audit_logs WHERE entity_id = $1 AND event_type ="
                           " 'webhook.disabled'",
                           pg::Params(dead_id))
                .one()
                .get<std::int64_t>(0),
            1);
}

TEST_F(WebhooksTest, SubscriptionsAreManagedByAdminsWithRotatingSecrets) {
  test::FakeServer receiver(test::always({}));
  const auto hook = create(receiver.url(), {"lead", "contact.updated"});
  const std::string id(hook.at("id").as_string()), first(hook.at("secret").as_string());

  auto pinged = send("POST", "/api/v2/webhooks/" + id + "/ping");
  ASSERT_EQ(pinged.result_int(), 200) << pinged.body();
  EXPECT_EQ(json_of(pinged).at("status"), "delivered");
  ASSERT_EQ(receiver.requests(), 1u);
  EXPECT_EQ(receiver.received()[0]["Crmd-Event-Type"], "webhook.ping");

  auto rotated = send("POST", "/api/v2/webhooks/" + id + "/rotate-secret");
  ASSERT_EQ(rotated.result_int(), 200) << rotated.body();
  const std::string second(json_of(rotated).at("secret").as_string());
  EXPECT_NE(second, first);
  EXPECT_FALSE(json_of(rotated).at("previous_secret_until").is_null());
  ASSERT_EQ(send("POST", "/api/v2/webhooks/" + id + "/ping").result_int(), 200);
  // Both secrets sign while the old one is honoured.
  const auto header = std::string(receiver.received()[1]["Crmd-Signature"]);
  EXPECT_EQ(std::count(header.begin(), header.end(), 'v'), 2) << header;
  EXPECT_TRUE(signed_with(second, header, receiver.received()[1].body()));

  auto patched = send("PATCH", "/api/v2/webhooks/" + id, R"({"active":false})");
  ASSERT_EQ(patched.result_int(), 200) << patched.body();
  EXPECT_FALSE(json_of(patched).at("active").as_bool());
  EXPECT_EQ(send("PATCH", "/api/v2/webhooks/" + id, R"({"events":["nope"]})").result_int(), 422);
  EXPECT_EQ(send("POST", "/api/v2/webhooks", R"({"url":"ftp://x","events":["*"]})").result_int(),
            422);

  const auto sales = make_user("sales");
  EXPECT_EQ(send_as(sales, "GET", "/api/v2/webhooks").result_int(), 403);
  EXPECT_EQ(send("GET", "/api/v2/webhooks?limit=100").result_int(), 200);
  EXPECT_EQ(send("DELETE", "/api/v2/webhooks/" + id).result_int(), 204);
  EXPECT_EQ(send("GET", "/api/v2/webhooks/" + id).result_int(), 404);
}

// Without CRMD_WEBHOOKS_ALLOW_PRIVATE: https only, and an address that is
// not public is refused when connecting, whatever name led to it.
class PrivateTargetsTest : public test::ApiTest {
 protected:
  PrivateTargetsTest() : test::ApiTest(webhook_config(false)) {}
  ~PrivateTargetsTest() override { test::db_query("DELETE FROM webhooks"); }
};

TEST_F(PrivateTargetsTest, PlainHttpAndPrivateAddressesAreRefused) {
  EXPECT_EQ(send("POST", "/api/v2/webhooks", R"({"url":"http://example.com/x","events":["*"]})")
                .result_int(),
            422);
  test::FakeServer receiver(test::always({}));
  auto created = send(
      "POST", "/api/v2/webhooks",
      R"({"url":"https://localhost:)" + std::to_string(receiver.port()) + R"(/x","events":["*"]})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const std::string id(json_of(created).at("id").as_string());
  auto pinged = json_of(send("POST", "/api/v2/webhooks/" + id + "/ping"));
  EXPECT_EQ(pinged.at("status"), "failed");
  EXPECT_NE(std::string(pinged.at("error").as_string()).find("address_not_allowed"),
            std::string::npos)
      << pinged;
  EXPECT_EQ(receiver.connections(), 0u);
}

}  // namespace
}  // namespace crmd::http
