#include "server/metrics.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <mutex>

namespace crmd::server {

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("crmd_http_requests_total")
                    .Help("HTTP requests by route template, method and status")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("crmd_http_request_duration_seconds")
                   .Help("HTTP request latency by route template, method and status")
                   .Register(*registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name("crmd_http_requests_in_flight")
                     .Help("HTTP requests being handled")
                     .Register(*registry_)
                     .Add({})),
      internal_errors_(prometheus::BuildCounter()
                           .Name("crmd_internal_errors_total")
                           .Help("Answers of 500: each is a bug, logged with its request id")
                           .Register(*registry_)
                           .Add({})),
      job_runs_(prometheus::BuildHistogram()
                    .Name("crmd_job_run_seconds")
                    .Help("Job runs by kind and outcome, and how long they ran")
                    .Register(*registry_)),
      rescued_(prometheus::BuildCounter()
                   .Name("crmd_job_rescued_total")
                   .Help("Jobs whose lease ran out, handed back to the queue")
                   .Register(*registry_)
                   .Add({})) {}

void Metrics::observe_job(const std::string& kind, std::string_view outcome, double seconds) {
  std::string key = kind + " " + std::string(outcome);
  std::unique_lock lock(mutex_);
  auto& series = job_series_[key];
  if (!series) {
    static const prometheus::Histogram::BucketBoundaries buckets{0.1, 0.5, 1,   5,    10,
                                                                 30,  60,  300, 1800, 3600};
    series = &job_runs_.Add({{"kind", kind}, {"outcome", std::string(outcome)}}, buckets);
  }
  series->Observe(seconds);
}

void Metrics::set_job_queue(std::vector<GaugeSample> depth) {
  std::unique_lock lock(mutex_);
  job_queue_ = std::move(depth);
}

void Metrics::observe(std::string_view route, std::string_view method, unsigned status,
                      double seconds) {
  std::string key;
  key.reserve(route.size() + method.size() + 8);
  key.append(route).append(1, ' ').append(method).append(1, ' ').append(std::to_string(status));
  Series series{};
  {
    std::shared_lock lock(mutex_);
    if (auto it = series_.find(key); it != series_.end()) series = it->second;
  }
  if (!series.count) {
    const std::map<std::string, std::string> labels{{"route", std::string(route)},
                                                    {"method", std::string(method)},
                                                    {"status", std::to_string(status)}};
    static const prometheus::Histogram::BucketBoundaries buckets{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    std::unique_lock lock(mutex_);
    series = {&requests_.Add(labels), &latency_.Add(labels, buckets)};
    series_.emplace(std::move(key), series);
  }
  series.count->Increment();
  series.latency->Observe(seconds);
}

void Metrics::add_scrape_gauge(ScrapeGauge gauge) {
  scrape_gauges_.push_back(std::move(gauge));
}

std::string Metrics::serialize() const {
  auto families = registry_->Collect();
  auto gauges = scrape_gauges_;
  {
    std::shared_lock lock(mutex_);
    gauges.push_back({"crmd_job_queue_depth", "Jobs by kind and status (pending, running)",
                      [depth = job_queue_] { return depth; }});
  }
  for (const auto& gauge : gauges) {
    prometheus::MetricFamily family;
    family.name = gauge.name;
    family.help = gauge.help;
    family.type = prometheus::MetricType::Gauge;
    for (const auto& sample : gauge.read()) {
      prometheus::ClientMetric metric;
      for (const auto& [name, value] : sample.labels) metric.label.push_back({name, value});
      metric.gauge.value = sample.value;
      family.metric.push_back(std::move(metric));
    }
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace crmd::server
