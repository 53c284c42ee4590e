#pragma once
// Whether this process may date new timestamps: the clock policy
// (INK_CLOCK_POLICY=warn|enforce, INK_MAX_CLOCK_ERROR), judged on this host's
// clock state and on the database server's clock measured against ours (the
// database gives the readings that date every ts and interval). A background
// thread refreshes the verdict every second; callers only read it.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ops/clock_state.h"

namespace ink::ops {

struct ClockPolicy {
  bool enforce = false;          // warn: log and export only; enforce: refuse to date
  double max_error_seconds = 1;  // the bound on the clock's error (INK_MAX_CLOCK_ERROR)
  // "warn" or "enforce"; throws std::invalid_argument otherwise.
  static ClockPolicy parse(const std::string& mode, double max_error_seconds);
  const char* mode_name() const { return enforce ? "enforce" : "warn"; }
};

// The database server's clock minus this host's, from one round trip.
struct DatabaseClockReading {
  double offset_seconds = 0;
  double uncertainty_seconds = 0;  // half the round trip
};

// Empty when the clock may be trusted within the bound, else why not (one
// sentence an operator can act on). Pure.
std::string clock_problem(const ClockState& local, const std::optional<DatabaseClockReading>& db,
                          double max_error_seconds);

// Measures the database clock from local readings taken around a query.
// Pure: `before_us`/`after_us` are this host's clock, `db_us` the server's.
DatabaseClockReading database_clock_reading(int64_t before_us, int64_t db_us, int64_t after_us);

// One database clock reading over its own connection (reconnects lazily;
// nullopt while the database cannot be reached: that is the pool's concern).
std::function<std::optional<DatabaseClockReading>()> database_clock_probe(std::string database_url);

class ClockGuard {
 public:
  using DatabaseProbe = std::function<std::optional<DatabaseClockReading>()>;
  ClockGuard(ClockPolicy policy, ClockStateSource source, DatabaseProbe database_probe,
             std::string program);
  ~ClockGuard();
  ClockGuard(const ClockGuard&) = delete;
  ClockGuard& operator=(const ClockGuard&) = delete;

  // Reads the state now, and the database clock when its turn has come
  // (unless `with_database` is false: that reading can wait for a connect
  // timeout while the database is down).
  void refresh(bool with_database = true);
  // Refreshes every `period` on a thread of its own until destroyed.
  void start(std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  void stop();

  const ClockPolicy& policy() const { return policy_; }
  // Why new timestamps must be refused now (enforce only), else nullopt.
  std::optional<std::string> refusal() const;
  // What is wrong with the clock, whatever the policy (for /ready, status).
  std::string problem() const;

  struct Snapshot {
    ClockState local;
    std::optional<DatabaseClockReading> database;
    std::string problem;
  };
  Snapshot snapshot() const;

 private:
  ClockPolicy policy_;
  ClockStateSource source_;
  DatabaseProbe database_probe_;
  std::string program_;
  mutable std::mutex mutex_;
  Snapshot current_;
  bool first_ = true;
  std::chrono::steady_clock::time_point database_due_{};
  std::atomic<bool> refusing_{false};
  std::mutex thread_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ink::ops
