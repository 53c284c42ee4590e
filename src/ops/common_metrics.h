#pragma once
// Figures that the backend and the worker both export under the same names,
// so one alert rule covers either (deploy/prometheus/).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ops/clock_guard.h"

namespace ink::ops {

using AddGauge = std::function<void(std::string name, std::string help, std::function<double()>)>;

// ink_clock_synchronized, ink_clock_max_error_seconds, ink_clock_estimated_error_seconds,
// ink_clock_offset_seconds, ink_clock_database_offset_seconds, ink_clock_error_bound_seconds,
// ink_clock_enforced, ink_clock_ok.
void add_clock_gauges(const AddGauge& add, const ClockGuard& guard);

// ink_head_age_seconds (now minus the newest head's clock reading),
// ink_newest_head_timestamp_seconds, and ink_interval_seconds (configured).
// `newest_ts_us`: the newest head's clock reading, nullopt while unknown (NaN).
void add_head_gauges(const AddGauge& add, std::function<std::optional<int64_t>()> newest_ts_us,
                     double interval_seconds);

}  // namespace ink::ops
