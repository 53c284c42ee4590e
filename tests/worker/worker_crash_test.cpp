// kill -9 of ink-worker at every phase of an interval and at random moments:
// after a restart every ts is sequenced exactly once, the main tree continues
// consistently, and heads committed but not announced get announced.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <random>
#include <thread>

#include "worker/worker_support.h"

namespace ink::test {
namespace {

using namespace std::chrono_literals;

class CrashAtPhase : public ::testing::TestWithParam<const char*> {};

TEST_P(CrashAtPhase, RestartSequencesEverythingExactlyOnce) {
  std::string phase = GetParam();
  std::string db = migrated_database("wcrash");
  auto run = worker_run(db, "crash-" + phase);
  insert_ts(db, 120);
  // Crash in the third interval, which has ts of its own.
  run.env["INK_WORKER_CRASH_AT"] = phase + ":3";
  auto worker = start_worker(run);
  std::thread feeder([&] {
    try {
      for (int i = 0; i < 8; ++i) {
        insert_ts(db, 25);
        std::this_thread::sleep_for(60ms);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "insert failed: " << e.what();
    }
  });
  int status = worker->wait();
  feeder.join();
  ASSERT_EQ(status, 128 + SIGKILL) << read_file(run.log_path);
  int64_t committed = count(db, "SELECT count(*) FROM interval");
  if (phase == "after-commit" || phase == "after-publish") {
    EXPECT_EQ(count(db, "SELECT count(*) FROM interval WHERE NOT announced"), 1)
        << "the crashed worker committed a head it did not mark announced";
  } else {
    EXPECT_EQ(committed, 2) << "the interval being built when the worker died left nothing";
  }

  run.env.clear();
  auto restarted = start_worker(run);
  insert_ts(db, 50);
  ASSERT_TRUE(wait_sequenced(db, committed + 2)) << read_file(run.log_path);
  restarted->signal(SIGTERM);
  EXPECT_EQ(restarted->wait(), 0);
  verify_database(db);
  verify_recent_mth(db);
}

INSTANTIATE_TEST_SUITE_P(Phases, CrashAtPhase,
                         ::testing::Values("after-clock", "after-fetch", "after-build",
                                           "after-sign", "before-commit", "after-commit",
                                           "after-publish"),
                         [](const auto& p) {
                           std::string name = p.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Each round lets the worker reach sequencing (an interval closed by this
// run, observed), then kills it at a random moment of what follows. The
// seed is printed, and INK_TEST_SEED=<seed> replays a run.
TEST(CrashAtRandomMoments, KillNineWhileTsArriveLosesNothing) {
  std::string seed_text = env_value("INK_TEST_SEED");
  uint32_t seed = seed_text.empty() ? std::random_device{}() : std::stoul(seed_text);
  std::cout << "[   SEED   ] INK_TEST_SEED=" << seed << std::endl;
  SCOPED_TRACE("INK_TEST_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);

  std::string db = migrated_database("wrandom");
  auto run = worker_run(db, "random");
  std::atomic<bool> feeding{true};
  std::thread feeder([&] {
    try {
      while (feeding) {
        insert_ts(db, 17, 17, 5);
        std::this_thread::sleep_for(15ms);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "insert failed: " << e.what();
    }
  });
  auto intervals = [&] { return count(db, "SELECT count(*) FROM interval"); };
  for (int round = 0; round < 8; ++round) {
    int64_t before = intervals();
    auto worker = start_worker(run);
    bool sequencing = wait_until([&] { return intervals() > before; }, 60s);
    if (!sequencing) {
      feeding = false;
      feeder.join();
      FAIL() << "round " << round << ": the worker closed no interval before the kill\n"
             << read_file(run.log_path);
    }
    // A random moment within the next two intervals (0.2 s each).
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 400));
    worker->signal(SIGKILL);
    EXPECT_EQ(worker->wait(), 128 + SIGKILL) << "round " << round;
  }
  feeding = false;
  feeder.join();
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, intervals() + 2)) << read_file(run.log_path);
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(), 0);
  EXPECT_GT(count(db, "SELECT count(*) FROM ts"), 100);
  verify_database(db);
  verify_recent_mth(db);
  AuditRun audit = run_audit(db);
  EXPECT_EQ(audit.status, 0) << audit.output;
}

}  // namespace
}  // namespace ink::test
