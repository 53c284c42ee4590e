#pragma once
// Helpers for the worker's integration tests: insert ts the way the backend
// does (ink_insert_ts), run ink-worker, and check everything the worker
// stored against the core library, independently of the worker's own code.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/pg.h"
#include "support/test_env.h"

namespace ink::test {

inline constexpr const char* kAuthority = "test.unchanging.ink";

// A fresh database with the schema applied (as the worker would at start-up).
std::string migrated_database(const std::string& prefix);

// Inserts `count` ts with random ids and hashes in batches through
// ink_insert_ts; every `duplicate_every`-th hash repeats the previous one.
void insert_ts(const std::string& db_url, int count, int batch = 100, int duplicate_every = 0);

struct WorkerRun {
  std::string db_url;
  std::string key_path;
  std::string log_path;
  double interval = 0.2;
  std::map<std::string, std::string> env;
  std::vector<std::string> extra_args;
};
std::unique_ptr<Process> start_worker(const WorkerRun& run);
WorkerRun worker_run(const std::string& db_url, const std::string& name);

int64_t count(const std::string& db_url, const std::string& sql);
// True when every ts has its ts_leaf row (all sequenced) and every head is announced.
bool all_sequenced_and_announced(const std::string& db_url);
// Waits (up to timeout) for all_sequenced_and_announced() and at least `min_intervals` intervals.
bool wait_sequenced(const std::string& db_url, int64_t min_intervals = 1, int timeout_ms = 30000);

// Checks, with gtest assertions: exactly-once sequencing; interval contents
// by clock range; every ts's (a, path) from interval_level verifies to ith;
// levels equal a fresh IntervalTree; ihash, mth = root of all ihashes,
// inclusion and consistency stored with each head, signatures; inclusion
// and consistency proofs for many pairs read through PgNodeReader.
// `retained` false skips per-ts checks (rows deleted by retention).
void verify_database(const std::string& db_url, bool retained = true);

// GET recent-mth: checks it holds the newest announced heads, oldest first.
void verify_recent_mth(const std::string& db_url);

// Runs `ink-worker --audit` (with kAuthority) on the database; its exit code and output.
struct AuditRun {
  int status = -1;
  std::string output;
};
AuditRun run_audit(const std::string& db_url, const std::vector<std::string>& extra_args = {});

bool log_contains(const std::string& path, const std::string& text);
// The holder named in the worker lease ("host:pid"), "" before any claim.
std::string lease_holder(const std::string& db_url);
// True when the lease names the worker process `pid` as its holder.
bool lease_held_by(const std::string& db_url, pid_t pid);

}  // namespace ink::test
