// Links are built from CRMD_PUBLIC_URL or the listen address, never from the
// client's Host; X-Forwarded-* count only from CRMD_TRUSTED_PROXIES; and
// /metrics can be guarded by a token.
#include "api_fixture.hpp"

namespace crmd::http {
namespace {

using test::json_of;

class LinksTest : public test::ApiTest {
 protected:
  explicit LinksTest(config::Config config = test::api_config()) : ApiTest(std::move(config)) {}

  std::string next_link(const std::string& headers = "") {
    for (int i = 0; i < 2; ++i) create_at("/api/v2/companies", {{"name", test::unique_name("L")}});
    auto page = client.request("GET", "/api/v2/companies?limit=1", "",
                               "Authorization: Bearer " + token + "\r\n" + headers);
    EXPECT_EQ(page.result_int(), 200) << page.body();
    return std::string(json_of(page).at("next").as_string());
  }
};

TEST_F(LinksTest, LinksIgnoreTheHostHeaderAndUseTheListenAddress) {
  const auto link = next_link();  // the client sent "Host: test"
  EXPECT_TRUE(link.starts_with("http://127.0.0.1:" + std::to_string(server.port()) + "/api/v2/"))
      << link;
}

TEST_F(LinksTest, AnInvalidHostIs400) {
  for (const char* host : {"a b", "user@host", "[::1", "x:y:z", "127.0.0.1\r\nHost: two"}) {
    test::RawClient raw(server.port());
    raw.send(std::string("GET /health HTTP/1.1\r\nHost: ") + host + "\r\n\r\n");
    EXPECT_EQ(raw.read().result_int(), 400) << host;
  }
}

TEST_F(LinksTest, ForwardedHeadersFromAnUntrustedPeerAreIgnored) {
  const auto link = next_link("X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n");
  EXPECT_EQ(link.find("evil"), std::string::npos) << link;
}

config::Config public_config() {
  auto config = test::api_config();
  config.public_url = "https://crm.example.com";
  return config;
}

class PublicUrlTest : public LinksTest {
 protected:
  PublicUrlTest() : LinksTest(public_config()) {}
};

TEST_F(PublicUrlTest, LinksStartWithThePublicUrl) {
  EXPECT_TRUE(next_link().starts_with("https://crm.example.com/api/v2/companies?"));
}

config::Config proxied_config() {
  auto config = test::api_config();
  config.trusted_proxies = {"127.0.0.0/8"};
  config.metrics_token = "a-metrics-token-for-tests";
  return config;
}

class TrustedProxyTest : public LinksTest {
 protected:
  TrustedProxyTest() : LinksTest(proxied_config()) {}
};

TEST_F(TrustedProxyTest, ATrustedProxyNamesTheHostAndTheClient) {
  const auto link = next_link(
      "X-Forwarded-Host: crm.example.org\r\nX-Forwarded-Proto: https\r\n"
      "X-Forwarded-For: 203.0.113.9, 127.0.0.2\r\n");
  EXPECT_TRUE(link.starts_with("https://crm.example.org/api/v2/")) << link;
  // The client address recorded with a change is the forwarded one.
  auto created = client.request("POST", "/api/v2/companies",
                                R"({"name":")" + test::unique_name("Fwd") + R"("})",
                                "Authorization: Bearer " + token +
                                    "\r\nContent-Type: application/json\r\n"
                                    "X-Forwarded-For: 203.0.113.9\r\n");
  ASSERT_EQ(created.result_int(), 201);
  EXPECT_EQ(test::db_query("SELECT ip FROM audit_logs WHERE entity_id = $1",
                           pg::Params(std::string(json_of(created).at("id").as_string())))
                .one()
                .get<std::string>(0),
            "203.0.113.9");
}

TEST_F(TrustedProxyTest, MetricsNeedTheTokenWhenOneIsSet) {
  EXPECT_EQ(client.request("GET", "/metrics").result_int(), 401);
  EXPECT_EQ(client.request("GET", "/metrics", "", "Authorization: Bearer wrong\r\n").result_int(),
            401);
  auto scraped =
      client.request("GET", "/metrics", "", "Authorization: Bearer a-metrics-token-for-tests\r\n");
  EXPECT_EQ(scraped.result_int(), 200);
  EXPECT_NE(scraped.body().find("crmd_internal_errors_total"), std::string::npos);
}

TEST_F(LinksTest, JsonAnswersAreNosniffAndAuthenticatedOnesNoStore) {
  auto anonymous = client.request("GET", "/health");
  EXPECT_EQ(anonymous["X-Content-Type-Options"], "nosniff");
  EXPECT_TRUE(anonymous[beast_http::field::cache_control].empty());
  auto listed = send("GET", "/api/v2/contacts");
  EXPECT_EQ(listed["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(listed[beast_http::field::cache_control], "no-store");
}

}  // namespace
}  // namespace crmd::http
