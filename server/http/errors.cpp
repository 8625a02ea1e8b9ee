#include "server/http/errors.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "storage/pg/error.hpp"

namespace crmd::http {
namespace {

Error from_database(const pg::Error& e) {
  switch (e.kind()) {
    case pg::ErrorKind::pool_timeout:
      return Error(ErrorKind::unavailable, "database_busy", "the database is busy; retry shortly");
    case pg::ErrorKind::connection_lost:
    case pg::ErrorKind::closed:
      return Error(ErrorKind::unavailable, "database_unavailable",
                   "the database is unavailable; retry shortly");
    case pg::ErrorKind::timeout:
      return Error(ErrorKind::timeout, "database_timeout", "the database did not answer in time");
    case pg::ErrorKind::decode:
      break;
    case pg::ErrorKind::server:
      if (e.is_unique_violation())
        return Error(ErrorKind::conflict, "already_exists", "a record with these values exists");
      if (e.is_foreign_key_violation())
        return Error(ErrorKind::conflict, "reference_conflict",
                     "the record refers to, or is referred to by, another record");
      if (e.is_check_violation() || e.is_not_null_violation())
        return Error(ErrorKind::validation, "constraint_violation",
                     "the values break a rule of the data");
      // Class 22, data exception: a value the database cannot take (out of
      // range, malformed); a client's input, not a bug.
      if (e.sqlstate().starts_with("22")) {
        spdlog::warn("refused by the database as a data exception: {}", e.what());
        return Error(ErrorKind::validation, "invalid_value",
                     "a value is malformed or out of range for the database");
      }
      if (e.is_query_canceled())
        return Error(ErrorKind::timeout, "database_timeout", "the query took too long");
      if (e.is_serialization_failure() || e.is_deadlock() || e.is_transient())
        return Error(ErrorKind::unavailable, "database_busy",
                     "the database is busy; retry shortly");
      break;
  }
  return Error(ErrorKind::internal, "internal_error", e.what());
}

}  // namespace

beast_http::status status_of(ErrorKind kind) {
  using S = beast_http::status;
  switch (kind) {
    case ErrorKind::bad_request:
      return S::bad_request;
    case ErrorKind::unauthorized:
      return S::unauthorized;
    case ErrorKind::forbidden:
      return S::forbidden;
    case ErrorKind::not_found:
      return S::not_found;
    case ErrorKind::method_not_allowed:
      return S::method_not_allowed;
    case ErrorKind::conflict:
      return S::conflict;
    case ErrorKind::precondition_failed:
      return S::precondition_failed;
    case ErrorKind::payload_too_large:
      return S::payload_too_large;
    case ErrorKind::gone:
      return S::gone;
    case ErrorKind::range_not_satisfiable:
      return S::range_not_satisfiable;
    case ErrorKind::header_too_large:
      return S::request_header_fields_too_large;
    case ErrorKind::request_timeout:
      return S::request_timeout;
    case ErrorKind::unsupported_media:
      return S::unsupported_media_type;
    case ErrorKind::validation:
      return S::unprocessable_entity;
    case ErrorKind::rate_limited:
      return S::too_many_requests;
    case ErrorKind::internal:
      return S::internal_server_error;
    case ErrorKind::unavailable:
      return S::service_unavailable;
    case ErrorKind::timeout:
      return S::gateway_timeout;
  }
  return S::internal_server_error;
}

Error to_api_error(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e;
  } catch (const pg::Error& e) {
    return from_database(e);
  } catch (const std::exception& e) {
    return Error(ErrorKind::internal, "internal_error", e.what());
  } catch (...) {
    return Error(ErrorKind::internal, "internal_error", "unknown exception");
  }
}

Response error_response(const Error& error, const std::string& request_id) {
  boost::json::object body;
  if (error.kind() == ErrorKind::internal) {
    spdlog::error("request {} failed: {}", request_id, error.what());
    body["detail"] = "internal server error";
    body["error_code"] = "internal_error";
  } else {
    body["detail"] = error.what();
    body["error_code"] = error.code();
  }
  if (!error.fields().empty()) {
    boost::json::array fields;
    for (const auto& f : error.fields())
      fields.push_back(boost::json::object{{"field", f.field}, {"message", f.message}});
    body["errors"] = std::move(fields);
  }
  if (!request_id.empty()) body["request_id"] = request_id;

  Response response(status_of(error.kind()), 11);
  response.set(beast_http::field::content_type, "application/json");
  if (error.kind() == ErrorKind::unavailable || error.kind() == ErrorKind::rate_limited)
    response.set(beast_http::field::retry_after, std::to_string(error.retry_after_seconds()));
  response.body() = boost::json::serialize(body);
  response.prepare_payload();
  return response;
}

}  // namespace crmd::http
