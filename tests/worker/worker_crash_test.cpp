// kill -9 of ink-worker at every phase of an interval and at random moments:
// after a restart every ts is sequenced exactly once, the main tree continues
// consistently, and heads committed but not announced get announced.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
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

TEST(CrashAtRandomMoments, KillNineWhileTsArriveLosesNothing) {
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
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 8; ++round) {
    auto worker = start_worker(run);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 650));
    worker->signal(SIGKILL);
    worker->wait();
  }
  feeding = false;
  feeder.join();
  auto worker = start_worker(run);
  ASSERT_TRUE(wait_sequenced(db, 3)) << read_file(run.log_path);
  worker->signal(SIGTERM);
  EXPECT_EQ(worker->wait(), 0);
  EXPECT_GT(count(db, "SELECT count(*) FROM ts"), 100);
  verify_database(db);
  verify_recent_mth(db);
}

}  // namespace
}  // namespace ink::test
