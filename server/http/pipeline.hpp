// The middleware around every handler, in order: request id, CORS
// (preflight and response headers), routing (404/405), access rules,
// the handler, error mapping, timing header, metrics and the access log.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "domain/common/cidr.hpp"
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
  std::string public_url;             // CRMD_PUBLIC_URL: links start with it when set
  std::vector<Cidr> trusted_proxies;  // whose X-Forwarded-* headers are believed
};

class Pipeline {
 public:
  Pipeline(const Router& router, server::Metrics& metrics, const server::Authenticator& auth,
           Idempotency& idempotency, PipelineOptions options);

  boost::asio::awaitable<Response> handle(Request& request);

  // The base of links when CRMD_PUBLIC_URL is not set and no trusted proxy
  // says otherwise ("http://127.0.0.1:8080"); set once the port is bound.
  void set_listen_url(std::string url);

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
  // Checks Host, and sets the client address and the base of links from
  // X-Forwarded-* when the peer is a trusted proxy.
  void resolve_origin(Request& request) const;
  bool trusted(std::string_view address) const;
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
  std::atomic<std::shared_ptr<const std::string>> base_url_;
};

}  // namespace crmd::http
