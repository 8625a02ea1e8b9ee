// Errors of the PostgreSQL client. Server errors carry their SQLSTATE so
// callers can tell a unique violation (409) from a lost connection (503).
#pragma once

#include <stdexcept>
#include <string>

namespace crmd::pg {

enum class ErrorKind {
  server,           // the server answered with an error; see sqlstate()
  connection_lost,  // the connection broke before the result came: retryable
  pool_timeout,     // no connection became free within the pool's wait limit
  timeout,          // the client-side deadline passed
  decode,           // a value could not be decoded into the requested type
  closed,           // the pool is shutting down
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string sqlstate = {})
      : std::runtime_error(std::move(message)), kind_(kind), sqlstate_(std::move(sqlstate)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }

  bool is_unique_violation() const { return sqlstate_ == "23505"; }
  bool is_foreign_key_violation() const { return sqlstate_ == "23503"; }
  bool is_check_violation() const { return sqlstate_ == "23514"; }
  bool is_not_null_violation() const { return sqlstate_ == "23502"; }
  bool is_serialization_failure() const { return sqlstate_ == "40001"; }
  bool is_deadlock() const { return sqlstate_ == "40P01"; }
  bool is_query_canceled() const { return sqlstate_ == "57014"; }
  // Worth retrying the whole unit of work (a fresh transaction).
  bool is_transient() const {
    return kind_ == ErrorKind::connection_lost || is_serialization_failure() || is_deadlock() ||
           sqlstate_.starts_with("08") || sqlstate_ == "57P01";
  }

 private:
  ErrorKind kind_;
  std::string sqlstate_;
};

}  // namespace crmd::pg
