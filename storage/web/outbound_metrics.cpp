#include "storage/web/outbound_metrics.hpp"

namespace crmd::web {

namespace {

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return buckets;
}

}  // namespace

OutboundMetrics::OutboundMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("crmd_outbound_requests_total")
                    .Help("Outbound HTTP requests by service and status class (error: no answer)")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("crmd_outbound_request_duration_seconds")
                   .Help("Outbound HTTP request latency by service, failures included")
                   .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name("crmd_outbound_retries_total")
                   .Help("Outbound HTTP requests sent again after a retryable outcome")
                   .Register(registry)) {}

std::string OutboundMetrics::status_class(unsigned status) {
  if (status < 100 || status > 599) return "error";
  return std::to_string(status / 100) + "xx";
}

// Family::Add is thread-safe and returns the existing series for known
// labels; outbound rates are far too low for its lock to matter.
void OutboundMetrics::observe(const std::string& service, unsigned status, double seconds) {
  requests_.Add({{"service", service}, {"status_class", status_class(status)}}).Increment();
  latency_.Add({{"service", service}}, latency_buckets()).Observe(seconds);
}

void OutboundMetrics::count_retry(const std::string& service) {
  retries_.Add({{"service", service}}).Increment();
}

double OutboundMetrics::requests(const std::string& service, std::string_view status_class) {
  return requests_.Add({{"service", service}, {"status_class", std::string(status_class)}}).Value();
}

double OutboundMetrics::retries(const std::string& service) {
  return retries_.Add({{"service", service}}).Value();
}

}  // namespace crmd::web
