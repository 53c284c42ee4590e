#include "server/rate_limit.h"

#include <gtest/gtest.h>

namespace ink::server {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, BurstThenRefillAtTheRate) {
  RateLimiter limiter(10, 5);  // 10/s, 5 saved up
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("a", t)) << i;
  EXPECT_FALSE(limiter.allow("a", t));
  EXPECT_FALSE(limiter.allow("a", t + 50ms));  // half a token
  EXPECT_TRUE(limiter.allow("a", t + 100ms));  // one token
  EXPECT_FALSE(limiter.allow("a", t + 100ms));
  // Never more than the burst, however long the pause.
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += limiter.allow("a", t + 1h);
  EXPECT_EQ(allowed, 5);
}

TEST(RateLimiter, EachClientHasItsOwnBucket) {
  RateLimiter limiter(1, 2);
  auto t = Clock::time_point{} + 1h;
  EXPECT_TRUE(limiter.allow("a", t));
  EXPECT_TRUE(limiter.allow("a", t));
  EXPECT_FALSE(limiter.allow("a", t));
  EXPECT_TRUE(limiter.allow("b", t));
  EXPECT_TRUE(limiter.allow("b", t));
  EXPECT_FALSE(limiter.allow("b", t));
  EXPECT_EQ(limiter.tracked(), 2u);
}

TEST(RateLimiter, FullBucketsAreSweptAndFullAgainWhenSeenNext) {
  RateLimiter limiter(1, 3);
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) limiter.allow("client-" + std::to_string(i), t);
  EXPECT_TRUE(limiter.allow("busy", t));
  EXPECT_TRUE(limiter.allow("busy", t));
  EXPECT_TRUE(limiter.allow("busy", t));
  EXPECT_EQ(limiter.tracked(), 101u);
  // 11 s later every bucket but the one still refilling ("busy" took 3,
  // refilled 3 -> full too) is full: all are dropped at the next look.
  limiter.allow("late", t + 11s);
  EXPECT_EQ(limiter.tracked(), 1u);
  EXPECT_TRUE(limiter.allow("busy", t + 11s));
}

TEST(RateLimiter, BucketsStillRefillingAreKept) {
  RateLimiter limiter(0.1, 3);  // a token per 10 s
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) limiter.allow("slow", t);
  limiter.allow("other", t + 11s);  // sweep: "slow" has 1.1 tokens of 3
  EXPECT_EQ(limiter.tracked(), 2u);
  EXPECT_TRUE(limiter.allow("slow", t + 11s));
  EXPECT_FALSE(limiter.allow("slow", t + 11s));
}

TEST(RateLimiter, ZeroRateTurnsItOff) {
  RateLimiter limiter(0, 1);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.allow("a"));
  EXPECT_EQ(limiter.tracked(), 0u);
}

}  // namespace
}  // namespace ink::server
