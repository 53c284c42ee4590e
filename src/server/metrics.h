#pragma once
// Prometheus metrics of one backend process: requests by route and status,
// latency histograms by route, and gauges read at scrape time. Thread safe.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ops/metrics_registry.h"

namespace ink::server {

class Metrics {
 public:
  Metrics();
  void observe(const std::string& route, int status, double seconds);
  // Gauges computed on demand (waiting clients, pool use, ...).
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  // Counters kept elsewhere (only ever increase), read at scrape time.
  void add_counter(std::string name, std::string help, std::function<double()> read);
  // Series by one label, read at scrape time.
  void add_gauge_family(std::string name, std::string help, std::string label,
                        std::function<ops::MetricsRegistry::Series()> read) {
    registry_.add_gauge_family(std::move(name), std::move(help), std::move(label), std::move(read));
  }
  std::string render() const;

  std::atomic<long> open_connections{0};

 private:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  ops::MetricsRegistry registry_;  // the gauges and counters read at scrape time
};

}  // namespace ink::server
