// Mapping of every failure to the design's JSON error shape:
// {"detail", "error_code", "errors"?: [{"field", "message"}], "request_id"}.
// Internal failures answer 500 with a generic detail; the real message is
// logged with the request id, never sent.
#pragma once

#include <boost/beast/http/status.hpp>
#include <exception>
#include <string>

#include "domain/common/error.hpp"
#include "server/http/request.hpp"

namespace crmd::http {

beast_http::status status_of(ErrorKind kind);

// Turns any exception into the error the client may see (pg::Error by its
// SQLSTATE and kind, unknown exceptions as internal).
Error to_api_error(std::exception_ptr error);

// A complete JSON error response; version and keep-alive are the caller's.
Response error_response(const Error& error, const std::string& request_id);

}  // namespace crmd::http
