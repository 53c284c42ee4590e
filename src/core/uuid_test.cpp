#include "core/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace ink::core {
namespace {

TEST(Uuid, FormatAndParseRoundTrip) {
  Uuid id{0x01, 0x90, 0xa1, 0xb2, 0xc3, 0xd4, 0x7e, 0x5f,
          0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b};
  EXPECT_EQ(format_uuid(id), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  auto back = parse_uuid("0190A1B2-c3d4-7E5F-8a9b-0c1d2e3f4a5b");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, id);
}

TEST(Uuid, ParseRefusesOtherForms) {
  for (const char* bad :
       {"", "0190a1b2c3d47e5f8a9b0c1d2e3f4a5b", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5",
        "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5bb", "0190a1b2_c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "g190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "{0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5}"})
    EXPECT_FALSE(parse_uuid(bad).ok()) << bad;
}

TEST(Uuid, V7CarriesItsTimeAndBits) {
  std::array<uint8_t, 10> random;
  random.fill(0xFF);
  auto id = uuid_v7(0x0123456789AB, random);
  EXPECT_EQ(id[6] >> 4, 7);       // version
  EXPECT_EQ(id[8] >> 6, 2);       // variant 10
  EXPECT_EQ(id[6] & 0x0F, 0x0F);  // random bits kept around them
  EXPECT_EQ(uuid_v7_unix_ms(id), 0x0123456789AB);
  id[6] = 0x4F;  // version 4
  EXPECT_FALSE(uuid_v7_unix_ms(id).has_value());
}

TEST(Uuid, NewIdsAreV7NowAndDistinct) {
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::set<Uuid> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_uuid_v7();
    auto ms = uuid_v7_unix_ms(id);
    ASSERT_TRUE(ms.has_value());
    EXPECT_GE(*ms, now_ms);
    EXPECT_LT(*ms, now_ms + 60'000);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

}  // namespace
}  // namespace ink::core
