#include "core/record_hash.h"

#include <gtest/gtest.h>

#include <string>

#include "core/cbor.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_vectors::hex_hash;
using test_vectors::load_vectors;

TEST(RecordHash, TimestampHashVectors) {
  const Json doc = load_vectors();
  const Json& cases = doc.at("timestamp_hash");
  ASSERT_FALSE(cases.empty());
  for (const Json& v : cases) {
    const std::string data = v.at("data"), timestamp = v.at("timestamp");
    SCOPED_TRACE(data);
    EXPECT_EQ(to_hex(ts_cbor(data, timestamp)), v.at("cbor").get<std::string>());
    EXPECT_EQ(ts_hash(data, timestamp), hex_hash(v.at("hash")));
    // The hand-ordered writer agrees with the generic canonical encoder.
    EXPECT_EQ(ts_cbor(data, timestamp),
              cbor_encode(
                  Json{{"data", data}, {"timestamp", timestamp}, {"typ", "ts"}, {"version", "1"}}));
  }
}

TEST(RecordHash, IntervalHashVectors) {
  const Json doc = load_vectors();
  const Json& cases = doc.at("interval_hash");
  ASSERT_FALSE(cases.empty());
  for (const Json& v : cases) {
    const IntervalRecord record{v.at("index"), v.at("timestamp"), hex_hash(v.at("ith"))};
    SCOPED_TRACE("interval " + std::to_string(record.index));
    EXPECT_EQ(to_hex(interval_cbor(record)), v.at("cbor").get<std::string>());
    EXPECT_EQ(ihash(record), hex_hash(v.at("ihash")));
    // The interval record document (core/json_write.h) is the same record.
    EXPECT_EQ(interval_cbor(record), cbor_encode(to_json(record)));
  }
}

}  // namespace
}  // namespace ink::core
