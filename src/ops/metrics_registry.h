#pragma once
// Prometheus text exposition of one process's figures: gauges and counters
// read at scrape time, counters and histograms with one label kept here.
// Thread safe. The backend's HTTP figures (server/metrics.h) and the
// worker's (worker/worker_metrics) are both rendered by it.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ink::ops {

class MetricsRegistry {
 public:
  // A value read when scraped; NaN renders as NaN ("not known").
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  // A count kept elsewhere that only ever increases.
  void add_counter(std::string name, std::string help, std::function<double()> read);

  // A gauge by one label whose series are read at scrape time, e.g. the
  // newest head each witness cosigned: {label value, value} pairs.
  using Series = std::vector<std::pair<std::string, double>>;
  void add_gauge_family(std::string name, std::string help, std::string label,
                        std::function<Series()> read);

  // A counter by one label, e.g. errors by kind. Values are created at 0 when
  // named in `known_values`, so a rate is defined before the first event.
  class CounterFamily {
   public:
    void add(const std::string& value, double n = 1);

   private:
    friend class MetricsRegistry;
    std::string name_, help_, label_;
    mutable std::mutex mutex_;
    std::map<std::string, double> values_;
  };
  CounterFamily& counter_family(std::string name, std::string help, std::string label,
                                const std::vector<std::string>& known_values = {});

  // A histogram by one label, e.g. durations by phase.
  class HistogramFamily {
   public:
    void observe(const std::string& value, double x);

   private:
    friend class MetricsRegistry;
    struct Series {
      std::vector<uint64_t> buckets;
      uint64_t count = 0;
      double sum = 0;
    };
    std::string name_, help_, label_;
    std::vector<double> bounds_;
    mutable std::mutex mutex_;
    std::map<std::string, Series> series_;
  };
  HistogramFamily& histogram_family(std::string name, std::string help, std::string label,
                                    std::vector<double> bounds);

  std::string render() const;

 private:
  struct Reader {
    std::string name, help;
    std::function<double()> read;
    const char* type;
  };
  mutable std::mutex mutex_;
  std::vector<Reader> readers_;
  struct FamilyReader {
    std::string name, help, label;
    std::function<Series()> read;
  };
  std::vector<FamilyReader> family_readers_;
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
};

// A sample value as the text format writes it (NaN, +Inf, shortest exact).
std::string metric_value(double v);
// A label value escaped for the text format (backslash, quote, newline).
std::string label_value(const std::string& v);

}  // namespace ink::ops
