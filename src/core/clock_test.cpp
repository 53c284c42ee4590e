#include "core/clock.h"

#include <gtest/gtest.h>

namespace ink::core {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(Clock, FormatsKnownInstants) {
  EXPECT_EQ(format_clock(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_clock(1617665982944682), "2021-04-05T23:39:42.944682Z");
  EXPECT_EQ(format_clock(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_clock(951782400LL * kSecond), "2000-02-29T00:00:00.000000Z");
  EXPECT_EQ(format_clock(253402300799LL * kSecond + 999999), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_clock(-62135596800LL * kSecond), "0001-01-01T00:00:00.000000Z");
}

TEST(Clock, ParsesKnownInstants) {
  EXPECT_EQ(*parse_clock("1970-01-01T00:00:00.000000Z"), 0);
  EXPECT_EQ(*parse_clock("2021-04-05T23:39:42.944682Z"), 1617665982944682);
  EXPECT_EQ(*parse_clock("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(*parse_clock("0001-01-01T00:00:00.000000Z"), -62135596800LL * kSecond);
}

TEST(Clock, RoundTripsAcrossCenturies) {
  // Steps of about 37 days plus odd seconds, from year 1 to 9999.
  for (int64_t t = -62135596800LL * kSecond; t < 253402300799LL * kSecond; t += 3210987654321LL) {
    const std::string text = format_clock(t);
    auto parsed = parse_clock(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(*parsed, t) << text;
  }
}

TEST(Clock, LeapYears) {
  EXPECT_TRUE(parse_clock("2024-02-29T00:00:00.000000Z"));
  EXPECT_TRUE(parse_clock("2000-02-29T00:00:00.000000Z"));
  EXPECT_FALSE(parse_clock("1900-02-29T00:00:00.000000Z"));
  EXPECT_FALSE(parse_clock("2023-02-29T00:00:00.000000Z"));
  EXPECT_FALSE(parse_clock("2024-02-30T00:00:00.000000Z"));
  EXPECT_FALSE(parse_clock("2024-04-31T00:00:00.000000Z"));
}

TEST(Clock, RejectsMalformed) {
  const char* bad[] = {
      "",
      "2021-04-05T23:39:42.944682",    // no Z
      "2021-04-05T23:39:42.94468Z",    // five digits
      "2021-04-05T23:39:42.9446820Z",  // seven digits
      "2021-04-05 23:39:42.944682Z",   // space
      "2021-04-05t23:39:42.944682Z",   // lower-case t
      "2021-04-05T23:39:42.944682z",
      "2021-04-05T23:39:42,944682Z",
      "2021-04-05T23:39:42.944682+00:00",
      "2021-13-05T23:39:42.944682Z",  // month 13
      "2021-00-05T23:39:42.944682Z",
      "2021-04-00T23:39:42.944682Z",
      "2021-04-05T24:00:00.000000Z",
      "2021-04-05T23:60:00.000000Z",
      "2016-12-31T23:59:60.000000Z",  // leap second
      "0000-01-01T00:00:00.000000Z",
      "+021-04-05T23:39:42.944682Z",
      "2021-04-05T23:39:4a.944682Z",
      "2021-4-05T23:39:42.944682Z ",
      "20210405T233942.944682Z",
  };
  for (const char* text : bad) {
    auto r = parse_clock(text);
    EXPECT_FALSE(r) << text;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace ink::core
