// Prometheus metrics: request count and latency by route template, method
// and status; requests in flight; and, read at scrape time, the database
// pool and the actors' mailboxes.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crmd::server {

class Metrics {
 public:
  // Gauges computed when /metrics is read: name, help, and label set → value.
  struct GaugeSample {
    std::vector<std::pair<std::string, std::string>> labels;
    double value;
  };
  struct ScrapeGauge {
    std::string name;
    std::string help;
    std::function<std::vector<GaugeSample>()> read;
  };

  Metrics();

  void observe(std::string_view route, std::string_view method, unsigned status, double seconds);
  void add_scrape_gauge(ScrapeGauge gauge);
  prometheus::Gauge& in_flight() { return in_flight_; }
  prometheus::Counter& internal_errors() { return internal_errors_; }

  // The job pool: each run by kind and outcome (completed, failed,
  // cancelled, retried, interrupted) with its time; leases rescued; and the
  // queue's depth by kind and status, read from the database at each scrape.
  void observe_job(const std::string& kind, std::string_view outcome, double seconds);
  void count_rescued(std::size_t jobs) { rescued_.Increment(static_cast<double>(jobs)); }
  void set_job_queue(std::vector<GaugeSample> depth);
  double internal_error_count() const { return internal_errors_.Value(); }

  // Where other components (the outbound client) register their metrics.
  prometheus::Registry& registry() { return *registry_; }

  // The text exposition format (version 0.0.4).
  std::string serialize() const;

 private:
  struct Series {
    prometheus::Counter* count;
    prometheus::Histogram* latency;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& internal_errors_;
  prometheus::Family<prometheus::Histogram>& job_runs_;
  prometheus::Counter& rescued_;
  std::vector<ScrapeGauge> scrape_gauges_;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Series> series_;
  std::unordered_map<std::string, prometheus::Histogram*> job_series_;  // "kind outcome"
  std::vector<GaugeSample> job_queue_;
};

}  // namespace crmd::server
