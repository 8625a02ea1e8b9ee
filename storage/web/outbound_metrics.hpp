// Prometheus metrics of outbound HTTP, on a registry the caller owns (the
// app's, so that /metrics shows them): requests by service and status class
// (2xx, 3xx, 4xx, 5xx, error), latency by service, retries by service.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

namespace crmd::web {

class OutboundMetrics {
 public:
  explicit OutboundMetrics(prometheus::Registry& registry);

  // status 0: the transfer failed without an answer.
  void observe(const std::string& service, unsigned status, double seconds);
  void count_retry(const std::string& service);

  double requests(const std::string& service, std::string_view status_class);
  double retries(const std::string& service);

  static std::string status_class(unsigned status);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& retries_;
};

}  // namespace crmd::web
