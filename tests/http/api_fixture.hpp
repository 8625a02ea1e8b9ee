// A running crmd with an admin signed in, for tests of the JSON API.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "support/test_support.hpp"

namespace crmd::test {

inline config::Config api_config() {
  auto config = test_config();
  config.admin_email = "admin@crmd.test";
  config.admin_password = "admin-password-for-tests";
  return config;
}

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

  // The path and query of an absolute link (next / previous).
  static std::string path_of(const boost::json::value& link) {
    const std::string url(link.as_string());
    return url.substr(url.find("/api/"));
  }

  RunningServer server;
  RawClient client;
  std::string token;
};

}  // namespace crmd::test
