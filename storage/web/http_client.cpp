#include "storage/web/http_client.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "storage/web/http_transfer.hpp"
#include "storage/web/outbound_errors.hpp"

namespace crmd::web {
namespace asio = boost::asio;

HttpClient::HttpClient(asio::any_io_executor io, const OutboundOptions& options,
                       OutboundMetrics* metrics)
    : trust_(options), metrics_(metrics), multi_(std::move(io)) {}

asio::awaitable<HttpResponse> HttpClient::send(HttpRequest request) {
  const std::string service = request.service;
  const auto started = std::chrono::steady_clock::now();
  std::exception_ptr failure;
  HttpResponse response;
  try {
    // Only trivially destructible values cross async_initiate (see
    // storage/async.hpp): the initiation captures `this` alone and owns the
    // transfer, passed as a raw pointer, again at once.
    auto* transfer = new HttpTransfer(std::move(request), trust_);
    response = co_await asio::async_initiate<const asio::use_awaitable_t<>, ResponseSignature>(
        [this](auto handler, HttpTransfer* raw) {
          std::unique_ptr<HttpTransfer> owned(raw);
          owned->set_handler(ResponseHandler(std::move(handler), multi_.strand()));
          multi_.start(std::move(owned));
        },
        asio::use_awaitable, transfer);
  } catch (...) {
    failure = std::current_exception();
  }
  if (metrics_) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_->observe(service, failure ? 0 : response.status, took.count());
  }
  if (failure) std::rethrow_exception(failure);
  co_return response;
}

asio::awaitable<HttpResponse> HttpClient::send_with_retries(HttpRequest request,
                                                            const RetryPolicy& policy,
                                                            std::string_view service,
                                                            Reauthorize reauthorize) {
  request.service = std::string(service);
  const auto deadline = std::chrono::steady_clock::now() + policy.max_elapsed;
  bool reauthorized = false;
  int attempts = 0;
  for (;;) {
    std::optional<HttpResponse> response;
    std::exception_ptr failure;
    Verdict verdict = Verdict::permanent;
    try {
      response = co_await send(request);
      verdict = classify(policy, *response);
    } catch (const Error& e) {
      failure = std::current_exception();
      verdict = classify_failure(e);
    }
    ++attempts;
    if (verdict == Verdict::needs_reauth && reauthorize && !reauthorized) {
      reauthorized = true;
      co_await reauthorize(request);
      if (metrics_) metrics_->count_retry(request.service);
      continue;
    }
    const bool again = verdict == Verdict::retryable && attempts < policy.max_attempts;
    std::chrono::milliseconds wait{0};
    if (again) {
      std::optional<std::chrono::milliseconds> retry_after;
      if (response)
        if (auto value = response->header("retry-after"))
          retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
      wait = backoff_delay(policy, attempts, retry_after, uniform_);
    }
    // A wait past the deadline would only end in a later failure.
    if (!again || std::chrono::steady_clock::now() + wait > deadline) {
      if (failure) std::rethrow_exception(failure);
      co_return std::move(*response);
    }
    if (metrics_) metrics_->count_retry(request.service);
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace crmd::web
