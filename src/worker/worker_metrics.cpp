#include "worker/worker_metrics.h"

#include <cmath>

namespace ink::worker {

WorkerMetrics::WorkerMetrics()
    : phases(registry.histogram_family(
          "ink_worker_interval_phase_seconds",
          "Time an interval spent in each phase (total: all of them, announce included).", "phase",
          {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      retention_deleted(registry.counter_family("ink_worker_retention_deleted_total",
                                                "Rows deleted by retention (ts proof records, "
                                                "interval tree levels).",
                                                "kind", {"ts", "levels"})),
      errors(registry.counter_family("ink_worker_errors_total",
                                     "Errors by kind; the worker retries after each.", "kind",
                                     {"database", "redis", "fenced", "chain_moved", "clock"})) {
  registry.add_gauge("ink_worker_role", "1 while this worker holds the worker lock and lease.",
                     [this] { return double(role.load()); });
  registry.add_counter("ink_worker_role_changes_total",
                       "Times this worker gained or lost the worker role.",
                       [this] { return double(role_changes.load()); });
  registry.add_counter("ink_worker_intervals_total", "Intervals closed by this worker.",
                       [this] { return double(intervals.load()); });
  registry.add_counter("ink_worker_timestamps_total", "Timestamps sequenced by this worker.",
                       [this] { return double(timestamps.load()); });
  registry.add_gauge("ink_worker_interval_timestamps", "Timestamps in the last interval closed.",
                     [this] {
                       auto n = last_interval_timestamps.load();
                       return n < 0 ? NAN : double(n);
                     });
  registry.add_gauge("ink_newest_interval", "Index of the newest head this process knows.", [this] {
    auto i = newest_index.load();
    return i == kUnknown ? NAN : double(i);
  });
  registry.add_gauge("ink_worker_announce_lag_seconds",
                     "From the interval's clock reading to its head published on mth-live.",
                     [this] {
                       double lag = announce_lag_seconds.load();
                       return lag < 0 ? NAN : lag;
                     });
  registry.add_counter("ink_worker_clock_refusals_total",
                       "Intervals not closed because the clock could not be vouched for.",
                       [this] { return double(clock_refusals.load()); });
}

void WorkerMetrics::set_role(bool active) {
  if ((role.exchange(active ? 1 : 0) == 1) != active) ++role_changes;
}

}  // namespace ink::worker
