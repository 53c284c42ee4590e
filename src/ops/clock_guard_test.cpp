#include "ops/clock_guard.h"

#include <gtest/gtest.h>

namespace ink::ops {
namespace {

ClockState good() {
  ClockState s;
  s.readable = true;
  s.synchronized = true;
  s.max_error_seconds = 0.05;
  s.source = "test";
  return s;
}

TEST(ClockPolicy, ParsesModesAndRefusesNonsense) {
  EXPECT_FALSE(ClockPolicy::parse("warn", 1).enforce);
  EXPECT_TRUE(ClockPolicy::parse("enforce", 0.5).enforce);
  EXPECT_DOUBLE_EQ(ClockPolicy::parse("enforce", 0.5).max_error_seconds, 0.5);
  EXPECT_THROW(ClockPolicy::parse("strict", 1), std::invalid_argument);
  EXPECT_THROW(ClockPolicy::parse("warn", 0), std::invalid_argument);
  EXPECT_THROW(ClockPolicy::parse("warn", -1), std::invalid_argument);
}

TEST(ClockProblem, EachReasonToDistrustTheClock) {
  EXPECT_EQ(clock_problem(good(), std::nullopt, 1), "");
  auto unreadable = good();
  unreadable.readable = false;
  unreadable.problem = "no such file";
  EXPECT_NE(clock_problem(unreadable, std::nullopt, 1).find("no such file"), std::string::npos);
  auto unsync = good();
  unsync.synchronized = false;
  EXPECT_NE(clock_problem(unsync, std::nullopt, 1).find("not synchronised"), std::string::npos);
  auto wide = good();
  wide.max_error_seconds = 16;
  EXPECT_NE(clock_problem(wide, std::nullopt, 1).find("maxerror"), std::string::npos);
  EXPECT_EQ(clock_problem(wide, std::nullopt, 20), "");
  auto off = good();
  off.offset_seconds = -1.5;
  EXPECT_NE(clock_problem(off, std::nullopt, 1).find("chrony"), std::string::npos);
  // The database clock: off beyond the bound even allowing for the round trip.
  EXPECT_NE(clock_problem(good(), DatabaseClockReading{2.0, 0.1}, 1).find("database"),
            std::string::npos);
  EXPECT_EQ(clock_problem(good(), DatabaseClockReading{1.05, 0.1}, 1), "");
  EXPECT_NE(clock_problem(good(), DatabaseClockReading{-1.5, 0.1}, 1), "");
}

TEST(DatabaseClockReading, OffsetFromTheMiddleOfTheRoundTrip) {
  auto r = database_clock_reading(1'000'000, 3'500'000, 2'000'000);
  EXPECT_DOUBLE_EQ(r.offset_seconds, 2.0);
  EXPECT_DOUBLE_EQ(r.uncertainty_seconds, 0.5);
}

TEST(ClockGuard, EnforceRefusesWhileTheClockIsOffAndResumes) {
  ClockState state = good();
  ClockGuard guard(
      ClockPolicy::parse("enforce", 1), [&] { return state; }, nullptr, "test");
  guard.refresh();
  EXPECT_FALSE(guard.refusal());
  state.synchronized = false;
  guard.refresh();
  ASSERT_TRUE(guard.refusal());
  EXPECT_NE(guard.refusal()->find("not synchronised"), std::string::npos);
  state.synchronized = true;
  guard.refresh();
  EXPECT_FALSE(guard.refusal());
  EXPECT_EQ(guard.problem(), "");
}

TEST(ClockGuard, WarnReportsTheProblemButNeverRefuses) {
  ClockState state = good();
  state.synchronized = false;
  ClockGuard guard(
      ClockPolicy::parse("warn", 1), [&] { return state; }, nullptr, "test");
  guard.refresh();
  EXPECT_FALSE(guard.refusal());
  EXPECT_NE(guard.problem(), "");
  EXPECT_FALSE(guard.snapshot().local.synchronized);
}

TEST(ClockGuard, TheDatabaseReadingCountsAndIsKeptBetweenProbes) {
  int probes = 0;
  ClockGuard guard(
      ClockPolicy::parse("enforce", 1), [] { return good(); },
      [&]() -> std::optional<DatabaseClockReading> {
        ++probes;
        return DatabaseClockReading{3.0, 0.001};
      },
      "test");
  guard.refresh();
  guard.refresh();  // within 5 s: the reading is reused
  EXPECT_EQ(probes, 1);
  ASSERT_TRUE(guard.refusal());
  EXPECT_NE(guard.refusal()->find("database"), std::string::npos);
  ASSERT_TRUE(guard.snapshot().database);
  EXPECT_DOUBLE_EQ(guard.snapshot().database->offset_seconds, 3.0);
}

TEST(ClockGuard, TheBackgroundThreadRefreshes) {
  std::atomic<int> reads{0};
  ClockGuard guard(
      ClockPolicy::parse("warn", 1),
      [&] {
        ++reads;
        return good();
      },
      nullptr, "test");
  guard.start(std::chrono::milliseconds(10));
  for (int i = 0; i < 500 && reads < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  guard.stop();
  EXPECT_GE(reads.load(), 3);
}

TEST(ClockGuard, StartReadsThisHostAtOnceAndTheDatabaseOnItsThread) {
  // The database reading may wait for a connect timeout: never in start().
  std::atomic<bool> probed_on_caller{false}, probed{false};
  auto caller = std::this_thread::get_id();
  ClockState state = good();
  state.synchronized = false;
  ClockGuard guard(
      ClockPolicy::parse("enforce", 1), [&] { return state; },
      [&]() -> std::optional<DatabaseClockReading> {
        if (std::this_thread::get_id() == caller) probed_on_caller = true;
        probed = true;
        return std::nullopt;
      },
      "test");
  guard.start(std::chrono::milliseconds(10));
  EXPECT_TRUE(guard.refusal()) << "this host's state is known when start() returns";
  for (int i = 0; i < 500 && !probed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  guard.stop();
  EXPECT_TRUE(probed);
  EXPECT_FALSE(probed_on_caller);
}

}  // namespace
}  // namespace ink::ops
