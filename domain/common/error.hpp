// The one error type of crmd. Domain rules, repositories and handlers throw
// it; the server maps its kind to an HTTP status and the design's JSON shape
// {"detail", "error_code", "errors"?}.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace crmd {

enum class ErrorKind {
  bad_request,            // 400 malformed input
  unauthorized,           // 401 no or invalid credentials
  forbidden,              // 403
  not_found,              // 404
  request_timeout,        // 408 the client was too slow
  method_not_allowed,     // 405
  conflict,               // 409
  gone,                   // 410 existed, and no longer does
  precondition_failed,    // 412 If-Match names another version
  payload_too_large,      // 413
  header_too_large,       // 431
  unsupported_media,      // 415
  range_not_satisfiable,  // 416
  validation,             // 422 with field errors
  rate_limited,           // 429
  internal,               // 500, detail never sent to the client
  unavailable,            // 503 overloaded or database unreachable
  timeout,                // 504
};

struct FieldError {
  std::string field;
  std::string message;
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string code, std::string detail, std::vector<FieldError> fields = {})
      : std::runtime_error(detail),
        kind_(kind),
        code_(std::move(code)),
        fields_(std::move(fields)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  std::string detail() const { return what(); }
  const std::vector<FieldError>& fields() const { return fields_; }
  // For rate_limited and unavailable: when the client may try again.
  int retry_after_seconds() const { return retry_after_seconds_; }
  Error& retry_after(int seconds) {
    retry_after_seconds_ = seconds;
    return *this;
  }

 private:
  ErrorKind kind_;
  std::string code_;
  std::vector<FieldError> fields_;
  int retry_after_seconds_ = 1;
};

}  // namespace crmd
