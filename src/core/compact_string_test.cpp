#include "core/compact_string.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/cbor.h"
#include "core/encoding.h"

namespace ink::core {
namespace {

Json compact_vectors() {
  std::ifstream in(INK_VECTORS_PATH);
  const Json all = Json::parse(in);
  return Json{{"compact", all["compact"]}, {"signed_head", all["signed_head"]}};
}

CompactTs vector_ts(const Json& v) {
  CompactTs ts;
  ts.authority = v["authority"];
  ts.interval = v["interval"];
  ts.timestamp = v["timestamp"];
  ts.a = v["a"];
  for (const Json& h : v["path"]) ts.path.push_back(*hash_from_hex(h.get<std::string>()));
  return ts;
}

TEST(CompactString, HeadVector) {
  const Json v = compact_vectors();
  const CompactHead head{v["signed_head"]["authority"], v["signed_head"]["interval"],
                         *hash_from_hex(v["signed_head"]["mth"].get<std::string>())};
  EXPECT_EQ(format_compact(head), v["compact"]["mth"].get<std::string>());
  auto parsed = parse_compact_head(v["compact"]["mth"].get<std::string>());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->authority, head.authority);
  EXPECT_EQ(parsed->interval, head.interval);
  EXPECT_EQ(parsed->mth, head.mth);
}

TEST(CompactString, TimestampVector) {
  const Json v = compact_vectors()["compact"]["timestamp_example"];
  const CompactTs ts = vector_ts(v);
  EXPECT_EQ(format_compact(ts), v["compact"].get<std::string>());
  auto parsed = parse_compact_ts(v["compact"].get<std::string>());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->authority, ts.authority);
  EXPECT_EQ(parsed->interval, ts.interval);
  EXPECT_EQ(parsed->timestamp, ts.timestamp);
  EXPECT_EQ(parsed->a, ts.a);
  EXPECT_EQ(parsed->path, ts.path);
}

TEST(CompactString, TimestampWithEmptyPathAndPortAuthority) {
  CompactTs ts;
  ts.authority = "localhost:23230";
  ts.interval = 0;
  ts.timestamp = "2026-11-28T12:00:00.000000Z";
  const std::string text = format_compact(ts);
  auto parsed = parse_compact_ts(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->authority, "localhost:23230");
  EXPECT_TRUE(parsed->path.empty());
}

TEST(CompactString, RejectsMalformedHeads) {
  const std::string good = compact_vectors()["compact"]["mth"];
  ASSERT_TRUE(parse_compact_head(good));
  const std::string mth = good.substr(good.find(':') + 1);
  const std::string bad[] = {
      "",
      "/4#v1:" + mth,              // no authority
      "example.org#v1:" + mth,     // no slash
      "example.org/04#v1:" + mth,  // leading zero
      "example.org/-4#v1:" + mth,
      "example.org/4a#v1:" + mth,
      "example.org/#v1:" + mth,
      "example.org/18446744073709551616#v1:" + mth,  // 2^64
      "example.org/4#v2:" + mth,
      "example.org/4v1:" + mth,
      "example.org/4#v1" + mth,
      "example.org/4#v1:" + mth + "A",  // 33 bytes / wrong length
      "example.org/4#v1:" + mth.substr(1),
      "example.org/4#v1:" + mth + "=",  // padding
      "exa mple.org/4#v1:" + mth,
      "example.org/4#v1:" + std::string(43, '+'),
      "example.org/4#v1:isrxx_qZ3CRMSzpzkQZTYPa7Xn6Vh8q0ACcQbKLkfnZ",  // trailing bits
  };
  for (const std::string& text : bad) EXPECT_FALSE(parse_compact_head(text)) << text;
  EXPECT_TRUE(parse_compact_head("example.org/18446744073709551615#v1:" + mth));
}

TEST(CompactString, RejectsMalformedTimestamps) {
  const Json v = compact_vectors()["compact"]["timestamp_example"];
  const std::string good = v["compact"];
  const std::string prefix = "example.org/7#v1,2026-11-28T12:00:00.000001Z,";
  ASSERT_EQ(good.rfind(prefix, 0), 0u);
  const std::string proof = good.substr(prefix.size());

  auto encode = [](std::string_view hex) { return to_base64url(*from_hex(hex)); };
  const std::string bad[] = {
      "example.org/7#v1,2026-11-28T12:00:00.000001," + proof,   // clock without Z
      "example.org/7#v1,2026-02-30T12:00:00.000001Z," + proof,  // no such day
      "example.org/7#v1," + proof,
      "example.org/7#v1:2026-11-28T12:00:00.000001Z," + proof,
      prefix + proof + "A",
      prefix + proof + ",",
      prefix + encode("8205"),      // one element missing
      prefix + encode("830580f6"),  // three elements
      prefix + encode("82058141"
                      "00"),  // path element of 1 byte
      prefix + encode("8205"
                      "81"
                      "5820" +
                      std::string(62, '0')),  // 31 bytes declared 32: truncated
      prefix + encode("82fb4014000000000000"
                      "80"),  // a as a float
      prefix + encode("8220"
                      "80"),  // a negative
      prefix + encode("821805"
                      "80"),        // a not in shortest form
      prefix + encode("9f0580ff"),  // indefinite array
      prefix + encode("c2820580"),  // tagged
      prefix + encode("820580"
                      "00"),  // trailing byte
  };
  for (const std::string& text : bad) EXPECT_FALSE(parse_compact_ts(text)) << text;
  EXPECT_TRUE(parse_compact_ts(prefix + encode("820580")));
}

}  // namespace
}  // namespace ink::core
