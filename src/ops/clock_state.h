#pragma once
// What this machine knows about its own clock: the kernel's clock discipline
// (adjtimex: synchronised or not, estimated and maximum error) and, where
// chrony runs, its measured offset. docs/operations.md says what is checked.

#include <functional>
#include <optional>
#include <string>

struct timex;

namespace ink::ops {

struct ClockState {
  bool readable = false;         // false: the source could not be read (see `problem`)
  bool synchronized = false;     // the kernel's STA_UNSYNC is clear and the call is not TIME_ERROR
  double max_error_seconds = 0;  // kernel `maxerror`: the bound on the clock's error
  double estimated_error_seconds = 0;    // kernel `esterror`
  std::optional<double> offset_seconds;  // chrony's "system time" offset, where known
  std::string source;                    // "kernel", "kernel+chrony", "file:PATH"
  std::string problem;                   // why it could not be read
};

// The kernel call's answer as a ClockState. Pure: `state` is adjtimex's
// return value (TIME_OK, TIME_ERROR, ...), `tx` the structure it filled.
ClockState clock_state_from_timex(const struct timex& tx, int state);

// One reading of the kernel's state (ntp_adjtime with modes 0: reads only).
ClockState read_kernel_clock();

// chrony's offset from `chronyc -c tracking` output (its third field after the
// reference name is the "system time" offset in seconds); nullopt if the line
// is not such output.
std::optional<double> chrony_offset_from_csv(const std::string& line);

// Where a process gets its readings. The default reads the kernel (and
// chrony, when `chronyc` answers); INK_CLOCK_STATE_FILE names a JSON file
// re-read at every reading instead ({"synchronized": bool,
// "max_error_seconds": s, "estimated_error_seconds": s, "offset_seconds": s}),
// for tests and for hosts whose time service reports through a file.
using ClockStateSource = std::function<ClockState()>;
ClockStateSource clock_state_source_from_env();
ClockStateSource kernel_clock_source();
ClockStateSource file_clock_source(std::string path);
// Parses the file format above; `readable` false with `problem` on bad input.
ClockState clock_state_from_json(const std::string& text, const std::string& source);

}  // namespace ink::ops
