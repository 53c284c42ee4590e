#pragma once
// `ink-worker --audit`: reads the whole database in one snapshot and checks
// everything that must hold of what the worker stored (see checks.h for the
// list). Read-only; safe to run while the worker and the backends run.

#include <cstdint>
#include <iosfwd>
#include <string>

namespace ink::audit {

struct AuditConfig {
  std::string database_url;
  std::string authority;  // the deployment's INK_AUTHORITY: signed into every head
  // The worker's INK_RETENTION_HOURS (0: for ever): ts older than this, and
  // the interval trees of intervals closed before it, may be gone.
  double retention_hours = 24.0;
  int window_intervals = 2000;  // intervals read at a time
  int64_t window_ts = 250000;   // ts held in memory at a time (one interval may exceed it)
};

// Exit codes of ink-worker --audit.
inline constexpr int kAuditPassed = 0;
inline constexpr int kAuditFailed = 1;     // something does not hold; the first rows are printed
inline constexpr int kAuditCannotRun = 2;  // the database cannot be read, or its schema is unknown

// Runs the audit, prints the summary (and the first offending rows) to `out`.
int run_audit(const AuditConfig& config, std::ostream& out);

}  // namespace ink::audit
