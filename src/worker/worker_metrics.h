#pragma once
// The worker's figures, served on its loopback /metrics (INK_WORKER_METRICS_LISTEN).
// Written by the worker's loop, read by the endpoint's thread.

#include <atomic>
#include <cstdint>
#include <limits>

#include "ops/metrics_registry.h"

namespace ink::worker {

struct WorkerMetrics {
  WorkerMetrics();
  ops::MetricsRegistry registry;

  std::atomic<int> role{0};  // 1 while this worker holds the worker lock and lease
  std::atomic<uint64_t> role_changes{0};
  std::atomic<uint64_t> intervals{0};
  std::atomic<uint64_t> timestamps{0};
  std::atomic<int64_t> last_interval_timestamps{-1};
  static constexpr int64_t kUnknown = std::numeric_limits<int64_t>::min();
  std::atomic<int64_t> newest_index{kUnknown};
  std::atomic<int64_t> newest_ts_us{kUnknown};
  std::atomic<double> announce_lag_seconds{-1};
  std::atomic<uint64_t> clock_refusals{0};        // intervals not closed because of the clock
  ops::MetricsRegistry::HistogramFamily& phases;  // ink_worker_interval_phase_seconds{phase}
  ops::MetricsRegistry::CounterFamily& retention_deleted;  // {kind: ts, levels}
  ops::MetricsRegistry::CounterFamily& errors;             // {kind: database, redis, fenced, ...}

  void set_role(bool active);
};

}  // namespace ink::worker
