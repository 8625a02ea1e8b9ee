#include "server/http/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "server/http/framing.hpp"
#include "storage/pg/error.hpp"

namespace crmd::http {
namespace {

using beast_http::status;

status status_for(std::exception_ptr e) {
  return status_of(to_api_error(e).kind());
}

TEST(ErrorMapping, DomainErrorsKeepTheirKind) {
  EXPECT_EQ(status_for(std::make_exception_ptr(Error(ErrorKind::not_found, "x", "y"))),
            status::not_found);
  EXPECT_EQ(status_for(std::make_exception_ptr(Error(ErrorKind::validation, "x", "y"))),
            status::unprocessable_entity);
  EXPECT_EQ(status_for(std::make_exception_ptr(Error(ErrorKind::rate_limited, "x", "y"))),
            status::too_many_requests);
}

TEST(ErrorMapping, DatabaseErrorsMapBySqlstate) {
  auto server = [](const char* state) {
    return std::make_exception_ptr(pg::Error(pg::ErrorKind::server, "boom", state));
  };
  EXPECT_EQ(status_for(server("23505")), status::conflict);
  EXPECT_EQ(status_for(server("23503")), status::conflict);
  EXPECT_EQ(status_for(server("23514")), status::unprocessable_entity);
  EXPECT_EQ(status_for(server("23502")), status::unprocessable_entity);
  EXPECT_EQ(status_for(server("40001")), status::service_unavailable);
  EXPECT_EQ(status_for(server("40P01")), status::service_unavailable);
  EXPECT_EQ(status_for(server("57014")), status::gateway_timeout);
  EXPECT_EQ(status_for(server("42P01")), status::internal_server_error);
}

TEST(ErrorMapping, PoolAndConnectionFailuresAreUnavailable) {
  EXPECT_EQ(status_for(std::make_exception_ptr(pg::Error(pg::ErrorKind::pool_timeout, "t"))),
            status::service_unavailable);
  EXPECT_EQ(status_for(std::make_exception_ptr(pg::Error(pg::ErrorKind::connection_lost, "t"))),
            status::service_unavailable);
}

TEST(ErrorMapping, UnknownExceptionsAreInternal) {
  EXPECT_EQ(status_for(std::make_exception_ptr(std::runtime_error("x"))),
            status::internal_server_error);
  EXPECT_EQ(status_for(std::make_exception_ptr(42)), status::internal_server_error);
}

TEST(ErrorResponse, HasTheDesignShapeAndFieldErrors) {
  auto response = error_response(
      Error(ErrorKind::validation, "invalid", "bad input", {{"email", "not an address"}}), "rid-1");
  EXPECT_EQ(response.result(), status::unprocessable_entity);
  EXPECT_EQ(response[beast_http::field::content_type], "application/json");
  auto body = boost::json::parse(response.body()).as_object();
  EXPECT_EQ(body.at("detail"), "bad input");
  EXPECT_EQ(body.at("error_code"), "invalid");
  EXPECT_EQ(body.at("request_id"), "rid-1");
  EXPECT_EQ(body.at("errors").as_array().at(0).as_object().at("field"), "email");
}

TEST(ErrorResponse, InternalErrorsNeverLeakTheirMessage) {
  auto response = error_response(
      to_api_error(std::make_exception_ptr(
          pg::Error(pg::ErrorKind::server, "relation \"secret_table\" does not exist", "42P01"))),
      "rid-2");
  EXPECT_EQ(response.result(), status::internal_server_error);
  EXPECT_EQ(response.body().find("secret_table"), std::string::npos);
  EXPECT_NE(response.body().find("internal_error"), std::string::npos);
}

TEST(ErrorResponse, UnavailableSaysWhenToRetry) {
  auto response = error_response(Error(ErrorKind::unavailable, "busy", "busy"), "r");
  EXPECT_EQ(response[beast_http::field::retry_after], "1");
}

Message with_headers(std::initializer_list<std::pair<const char*, const char*>> headers,
                     unsigned version = 11) {
  Message m(beast_http::verb::post, "/", version);
  for (auto& [name, value] : headers) m.insert(name, value);
  return m;
}

TEST(Framing, AcceptsPlainLengthOrChunked) {
  EXPECT_FALSE(framing_problem(with_headers({{"Content-Length", "5"}})));
  EXPECT_FALSE(framing_problem(with_headers({{"Transfer-Encoding", "chunked"}})));
  EXPECT_FALSE(framing_problem(with_headers({{"Content-Length", "5"}, {"Content-Length", "5"}})));
}

TEST(Framing, RejectsAmbiguousLengths) {
  EXPECT_TRUE(
      framing_problem(with_headers({{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}})));
  EXPECT_TRUE(framing_problem(with_headers({{"Content-Length", "5"}, {"Content-Length", "6"}})));
  EXPECT_TRUE(framing_problem(with_headers({{"Transfer-Encoding", "gzip, chunked"}})));
  EXPECT_TRUE(framing_problem(
      with_headers({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}})));
  EXPECT_TRUE(framing_problem(with_headers({{"Transfer-Encoding", "chunked"}}, 10)));
}

}  // namespace
}  // namespace crmd::http
