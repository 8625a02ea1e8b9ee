// The middleware around every handler, in order: request id, CORS
// (preflight and response headers), routing (404/405), access rules,
// the handler, error mapping, timing header, metrics and the access log.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "domain/common/error.hpp"
#include "server/http/idempotency.hpp"
#include "server/http/router.hpp"
#include "server/metrics.hpp"

namespace crmd::server {
class Authenticator;
}

namespace crmd::http {

struct PipelineOptions {
  std::vector<std::string> cors_origins;  // "*" allows any
  bool access_log = true;
};

class Pipeline {
 public:
  Pipeline(const Router& router, server::Metrics& metrics, const server::Authenticator& auth,
           Idempotency& idempotency, PipelineOptions options);

  boost::asio::awaitable<Response> handle(Request& request);

  // Before a body is read: whether the request's route takes it as an
  // upload, and (admit) whether the caller may call that route at all
  // (Error otherwise).
  bool takes_upload(const Message& header) const;
  boost::asio::awaitable<void> admit(Request& request) const;

  // The answer to a request the connection rejected before it was complete
  // (400, 408, 413, 431): same error shape, metrics and log line.
  Response reject(const Error& error, const std::string& remote_address, const Message* partial);

 private:
  boost::asio::awaitable<Response> dispatch(Request& request);
  Response preflight(const Request& request) const;
  void add_cors_headers(const Request& request, Response& response) const;
  bool origin_allowed(std::string_view origin) const;
  void finish(Request& request, Response& response, std::string_view route,
              std::chrono::steady_clock::time_point start);

  const Router& router_;
  server::Metrics& metrics_;
  const server::Authenticator& auth_;
  Idempotency& idempotency_;
  PipelineOptions options_;
};

}  // namespace crmd::http
