#include <crypt.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <set>

#include "domain/identity/jwt.hpp"
#include "server/http/json.hpp"
#include "support/test_support.hpp"

namespace crmd::http {
namespace {

namespace asio = boost::asio;
using beast_http::verb;
using test::json_of;
using test::RawClient;
using test::RunningServer;

constexpr const char* kAdminEmail = "admin@crmd.test";
constexpr const char* kAdminPassword = "admin-password-for-tests";
constexpr const char* kSecret = "test-secret-that-is-at-least-32-bytes-long";

config::Config identity_config() {
  auto config = test::test_config();
  config.jwt_secret = kSecret;
  config.admin_email = kAdminEmail;
  config.admin_password = kAdminPassword;
  config.contacts_write_key = "configured-write-key";
  config.login_max_failures = 3;
  return config;
}

void add_level_routes(server::App& app) {
  auto ok = [](Request& request) -> asio::awaitable<Response> {
    co_return json_response(
        request, beast_http::status::ok,
        boost::json::object{{"kind", identity::actor_type(*request.principal)}});
  };
  app.router().add(verb::get, "/test/sales", Access::sales, ok);
  app.router().add(verb::get, "/test/manager", Access::manager, ok);
  app.router().add(verb::get, "/test/admin", Access::admin, ok);
  app.router().add(verb::post, "/test/v1", Access::write_key, ok, {.scope = "contacts:write"});
  app.router().add(verb::get, "/test/v1", Access::write_key_or_bearer, ok,
                   {.scope = "contacts:read"});
}

std::string bearer(const std::string& token) {
  return "Authorization: Bearer " + token + "\r\n";
}

class IdentityTest : public ::testing::Test {
 protected:
  IdentityTest() : server(add_level_routes, identity_config()), client(server.port()) {}

  test::HttpResponse post_json(const std::string& target, const boost::json::value& body,
                               const std::string& headers = "") {
    return client.request("POST", target, boost::json::serialize(body),
                          "Content-Type: application/json\r\n" + headers);
  }
  test::HttpResponse login(const std::string& email, const std::string& password) {
    return post_json("/api/v2/auth/login", {{"email", email}, {"password", password}});
  }
  std::string admin_token() {
    auto response = login(kAdminEmail, kAdminPassword);
    EXPECT_EQ(response.result_int(), 200) << response.body();
    return std::string(json_of(response).at("access_token").as_string());
  }
  // A new user of the role; returns its e-mail (the password is "password-<email>").
  std::string make_user(const std::string& role) {
    const auto email = test::unique_name(role) + "@crmd.test";
    auto response = post_json(
        "/api/v2/users",
        {{"email", email}, {"name", "T"}, {"password", "password-" + email}, {"role", role}},
        bearer(admin_token()));
    EXPECT_EQ(response.result_int(), 201) << response.body();
    return email;
  }
  boost::json::object session_of(const std::string& email) {
    auto response = login(email, "password-" + email);
    EXPECT_EQ(response.result_int(), 200) << response.body();
    return json_of(response);
  }
  std::string token_of(const std::string& role) {
    return std::string(session_of(make_user(role)).at("access_token").as_string());
  }

  RunningServer server;
  RawClient client;
};

TEST_F(IdentityTest, LoginIssuesBearerTokensAndMeAnswers) {
  auto response = login(kAdminEmail, kAdminPassword);
  ASSERT_EQ(response.result_int(), 200) << response.body();
  auto body = json_of(response);
  EXPECT_EQ(body.at("token_type"), "bearer");
  EXPECT_EQ(body.at("expires_in"), 1800);
  EXPECT_EQ(body.at("user").at("role"), "admin");
  EXPECT_FALSE(body.at("refresh_token").as_string().empty());
  auto me = client.request("GET", "/api/v2/auth/me", "",
                           bearer(std::string(body.at("access_token").as_string())));
  ASSERT_EQ(me.result_int(), 200) << me.body();
  EXPECT_EQ(json_of(me).at("email"), kAdminEmail);
  EXPECT_EQ(json_of(me).at("role"), "admin");
}

TEST_F(IdentityTest, EmailIsCaseInsensitive) {
  EXPECT_EQ(login("ADMIN@crmd.TEST", kAdminPassword).result_int(), 200);
}

TEST_F(IdentityTest, WrongPasswordAndUnknownEmailAnswerAlike) {
  auto wrong = login(make_user("sales"), "not-the-password");
  auto unknown = login(test::unique_name("nobody") + "@crmd.test", "whatever-password");
  EXPECT_EQ(wrong.result_int(), 401);
  EXPECT_EQ(unknown.result_int(), 401);
  EXPECT_EQ(json_of(wrong).at("detail"), json_of(unknown).at("detail"));
  EXPECT_EQ(json_of(wrong).at("error_code"), json_of(unknown).at("error_code"));
}

TEST_F(IdentityTest, RefreshRotatesAndReuseRevokesTheFamily) {
  auto first = session_of(make_user("sales"));
  const std::string old_refresh(first.at("refresh_token").as_string());
  auto rotated = post_json("/api/v2/auth/refresh", {{"refresh_token", old_refresh}});
  ASSERT_EQ(rotated.result_int(), 200) << rotated.body();
  const std::string new_refresh(json_of(rotated).at("refresh_token").as_string());
  EXPECT_NE(new_refresh, old_refresh);
  // Reusing the rotated token is refused and ends the whole family...
  EXPECT_EQ(post_json("/api/v2/auth/refresh", {{"refresh_token", old_refresh}}).result_int(), 401);
  // ...so the token it was rotated into stops working too.
  EXPECT_EQ(post_json("/api/v2/auth/refresh", {{"refresh_token", new_refresh}}).result_int(), 401);
}

TEST_F(IdentityTest, LogoutRevokesTheRefreshToken) {
  auto session = session_of(make_user("sales"));
  const std::string refresh(session.at("refresh_token").as_string());
  EXPECT_EQ(post_json("/api/v2/auth/logout", {{"refresh_token", refresh}}).result_int(), 204);
  EXPECT_EQ(post_json("/api/v2/auth/refresh", {{"refresh_token", refresh}}).result_int(), 401);
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

boost::json::object access_claims(const std::string& subject) {
  const auto now = now_seconds();
  return {{"sub", subject}, {"role", "admin"}, {"type", "access"}, {"jti", Uuid::random_v4().str()},
          {"iat", now},     {"exp", now + 600}};
}

std::string admin_id() {
  return test::db_query("SELECT id::text FROM users WHERE email = $1", pg::Params(kAdminEmail))
      .one()
      .get<std::string>(0);
}

TEST_F(IdentityTest, ForgedAndUnfitTokensAreRefused) {
  admin_token();  // makes sure the admin exists
  const auto id = admin_id();
  auto status_with = [&](const std::string& token) {
    auto response = client.request("GET", "/api/v2/auth/me", "", bearer(token));
    if (response.result_int() == 401)
      EXPECT_EQ(response[beast_http::field::www_authenticate], "Bearer");
    return response.result_int();
  };
  EXPECT_EQ(status_with(identity::sign_hs256(access_claims(id), kSecret)), 200);

  auto expired = access_claims(id);
  expired["exp"] = now_seconds() - 3600;
  EXPECT_EQ(status_with(identity::sign_hs256(expired, kSecret)), 401);

  auto not_yet = access_claims(id);
  not_yet["nbf"] = now_seconds() + 3600;
  EXPECT_EQ(status_with(identity::sign_hs256(not_yet, kSecret)), 401);

  auto refresh_type = access_claims(id);
  refresh_type["type"] = "refresh";
  EXPECT_EQ(status_with(identity::sign_hs256(refresh_type, kSecret)), 401);

  EXPECT_EQ(
      status_with(identity::sign_hs256(access_claims(id), "another-secret-of-at-least-32-bytes!")),
      401);

  const auto payload = identity::base64url_encode(boost::json::serialize(access_claims(id)));
  const auto none = identity::base64url_encode(R"({"alg":"none","typ":"JWT"})");
  EXPECT_EQ(status_with(none + "." + payload + "."), 401);
  // Header swapped to another algorithm over a valid HS256 signature.
  const auto valid = identity::sign_hs256(access_claims(id), kSecret);
  const auto signature = valid.substr(valid.rfind('.') + 1);
  const auto hs512 = identity::base64url_encode(R"({"alg":"HS512","typ":"JWT"})");
  EXPECT_EQ(status_with(hs512 + "." + payload + "." + signature), 401);
  EXPECT_EQ(status_with("not-a-token"), 401);
}

TEST_F(IdentityTest, ATokenFromAnIndependentJwtLibraryIsAccepted) {
  admin_token();
  const auto id = admin_id();
  const std::string script =
      "import jwt, time, uuid; now = int(time.time()); print(jwt.encode({'sub': '" + id +
      "', 'role': 'admin', 'type': 'access', 'jti': str(uuid.uuid4()), 'iat': now, 'exp': now + "
      "600}, '" +
      kSecret + "', algorithm='HS256'))";
  FILE* pipe = popen(("/usr/bin/python3 -c \"" + script + "\"").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[2048] = {};
  ASSERT_NE(std::fgets(buffer, sizeof buffer, pipe), nullptr) << "is python3-jwt installed?";
  ASSERT_EQ(pclose(pipe), 0);
  std::string token(buffer);
  while (!token.empty() && token.back() == '\n') token.pop_back();
  auto me = client.request("GET", "/api/v2/auth/me", "", bearer(token));
  EXPECT_EQ(me.result_int(), 200) << me.body();
}

TEST_F(IdentityTest, EachRouteLevelAdmitsItsRolesOnly) {
  const std::map<std::string, std::string> tokens{
      {"sales", token_of("sales")}, {"manager", token_of("manager")}, {"admin", admin_token()}};
  const std::vector<std::string> levels{"sales", "manager", "admin"};
  for (std::size_t route = 0; route < levels.size(); ++route) {
    const auto target = "/test/" + levels[route];
    EXPECT_EQ(client.request("GET", target).result_int(), 401) << target;
    for (std::size_t role = 0; role < levels.size(); ++role) {
      const auto status =
          client.request("GET", target, "", bearer(tokens.at(levels[role]))).result_int();
      EXPECT_EQ(status, role >= route ? 200 : 403) << levels[role] << " on " << target;
    }
  }
}

TEST_F(IdentityTest, WriteKeysMissingWrongRevokedAndValid) {
  auto with_key = [&](const std::string& key) {
    return client
        .request("POST", "/test/v1", "{}",
                 "Content-Type: application/json\r\nX-Contacts-Write-Key: " + key + "\r\n")
        .result_int();
  };
  EXPECT_EQ(client.request("POST", "/test/v1", "{}").result_int(), 401);
  EXPECT_EQ(with_key("wrong"), 403);
  EXPECT_EQ(with_key("configured-write-key"), 200);

  const auto admin = admin_token();
  auto created = post_json("/api/v2/api-keys", {{"name", "importer"}}, bearer(admin));
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const std::string key(json_of(created).at("key").as_string());
  const std::string id(json_of(created).at("id").as_string());
  EXPECT_EQ(with_key(key), 200);
  EXPECT_EQ(with_key(key.substr(0, key.size() - 1) + (key.back() == 'A' ? "B" : "A")), 403);

  auto listed = client.request("GET", "/api/v2/api-keys", "", bearer(admin));
  EXPECT_EQ(listed.body().find(key.substr(14)), std::string::npos) << "the secret is shown once";

  EXPECT_EQ(client.request("DELETE", "/api/v2/api-keys/" + id, "", bearer(admin)).result_int(),
            204);
  EXPECT_EQ(with_key(key), 403);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM audit_logs WHERE entity_id = $1 AND action IN"
                           " ('api_key_created', 'api_key_revoked')",
                           pg::Params(id))
                .one()
                .get<std::int64_t>(0),
            2);
  // v1 reads also take a bearer token.
  EXPECT_EQ(client.request("GET", "/test/v1", "", bearer(admin)).result_int(), 200);
}

TEST_F(IdentityTest, BcryptHashIsAcceptedThenRehashedToArgon2id) {
  const auto email = test::unique_name("legacy") + "@crmd.test";
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting), nullptr);
  crypt_data data{};
  const char* hash = crypt_rn("legacy-password", setting, &data, sizeof data);
  ASSERT_NE(hash, nullptr);
  test::db_query("INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'sales')",
                 pg::Params(email, std::string(hash)));
  EXPECT_EQ(login(email, "legacy-password").result_int(), 200);
  auto stored =
      test::db_query("SELECT password_hash FROM users WHERE email = $1", pg::Params(email))
          .one()
          .get<std::string>(0);
  EXPECT_TRUE(stored.starts_with("$argon2id$")) << stored;
  EXPECT_EQ(login(email, "legacy-password").result_int(), 200);
  EXPECT_EQ(login(email, "wrong-password").result_int(), 401);
}

TEST_F(IdentityTest, FailedLoginsAreRateLimited) {
  const auto email = make_user("sales");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login(email, "bad-password").result_int(), 401);
  auto limited = login(email, "password-" + email);  // even the right password now
  EXPECT_EQ(limited.result_int(), 429);
  EXPECT_FALSE(limited[beast_http::field::retry_after].empty());
  EXPECT_EQ(json_of(limited).at("error_code"), "too_many_attempts");
  EXPECT_GE(
      test::db_query("SELECT count(*) FROM audit_logs a JOIN users u ON a.entity_id = u.id::text"
                     " WHERE u.email = $1 AND a.action = 'sign_in_failed'",
                     pg::Params(email))
          .one()
          .get<std::int64_t>(0),
      3);
}

TEST_F(IdentityTest, ParallelWrongPasswordsCannotRaceTheLimit) {
  const auto email = make_user("sales");
  const auto body =
      boost::json::serialize(boost::json::object{{"email", email}, {"password", "wrong-password"}});
  std::vector<std::unique_ptr<test::RawClient>> clients;
  for (int i = 0; i < 30; ++i) {
    clients.push_back(std::make_unique<test::RawClient>(server.port()));
    clients.back()->send(
        "POST /api/v2/auth/login HTTP/1.1\r\nHost: t\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  int refused = 0, limited = 0;
  for (auto& c : clients) {
    const auto status = c->read().result_int();
    refused += status == 401;
    limited += status == 429;
  }
  EXPECT_LE(refused, 3);
  EXPECT_EQ(refused + limited, 30);
  // A success releases its attempt: the next right password is not held back.
  const auto fresh = make_user("sales");
  EXPECT_EQ(login(fresh, "bad-password").result_int(), 401);
  EXPECT_EQ(login(fresh, "password-" + fresh).result_int(), 200);
  EXPECT_EQ(login(fresh, "password-" + fresh).result_int(), 200);
  EXPECT_EQ(login(fresh, "password-" + fresh).result_int(), 200);
}

TEST_F(IdentityTest, AdminsManageUsersAndRoleChangesAreAudited) {
  const auto admin = admin_token();
  const auto email = make_user("sales");
  auto session = session_of(email);
  const std::string id(session.at("user").at("id").as_string());
  const std::string token(session.at("access_token").as_string());

  auto duplicate =
      post_json("/api/v2/users", {{"email", email}, {"password", "long-enough"}, {"role", "sales"}},
                bearer(admin));
  EXPECT_EQ(duplicate.result_int(), 409);

  auto mass = client.request("PATCH", "/api/v2/users/" + id, R"({"id":"x","created_at":"y"})",
                             "Content-Type: application/json\r\n" + bearer(admin));
  EXPECT_EQ(mass.result_int(), 422);
  EXPECT_EQ(json_of(mass).at("errors").as_array().size(), 2u);

  auto promoted = client.request("PATCH", "/api/v2/users/" + id, R"({"role":"manager"})",
                                 "Content-Type: application/json\r\n" + bearer(admin));
  ASSERT_EQ(promoted.result_int(), 200) << promoted.body();
  EXPECT_EQ(json_of(promoted).at("role"), "manager");
  auto audit = test::db_query(
      "SELECT before->>'role', after->>'role', actor_type FROM audit_logs"
      " WHERE entity_id = $1 AND action = 'role_changed'",
      pg::Params(id));
  ASSERT_EQ(audit.rows(), 1);
  EXPECT_EQ(audit[0].get<std::string>(0), "sales");
  EXPECT_EQ(audit[0].get<std::string>(1), "manager");
  EXPECT_EQ(audit[0].get<std::string>(2), "user");
  // The promotion shows at once (the cached user is dropped).
  EXPECT_EQ(client.request("GET", "/test/manager", "", bearer(token)).result_int(), 200);

  EXPECT_EQ(client.request("DELETE", "/api/v2/users/" + id, "", bearer(admin)).result_int(), 200);
  EXPECT_EQ(client.request("GET", "/api/v2/auth/me", "", bearer(token)).result_int(), 401);
  EXPECT_EQ(client.request("GET", "/api/v2/users/not-a-uuid", "", bearer(admin)).result_int(), 404);
  EXPECT_EQ(client.request("GET", "/api/v2/users/" + Uuid::random_v4().str(), "", bearer(admin))
                .result_int(),
            404);

  auto list = client.request("GET", "/api/v2/users?limit=1", "", bearer(admin));
  ASSERT_EQ(list.result_int(), 200);
  EXPECT_EQ(json_of(list).at("results").as_array().size(), 1u);
  EXPECT_TRUE(json_of(list).at("next").is_string());
}

TEST_F(IdentityTest, CreatingAUserHonoursIdempotencyKey) {
  const auto admin = admin_token();
  const auto email = test::unique_name("idem") + "@crmd.test";
  const boost::json::object body{
      {"email", email}, {"password", "long-enough-password"}, {"role", "sales"}};
  const auto headers = bearer(admin) + "Idempotency-Key: " + test::unique_name("k") + "\r\n";
  auto first = post_json("/api/v2/users", body, headers);
  auto retry = post_json("/api/v2/users", body, headers);
  ASSERT_EQ(first.result_int(), 201) << first.body();
  EXPECT_EQ(retry.result_int(), 201) << retry.body();  // not 409: the first answer again
  EXPECT_EQ(json_of(retry).at("id"), json_of(first).at("id"));
}

TEST_F(IdentityTest, UserPagesFollowNextLinksWithoutGapsOrRepeats) {
  const auto admin = admin_token();
  const std::set<std::string> made{make_user("sales"), make_user("sales"), make_user("sales")};
  std::set<std::string> seen_ids, seen_emails;
  std::string target = "/api/v2/users?limit=2";
  for (int page = 0; page < 1000 && !target.empty(); ++page) {
    auto response = client.request("GET", target, "", bearer(admin));
    ASSERT_EQ(response.result_int(), 200) << response.body();
    auto body = json_of(response);
    for (const auto& user : body.at("results").as_array()) {
      EXPECT_TRUE(seen_ids.insert(std::string(user.at("id").as_string())).second) << "repeated";
      seen_emails.insert(std::string(user.at("email").as_string()));
    }
    target.clear();
    if (body.at("next").is_string()) {
      const std::string next(body.at("next").as_string());
      // On the listen address, not the client's Host ("test").
      const auto base = "http://127.0.0.1:" + std::to_string(server.port());
      ASSERT_TRUE(next.starts_with(base + "/api/v2/users?")) << next;
      target = next.substr(base.size());
    }
  }
  for (const auto& email : made) EXPECT_TRUE(seen_emails.contains(email)) << email;
  // And back: the second page's previous link is the first page.
  const auto base = "http://127.0.0.1:" + std::to_string(server.port());
  auto first = json_of(client.request("GET", "/api/v2/users?limit=2", "", bearer(admin)));
  auto second = json_of(client.request(
      "GET", std::string(first.at("next").as_string()).substr(base.size()), "", bearer(admin)));
  ASSERT_TRUE(second.at("previous").is_string());
  auto back = json_of(
      client.request("GET", std::string(second.at("previous").as_string()).substr(base.size()), "",
                     bearer(admin)));
  EXPECT_EQ(back.at("results"), first.at("results"));
  EXPECT_EQ(client.request("GET", "/api/v2/users?cursor=garbage", "", bearer(admin)).result_int(),
            400);
}

TEST_F(IdentityTest, SignInsAreAudited) {
  const auto email = make_user("sales");
  session_of(email);
  EXPECT_EQ(
      test::db_query("SELECT count(*) FROM audit_logs a JOIN users u ON a.entity_id = u.id::text"
                     " WHERE u.email = $1 AND a.action = 'sign_in' AND a.request_id IS NOT NULL"
                     " AND a.ip = '127.0.0.1'",
                     pg::Params(email))
          .one()
          .get<std::int64_t>(0),
      1);
}

TEST(IdentityExternal, ProviderTokensMapToRolesThroughUserRoles) {
  auto config = identity_config();
  config.external_jwt_secret = "external-provider-secret-of-32-bytes!!";
  RunningServer server(add_level_routes, config);
  RawClient client(server.port());
  const auto subject = Uuid::random_v4().str();
  const auto now = now_seconds();
  boost::json::object claims{{"sub", subject},
                             {"email", "ext@crmd.test"},
                             {"role", "authenticated"},
                             {"app_metadata", boost::json::object{{"role", "manager"}}},
                             {"iat", now},
                             {"exp", now + 600}};
  const auto token = identity::sign_hs256(claims, config.external_jwt_secret);
  auto me = client.request("GET", "/api/v2/auth/me", "", bearer(token));
  ASSERT_EQ(me.result_int(), 200) << me.body();
  EXPECT_EQ(json_of(me).at("role"), "manager");
  EXPECT_EQ(json_of(me).at("kind"), "external");
  test::db_query("INSERT INTO user_roles (user_id, role) VALUES ($1::uuid, 'sales')",
                 pg::Params(subject));
  EXPECT_EQ(client.request("GET", "/test/manager", "", bearer(token)).result_int(), 403);
  claims.erase("app_metadata");
  const auto plain = identity::sign_hs256(claims, config.external_jwt_secret);
  test::db_query("DELETE FROM user_roles WHERE user_id = $1::uuid", pg::Params(subject));
  EXPECT_EQ(json_of(client.request("GET", "/api/v2/auth/me", "", bearer(plain))).at("role"),
            "sales");
}

TEST(IdentityExternal, ExternalSubjectsBecomeUsersAndOwnTheLeadsTheyCreate) {
  auto config = identity_config();
  config.external_jwt_secret = "external-provider-secret-of-32-bytes!!";
  RunningServer server(config);
  RawClient client(server.port());
  const auto token_of = [&](const std::string& subject, const std::string& email) {
    const auto now = now_seconds();
    return identity::sign_hs256(
        {{"sub", subject}, {"email", email}, {"iat", now}, {"exp", now + 600}},
        config.external_jwt_secret);
  };
  const auto json_headers = [](const std::string& token) {
    return bearer(token) + "Content-Type: application/json\r\n";
  };
  const auto ann = Uuid::random_v4().str();
  const auto ann_email = test::unique_name("ann") + "@crmd.test";
  const auto ann_token = token_of(ann, ann_email);

  auto created =
      client.request("POST", "/api/v2/leads", R"({"title":"Ann's lead"})", json_headers(ann_token));
  ASSERT_EQ(created.result_int(), 201) << created.body();
  EXPECT_EQ(json_of(created).at("owner_user_id"), boost::json::value(ann));
  const auto path = "/api/v2/leads/" + std::string(json_of(created).at("id").as_string());
  EXPECT_EQ(client.request("GET", path, "", bearer(ann_token)).result_int(), 200);
  const auto bob_token = token_of(Uuid::random_v4().str(), test::unique_name("bob") + "@crmd.test");
  EXPECT_EQ(client.request("GET", path, "", bearer(bob_token)).result_int(), 404);

  // The mirrored row has no password: signing in with one fails.
  EXPECT_EQ(test::db_query("SELECT email::text || ' ' || password_hash FROM users WHERE id = $1",
                           pg::Params(ann))
                .one()
                .get<std::string>(0),
            ann_email + " ");
  EXPECT_EQ(client
                .request("POST", "/api/v2/auth/login",
                         R"({"email":")" + ann_email + R"(","password":"any-password"})",
                         "Content-Type: application/json\r\n")
                .result_int(),
            401);

  // Deactivating the row locks the subject out.
  auto admin_login = client.request(
      "POST", "/api/v2/auth/login",
      R"({"email":")" + std::string(kAdminEmail) + R"(","password":")" + kAdminPassword + R"("})",
      "Content-Type: application/json\r\n");
  ASSERT_EQ(admin_login.result_int(), 200) << admin_login.body();
  const std::string admin(json_of(admin_login).at("access_token").as_string());
  ASSERT_EQ(client.request("DELETE", "/api/v2/users/" + ann, "", bearer(admin)).result_int(), 200);
  EXPECT_EQ(client.request("GET", path, "", bearer(ann_token)).result_int(), 401);

  // A subject whose e-mail another user has gets no row, and may not make
  // leads it could not see.
  const auto mallory = Uuid::random_v4().str();
  auto refused = client.request("POST", "/api/v2/leads", R"({"title":"Orphan"})",
                                json_headers(token_of(mallory, kAdminEmail)));
  EXPECT_EQ(refused.result_int(), 403) << refused.body();
  EXPECT_NE(refused.body().find("no_user_record"), std::string::npos);
  EXPECT_EQ(test::db_query("SELECT count(*) FROM users WHERE id = $1", pg::Params(mallory))
                .one()
                .get<std::int64_t>(0),
            0);
}

}  // namespace
}  // namespace crmd::http
