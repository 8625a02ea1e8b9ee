// Google's answer envelopes, shared by the fakes of its APIs.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "fakes/http_server.hpp"

namespace crmd::test {

// An error envelope as Google's JSON APIs write it.
inline std::string google_error_body(unsigned code, const std::string& reason,
                                     const std::string& message = "error",
                                     const std::string& domain = "global") {
  boost::json::object error;
  error["code"] = code;
  error["message"] = message;
  boost::json::object first;
  first["domain"] = domain;
  first["reason"] = reason;
  first["message"] = message;
  boost::json::array errors;
  errors.push_back(std::move(first));
  error["errors"] = std::move(errors);
  boost::json::object body;
  body["error"] = std::move(error);
  return boost::json::serialize(body);
}

inline Answer google_json_answer(unsigned status, const boost::json::value& body) {
  return Answer{
      status, {{"Content-Type", "application/json; charset=UTF-8"}}, boost::json::serialize(body)};
}

inline Answer google_error(unsigned status, const std::string& reason, const std::string& message,
                           const std::string& domain = "global") {
  return Answer{status,
                {{"Content-Type", "application/json; charset=UTF-8"}},
                google_error_body(status, reason, message, domain)};
}

}  // namespace crmd::test
