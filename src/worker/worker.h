#pragma once
// The worker process's loop: the exclusive worker role, an interval every
// `interval`, announcements on Redis, retention, and recovery from outages.
//
// Exactly one active worker: the role is a session-level PostgreSQL advisory
// lock held on a dedicated connection together with the worker lease
// (store/worker_lease.h), both taken in one statement. A standby polls for
// them and takes over as soon as the holder's lock session ends (it dies, or
// its connection drops), or, if the holder hangs, once its lease has expired
// by the database clock: it then fences the holder (terminates its database
// sessions) first. The active worker renews the lease every interval (and
// between the phases of a long one); a worker that finds itself fenced
// abandons what it was doing, writes nothing, and becomes a standby. If the
// lock connection fails, sequencing stops until the role is re-acquired. The
// database still refuses forks on its own (see store::IntervalTransaction),
// whatever a stale worker does.

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/sign.h"
#include "ops/clock_guard.h"
#include "ops/metrics_endpoint.h"
#include "pubsub/publisher.h"
#include "store/pg.h"
#include "worker/crash_hook.h"
#include "worker/sequencer.h"
#include "worker/worker_metrics.h"

namespace ink::worker {

struct WorkerConfig {
  std::string database_url;
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string authority = "localhost:23230";
  double interval_seconds = 2.0;  // 0.2 .. 60
  double retention_hours = 24.0;
  std::string key_path = "var/keys/ink-ed25519.pem";
  // Seconds without a heartbeat after which a standby fences the active
  // worker. 0: the default, default_lease_seconds(interval_seconds).
  double lease_seconds = 0;
  // Loopback /metrics (docs/operations.md); empty: none.
  std::string metrics_listen = "127.0.0.1:9464";
  // Clock policy, as the backend's: with "enforce", no interval is closed
  // while the clock (this host's or the database server's) is off.
  std::string clock_policy = "warn";
  double max_clock_error_seconds = 1;
};

// The worker lock's id (db/003 takes it in ink_lease_claim).
inline constexpr int64_t kWorkerLockId = 7300100;

// 30 s, or three intervals when that is longer: well above the longest
// phase of a large interval (about 3 s for a million ts, docs/performance.md).
double default_lease_seconds(double interval_seconds);
// The shortest lease accepted: three intervals (the heartbeat is once per interval).
double min_lease_seconds(double interval_seconds);

class Worker {
 public:
  Worker(WorkerConfig config, core::SigningKey key, CrashHook crash_hook = CrashHook::from_env());
  ~Worker();

  // Runs until `stop` becomes true; returns the process exit code. Never
  // returns on a database or Redis outage: it logs and retries.
  int run(const std::atomic<bool>& stop);

 private:
  bool ensure_role(const std::atomic<bool>& stop);
  void connect_lock();
  void ensure_connection();
  void renew_lease();
  void heartbeat();
  void lose_role();
  void announce_backlog();
  bool announce(const store::IntervalRow& row);
  void retention(int64_t now_us, std::chrono::steady_clock::time_point deadline);
  void sleep_until(std::chrono::steady_clock::time_point t, const std::atomic<bool>& stop);
  void drop_connection();
  bool clock_allows_interval();
  void record_interval(const IntervalOutcome& outcome, double announce_seconds, bool announced);
  void take_next_key();
  void finish_rotation();

  WorkerConfig config_;
  core::SigningKey key_;
  CrashHook crash_hook_;
  std::string holder_;  // "host:pid", this worker's name in the lease
  int64_t lease_us_ = 0;
  store::sync::PgConnection lock_conn_;
  std::optional<int64_t> epoch_;       // the lease epoch held (the role), if any
  std::optional<int64_t> last_epoch_;  // the last one held, to tell when we were fenced
  std::chrono::steady_clock::time_point renewed_at_{};
  store::sync::PgConnection conn_;
  std::unique_ptr<Sequencer> sequencer_;
  pubsub::HeadPublisher publisher_;
  std::deque<std::string> recent_;  // newest announced heads' JSON, oldest first
  bool backlog_ = true;             // maybe committed heads not announced yet
  std::chrono::steady_clock::time_point redis_retry_at_{};
  std::chrono::milliseconds redis_backoff_{100};
  std::chrono::steady_clock::time_point retention_at_{};
  WorkerMetrics metrics_;
  ops::ClockGuard clock_;
  std::unique_ptr<ops::MetricsEndpoint> metrics_endpoint_;
  std::chrono::steady_clock::time_point clock_refusal_logged_{};
};

// The head JSON published on mth-live: to_wire_json(to_json(SignedHead)).
std::string head_json(const store::IntervalRow& row, const std::string& authority);

}  // namespace ink::worker
