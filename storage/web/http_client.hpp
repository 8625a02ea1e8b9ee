// The one outbound HTTP client: every call crmd makes to an outside service
// goes through it (libcurl multi on Asio, see curl_multi.hpp).
//
// The client must be destroyed before its io_context, like any Asio I/O
// object. It owns each awaiter's completion until the transfer ends, so an
// awaiting frame can only go away through the client: stop() (or the
// destructor) removes every transfer from the multi handle and resumes its
// awaiter with Error{outbound_cancelled}; when the io_context no longer
// runs, the frames are destroyed with it instead.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

#include "storage/web/curl_multi.hpp"
#include "storage/web/http_message.hpp"
#include "storage/web/outbound_metrics.hpp"
#include "storage/web/outbound_options.hpp"
#include "storage/web/retry_policy.hpp"
#include "storage/web/tls_trust.hpp"

namespace crmd::web {

// Refreshes the credentials of request after a 401 (a new bearer token).
using Reauthorize = std::function<boost::asio::awaitable<void>(HttpRequest&)>;

class HttpClient {
 public:
  // metrics may be null; else it must outlive the client. Throws
  // std::runtime_error for an unusable options.ca_file.
  HttpClient(boost::asio::any_io_executor io, const OutboundOptions& options,
             OutboundMetrics* metrics = nullptr);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One attempt. Any answer is returned, whatever its status; a transfer
  // that gets none throws the Error of storage/web/outbound_errors.hpp.
  boost::asio::awaitable<HttpResponse> send(HttpRequest request);

  // Attempts until policy's verdict is success or permanent, or its bounds
  // are reached; waits between attempts on a timer. Returns the last answer
  // (a 503 after the last attempt is returned, not thrown), throws the last
  // failure. On a 401, reauthorize (when given) runs once and the request is
  // sent again at once. request.service becomes service.
  boost::asio::awaitable<HttpResponse> send_with_retries(HttpRequest request,
                                                         const RetryPolicy& policy,
                                                         std::string_view service,
                                                         Reauthorize reauthorize = {});

  // From any thread: fails every transfer in flight and every later one
  // with Error{outbound_cancelled}.
  void stop() { multi_.stop(); }

 private:
  TlsTrust trust_;
  OutboundMetrics* metrics_;
  UniformRandom uniform_ = sodium_uniform();
  CurlMulti multi_;
};

}  // namespace crmd::web
