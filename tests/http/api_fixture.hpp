// A running crmd with an admin signed in, for tests of the JSON API.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <filesystem>

#include "support/test_support.hpp"

namespace crmd::test {

inline config::Config api_config() {
  auto config = test_config();
  config.admin_email = "admin@crmd.test";
  config.admin_password = "admin-password-for-tests";
  return config;
}

struct User {
  std::string id, token;
};

class ApiTest : public ::testing::Test {
 protected:
  explicit ApiTest(config::Config config = api_config())
      : server(std::move(config)), client(server.port()) {
    auto login = send("POST", "/api/v2/auth/login",
                      R"({"email":"admin@crmd.test","password":"admin-password-for-tests"})");
    EXPECT_EQ(login.result_int(), 200) << login.body();
    token = std::string(json_of(login).at("access_token").as_string());
  }

  HttpResponse send(const std::string& method, const std::string& target,
                    const std::string& body = "", std::string headers = "") {
    if (!token.empty()) headers += "Authorization: Bearer " + token + "\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    return client.request(method, target, body, headers);
  }

  // POSTs body to path, expects 201 and answers the new id.
  std::string create_at(const std::string& path, const boost::json::object& body) {
    auto response = send("POST", path, boost::json::serialize(body));
    EXPECT_EQ(response.result_int(), 201) << response.body();
    if (response.result_int() != 201) return "";
    return std::string(json_of(response).at("id").as_string());
  }

  // Follows a job by long polling its status at location until it has
  // finished, for at most a few minutes.
  boost::json::value finished(const std::string& location) {
    std::int64_t version = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (std::chrono::steady_clock::now() < deadline) {
      auto body = json_of(send("GET", location + "?wait=30&version=" + std::to_string(version)));
      const std::string status(body.at("status").as_string());
      if (status == "completed" || status == "failed" || status == "cancelled") return body;
      version = body.at("version").as_int64();
    }
    ADD_FAILURE() << "the job at " << location << " did not finish";
    return boost::json::object{{"status", "unfinished"}};
  }

  // A new user of the role, signed in.
  User make_user(const std::string& role) {
    const auto email = unique_name(role) + "@crmd.test";
    const auto id = create_at("/api/v2/users", {{"email", email},
                                                {"name", "User " + role},
                                                {"password", "password-" + email},
                                                {"role", role}});
    RawClient c(server.port());
    auto login = c.request("POST", "/api/v2/auth/login",
                           R"({"email":")" + email + R"(","password":"password-)" + email + R"("})",
                           "Content-Type: application/json\r\n");
    EXPECT_EQ(login.result_int(), 200) << login.body();
    return {id, std::string(json_of(login).at("access_token").as_string())};
  }

  HttpResponse send_as(const User& user, const std::string& method, const std::string& target,
                       const std::string& body = "") {
    std::string headers = "Authorization: Bearer " + user.token + "\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    return client.request(method, target, body, headers);
  }

  // The path and query of an absolute link (next / previous).
  static std::string path_of(const boost::json::value& link) {
    const std::string url(link.as_string());
    return url.substr(url.find("/api/"));
  }

  RunningServer server;
  RawClient client;
  std::string token;
};

// A server that runs jobs (one worker), with a data directory (uploads,
// exports) of its own.
inline config::Config job_config() {
  auto config = api_config();
  config.job_workers = 1;
  config.data_dir = (std::filesystem::temp_directory_path() / unique_name("crmd-jobs")).string();
  return config;
}

// A test on such a server; the data directory goes with it.
class JobServerTest : public ApiTest {
 protected:
  explicit JobServerTest(config::Config config = job_config()) : ApiTest(std::move(config)) {}
  ~JobServerTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(server.app().config().data_dir, ignored);
  }
};

}  // namespace crmd::test
