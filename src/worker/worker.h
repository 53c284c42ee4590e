#pragma once
// The worker process's loop: the exclusive worker role, an interval every
// `interval`, announcements on Redis, retention, and recovery from outages.
//
// Exactly one active worker: the role is a session-level PostgreSQL advisory
// lock held on a dedicated connection. A second worker polls for it and
// takes over as soon as the first one's session ends (it dies, or its
// connection drops). If the lock connection fails, sequencing stops until
// the lock is re-acquired. The database still refuses forks on its own
// (see store::IntervalTransaction), whatever a stale worker does.

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/sign.h"
#include "pubsub/publisher.h"
#include "store/pg.h"
#include "worker/crash_hook.h"
#include "worker/sequencer.h"

namespace ink::worker {

struct WorkerConfig {
  std::string database_url;
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string authority = "localhost:23230";
  double interval_seconds = 2.0;  // 0.2 .. 60
  double retention_hours = 24.0;
  std::string key_path = "var/keys/ink-ed25519.pem";
};

inline constexpr int64_t kWorkerLockId = 7300100;

class Worker {
 public:
  Worker(WorkerConfig config, core::SigningKey key, CrashHook crash_hook = CrashHook::from_env());
  ~Worker();

  // Runs until `stop` becomes true; returns the process exit code. Never
  // returns on a database or Redis outage: it logs and retries.
  int run(const std::atomic<bool>& stop);

 private:
  bool ensure_lock(const std::atomic<bool>& stop);
  void ensure_connection();
  bool lock_alive();
  void announce_backlog();
  bool announce(const store::StoredInterval& row);
  void retention(int64_t now_us, std::chrono::steady_clock::time_point deadline);
  void sleep_until(std::chrono::steady_clock::time_point t, const std::atomic<bool>& stop);
  void drop_connection();

  WorkerConfig config_;
  core::SigningKey key_;
  CrashHook crash_hook_;
  store::sync::PgConnection lock_conn_;
  bool lock_held_ = false;
  store::sync::PgConnection conn_;
  std::unique_ptr<Sequencer> sequencer_;
  pubsub::HeadPublisher publisher_;
  std::deque<std::string> recent_;  // newest announced heads' JSON, oldest first
  bool backlog_ = true;             // maybe committed heads not announced yet
  std::chrono::steady_clock::time_point redis_retry_at_{};
  std::chrono::milliseconds redis_backoff_{100};
  std::chrono::steady_clock::time_point retention_at_{};
};

// The head JSON published on mth-live: to_wire_json(to_json(SignedHead)).
std::string head_json(const store::StoredInterval& row, const std::string& authority);

}  // namespace ink::worker
