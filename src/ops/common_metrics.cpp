#include "ops/common_metrics.h"

#include <chrono>
#include <cmath>

namespace ink::ops {

void add_clock_gauges(const AddGauge& add, const ClockGuard& guard) {
  const ClockGuard* g = &guard;
  add("ink_clock_synchronized", "1 if this host's clock is synchronised (kernel clock state).",
      [g] { return g->snapshot().local.synchronized ? 1.0 : 0.0; });
  add("ink_clock_max_error_seconds", "The kernel's bound on this host's clock error (maxerror).",
      [g]() -> double {
        auto s = g->snapshot().local;
        return s.readable ? s.max_error_seconds : NAN;
      });
  add("ink_clock_estimated_error_seconds", "The kernel's estimated clock error (esterror).",
      [g]() -> double {
        auto s = g->snapshot().local;
        return s.readable ? s.estimated_error_seconds : NAN;
      });
  add("ink_clock_offset_seconds", "chrony's measured offset of this host's clock (NaN: no chrony).",
      [g] { return g->snapshot().local.offset_seconds.value_or(NAN); });
  add("ink_clock_database_offset_seconds",
      "The database server's clock minus this host's (NaN: not measured yet).", [g]() -> double {
        auto d = g->snapshot().database;
        return d ? d->offset_seconds : NAN;
      });
  add("ink_clock_error_bound_seconds", "INK_MAX_CLOCK_ERROR: the bound the clock is held to.",
      [g] { return g->policy().max_error_seconds; });
  add("ink_clock_enforced", "1 if INK_CLOCK_POLICY=enforce (new timestamps refused when off).",
      [g] { return g->policy().enforce ? 1.0 : 0.0; });
  add("ink_clock_ok", "1 if the clock holds within the bound (whatever the policy).",
      [g] { return g->problem().empty() ? 1.0 : 0.0; });
}

void add_head_gauges(const AddGauge& add, std::function<std::optional<int64_t>()> newest_ts_us,
                     double interval_seconds) {
  add("ink_head_age_seconds", "Seconds since the newest head's interval closed (its clock).",
      [newest_ts_us]() -> double {
        auto ts = newest_ts_us();
        if (!ts) return NAN;
        auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        return static_cast<double>(now_us - *ts) / 1e6;
      });
  add("ink_newest_head_timestamp_seconds", "The newest head's clock reading, Unix seconds.",
      [newest_ts_us]() -> double {
        auto ts = newest_ts_us();
        return ts ? static_cast<double>(*ts) / 1e6 : NAN;
      });
  add("ink_interval_seconds", "The configured interval (head age alerts compare with it).",
      [interval_seconds] { return interval_seconds; });
}

}  // namespace ink::ops
