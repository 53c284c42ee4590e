// The worker lease (db/003, store/worker_lease.h): a hung active worker is
// fenced by a standby once its lease expires (database clock), the standby
// sequences, and the old worker, resumed, writes nothing and becomes a
// standby. Every step is observed (log lines, the lease row, new
// intervals); deadlines only guard against hangs.
#include "store/worker_lease.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "core/sign.h"
#include "store/schema.h"
#include "worker/sequencer.h"
#include "worker/worker_support.h"

namespace ink::test {
namespace {

using namespace std::chrono_literals;
using store::sync::PgConnection;

constexpr auto kHang = 60s;  // a deadline against hangs only

int64_t intervals(const std::string& db) { return count(db, "SELECT count(*) FROM interval"); }

struct Pair {
  WorkerRun a, b;
};

// Two workers on one database with the same key and a short lease.
Pair two_workers(const std::string& db, const std::string& name) {
  Pair p{worker_run(db, name + "-a"), worker_run(db, name + "-b")};
  p.b.key_path = p.a.key_path;
  for (WorkerRun* r : {&p.a, &p.b}) r->extra_args = {"--lease", "3"};
  return p;
}

// What the old worker logged after `offset`: it must never have closed an interval.
void expect_wrote_nothing_after(const WorkerRun& run, size_t offset) {
  std::string after = read_file(run.log_path).substr(offset);
  EXPECT_EQ(after.find("interval="), std::string::npos)
      << "the fenced worker closed an interval after it was resumed:\n"
      << after;
}

TEST(WorkerLease, AStoppedWorkerIsFencedAndTheStandbyTakesOver) {
  std::string db = fresh_database("wlease");
  Pair p = two_workers(db, "lease");
  auto a = start_worker(p.a);
  ASSERT_TRUE(wait_sequenced(db, 2)) << read_file(p.a.log_path);
  ASSERT_TRUE(lease_held_by(db, a->pid())) << lease_holder(db);
  auto b = start_worker(p.b);
  ASSERT_TRUE(wait_until([&] { return log_contains(p.b.log_path, "waiting to take over"); }, kHang))
      << read_file(p.b.log_path);
  insert_ts(db, 150, 50, 7);
  ASSERT_TRUE(wait_sequenced(db, 4)) << read_file(p.a.log_path);
  int64_t epoch = count(db, "SELECT epoch FROM worker_lease");

  a->signal(SIGSTOP);
  insert_ts(db, 120, 40);  // accepted while the active worker hangs
  ASSERT_TRUE(wait_until([&] { return lease_held_by(db, b->pid()); }, kHang))
      << "the standby never fenced the stopped worker\n"
      << read_file(p.b.log_path);
  EXPECT_GT(count(db, "SELECT epoch FROM worker_lease"), epoch);
  EXPECT_TRUE(log_contains(p.b.log_path, "fencing it")) << read_file(p.b.log_path);
  EXPECT_TRUE(log_contains(p.b.log_path, "terminated 2 database session(s)"))
      << "the lock and the sequencing connection\n"
      << read_file(p.b.log_path);
  // The standby sequences what arrived while the other was stopped.
  ASSERT_TRUE(wait_sequenced(db, intervals(db) + 2)) << read_file(p.b.log_path);
  EXPECT_TRUE(log_contains(p.b.log_path, "interval=")) << read_file(p.b.log_path);

  size_t resumed_at = read_file(p.a.log_path).size();
  a->signal(SIGCONT);
  ASSERT_TRUE(wait_until(
      [&] {
        std::string after = read_file(p.a.log_path).substr(resumed_at);
        return after.find("FENCED") != std::string::npos &&
               after.find("waiting to take over") != std::string::npos;
      },
      kHang))
      << "the resumed worker must find itself fenced and wait as a standby\n"
      << read_file(p.a.log_path);
  insert_ts(db, 80);
  ASSERT_TRUE(wait_sequenced(db, intervals(db) + 3)) << read_file(p.b.log_path);
  EXPECT_TRUE(lease_held_by(db, b->pid()));
  expect_wrote_nothing_after(p.a, resumed_at);

  a->signal(SIGTERM);
  b->signal(SIGTERM);
  EXPECT_EQ(a->wait(), 0);
  EXPECT_EQ(b->wait(), 0);
  verify_database(db);
  AuditRun audit = run_audit(db);
  EXPECT_EQ(audit.status, 0) << audit.output;
}

// The fence lands after the worker checked its lease inside the interval
// transaction and before its COMMIT: the standby's claim terminates the
// stopped worker's sessions (aborting the transaction), so the interval the
// stopped worker built never lands; the standby sequences the same ts.
TEST(WorkerLease, AFenceBetweenTheLeaseCheckAndTheCommitLeavesNothingBehind) {
  std::string db = migrated_database("wfence");
  Pair p = two_workers(db, "fence");
  p.a.env["INK_WORKER_STOP_AT"] = "before-commit:4";
  insert_ts(db, 60);
  auto a = start_worker(p.a);
  ASSERT_TRUE(wait_until([&] { return log_contains(p.a.log_path, "interval=1 "); }, kHang))
      << read_file(p.a.log_path);
  auto b = start_worker(p.b);
  ASSERT_TRUE(wait_until([&] { return log_contains(p.b.log_path, "waiting to take over"); }, kHang))
      << read_file(p.b.log_path);
  insert_ts(db, 90, 30, 4);
  ASSERT_TRUE(wait_until([&] { return log_contains(p.a.log_path, "INK_WORKER_STOP_AT"); }, kHang))
      << read_file(p.a.log_path);
  // Interval 3 was written and its lease row locked, but not committed.
  EXPECT_EQ(intervals(db), 3);

  ASSERT_TRUE(wait_until([&] { return lease_held_by(db, b->pid()) && intervals(db) > 4; }, kHang))
      << read_file(p.b.log_path);
  size_t resumed_at = read_file(p.a.log_path).size();
  a->signal(SIGCONT);
  ASSERT_TRUE(wait_until(
      [&] { return read_file(p.a.log_path).find("FENCED", resumed_at) != std::string::npos; },
      kHang))
      << read_file(p.a.log_path);
  insert_ts(db, 40);
  ASSERT_TRUE(wait_sequenced(db, intervals(db) + 2)) << read_file(p.b.log_path);
  expect_wrote_nothing_after(p.a, resumed_at);
  a->signal(SIGTERM);
  b->signal(SIGTERM);
  EXPECT_EQ(a->wait(), 0);
  EXPECT_EQ(b->wait(), 0);
  verify_database(db);
  AuditRun audit = run_audit(db);
  EXPECT_EQ(audit.status, 0) << audit.output;
}

// Without termination (a takeover whose fence could not end this session):
// the epoch check inside the interval transaction alone refuses the commit.
TEST(WorkerLease, TheIntervalTransactionRefusesAnEpochThatIsNoLongerTheLeases) {
  std::string db = migrated_database("wepoch");
  auto key = core::SigningKey::generate();
  ASSERT_TRUE(key.ok());
  auto lock = PgConnection::connect(db, "ink-worker-lock");
  auto claim = store::WorkerLease(lock).try_claim("test:1", 60'000'000);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->previous_epoch, 0);
  auto other = PgConnection::connect(db, "ink-worker-lock");
  EXPECT_FALSE(store::WorkerLease(other).try_claim("test:2", 60'000'000).has_value())
      << "the worker lock is held";
  EXPECT_FALSE(store::WorkerLease(other).fence(claim->epoch).has_value())
      << "an unexpired lease is not fenced";

  auto conn = PgConnection::connect(db, "ink-worker");
  ASSERT_TRUE(store::WorkerLease(conn).join(claim->epoch));
  worker::Sequencer sequencer(conn, *key, kAuthority, {}, worker::Fencing{claim->epoch, {}});
  sequencer.load();
  insert_ts(db, 10);
  EXPECT_EQ(sequencer.run_interval().row.index, 0u);
  EXPECT_TRUE(store::WorkerLease(lock).renew(claim->epoch, 60'000'000));

  query_value(db, "UPDATE worker_lease SET epoch = epoch + 1, holder = 'test:3'");
  insert_ts(db, 10);
  EXPECT_THROW(sequencer.run_interval(), store::Fenced);
  EXPECT_EQ(intervals(db), 1) << "nothing written";
  EXPECT_EQ(count(db, "SELECT count(*) FROM ts_leaf"), 10);
  EXPECT_FALSE(store::WorkerLease(lock).renew(claim->epoch, 60'000'000));
  auto late = PgConnection::connect(db, "ink-worker");
  EXPECT_FALSE(store::WorkerLease(late).join(claim->epoch));
}

}  // namespace
}  // namespace ink::test
