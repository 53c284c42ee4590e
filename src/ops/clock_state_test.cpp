#include "ops/clock_state.h"

#include <gtest/gtest.h>
#include <sys/timex.h>

#include <cstdio>
#include <cstring>
#include <fstream>

namespace ink::ops {
namespace {

struct timex synced_timex() {
  struct timex tx;
  std::memset(&tx, 0, sizeof tx);
  tx.status = STA_PLL;
  tx.maxerror = 250000;  // microseconds
  tx.esterror = 1500;
  return tx;
}

TEST(ClockState, ASynchronisedKernelClockWithItsErrorsInSeconds) {
  ClockState s = clock_state_from_timex(synced_timex(), TIME_OK);
  EXPECT_TRUE(s.readable);
  EXPECT_TRUE(s.synchronized);
  EXPECT_DOUBLE_EQ(s.max_error_seconds, 0.25);
  EXPECT_DOUBLE_EQ(s.estimated_error_seconds, 0.0015);
  EXPECT_EQ(s.source, "kernel");
}

TEST(ClockState, StaUnsyncOrTimeErrorMeansNotSynchronised) {
  auto tx = synced_timex();
  tx.status |= STA_UNSYNC;
  EXPECT_FALSE(clock_state_from_timex(tx, TIME_OK).synchronized);
  EXPECT_FALSE(clock_state_from_timex(synced_timex(), TIME_ERROR).synchronized);
  // A pending leap second is still a disciplined clock.
  EXPECT_TRUE(clock_state_from_timex(synced_timex(), TIME_INS).synchronized);
}

TEST(ClockState, AFailedCallIsUnreadable) {
  ClockState s = clock_state_from_timex(synced_timex(), -1);
  EXPECT_FALSE(s.readable);
  EXPECT_FALSE(s.synchronized);
  EXPECT_FALSE(s.problem.empty());
}

TEST(ClockState, TheRealKernelCallAnswersAndAgreesWithItsStatusBit) {
  ClockState s = read_kernel_clock();
  ASSERT_TRUE(s.readable) << s.problem;
  struct timex tx;
  std::memset(&tx, 0, sizeof tx);
  int state = ntp_adjtime(&tx);
  // The status bit changes only when a time daemon acts; both readings agree.
  EXPECT_EQ(s.synchronized, state != TIME_ERROR && !(tx.status & STA_UNSYNC));
  EXPECT_GE(s.max_error_seconds, 0);
}

TEST(ClockState, ChronyCsvOffsetIsTheSystemTimeField) {
  const char* line =
      "A9FEA97B,169.254.169.123,4,1698140407.155412390,-0.000001736,-0.000002095,0.000009219,"
      "-13.345,-0.000,0.008,0.000461498,0.000037016,64.1,Normal\n";
  auto offset = chrony_offset_from_csv(line);
  ASSERT_TRUE(offset);
  EXPECT_DOUBLE_EQ(*offset, -0.000001736);
  EXPECT_FALSE(chrony_offset_from_csv("506 Cannot talk to daemon"));
  EXPECT_FALSE(chrony_offset_from_csv("a,b,c,d,notanumber,f,g,h,i,j,k,l,m,n"));
}

TEST(ClockState, JsonFileStatesAndTheirErrors) {
  auto s = clock_state_from_json(R"({"synchronized": true, "max_error_seconds": 0.5,
                                     "offset_seconds": -0.01})",
                                 "file:x");
  EXPECT_TRUE(s.readable);
  EXPECT_TRUE(s.synchronized);
  EXPECT_DOUBLE_EQ(s.max_error_seconds, 0.5);
  ASSERT_TRUE(s.offset_seconds);
  EXPECT_DOUBLE_EQ(*s.offset_seconds, -0.01);
  auto bad = clock_state_from_json(R"({"synchronized": "yes"})", "file:x");
  EXPECT_FALSE(bad.readable);
  EXPECT_NE(bad.problem.find("boolean"), std::string::npos);
  EXPECT_FALSE(clock_state_from_json("{", "file:x").readable);
}

TEST(ClockState, FileSourceRereadsTheFileAtEachReading) {
  std::string path = ::testing::TempDir() + "/clock-state-" + std::to_string(::getpid()) + ".json";
  auto source = file_clock_source(path);
  std::remove(path.c_str());
  EXPECT_FALSE(source().readable);
  std::ofstream(path) << R"({"synchronized": false, "max_error_seconds": 16})";
  EXPECT_FALSE(source().synchronized);
  EXPECT_TRUE(source().readable);
  std::ofstream(path) << R"({"synchronized": true})";
  EXPECT_TRUE(source().synchronized);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ink::ops
