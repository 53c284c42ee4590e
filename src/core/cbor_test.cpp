#include "core/cbor.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/protocol.h"
#include "core/sign.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

Bytes hex(std::string_view h) { return *from_hex(h); }
Json bin(std::string_view h) { return Json::binary(hex(h)); }

std::string encode_hex(const Json& j) { return to_hex(cbor_encode(j)); }

TEST(CborWriter, ShortestHeads) {
  const std::pair<uint64_t, const char*> cases[] = {{0, "00"},
                                                    {23, "17"},
                                                    {24, "1818"},
                                                    {255, "18ff"},
                                                    {256, "190100"},
                                                    {65535, "19ffff"},
                                                    {65536, "1a00010000"},
                                                    {4294967295, "1affffffff"},
                                                    {4294967296, "1b0000000100000000"},
                                                    {UINT64_MAX, "1bffffffffffffffff"}};
  for (const auto& [v, expected] : cases) {
    Bytes out;
    CborWriter(out).uint(v);
    EXPECT_EQ(to_hex(out), expected) << v;
  }
}

// RFC 7049 appendix A examples that the encoder can produce.
TEST(CborEncode, Rfc7049Examples) {
  EXPECT_EQ(encode_hex(Json(-1)), "20");
  EXPECT_EQ(encode_hex(Json(-10)), "29");
  EXPECT_EQ(encode_hex(Json(-100)), "3863");
  EXPECT_EQ(encode_hex(Json(-1000)), "3903e7");
  EXPECT_EQ(encode_hex(Json(INT64_MIN)), "3b7fffffffffffffff");
  EXPECT_EQ(encode_hex(Json(1000000)), "1a000f4240");
  EXPECT_EQ(encode_hex(Json(1.1)), "fb3ff199999999999a");
  EXPECT_EQ(encode_hex(Json(false)), "f4");
  EXPECT_EQ(encode_hex(Json(true)), "f5");
  EXPECT_EQ(encode_hex(Json(nullptr)), "f6");
  EXPECT_EQ(encode_hex(Json::binary({1, 2, 3, 4})), "4401020304");
  EXPECT_EQ(encode_hex(Json("")), "60");
  EXPECT_EQ(encode_hex(Json("IETF")), "6449455446");
  EXPECT_EQ(encode_hex(Json("\u00fc")), "62c3bc");
  EXPECT_EQ(encode_hex(Json::array()), "80");
  EXPECT_EQ(encode_hex(Json::array({1, Json::array({2, 3}), Json::array({4, 5})})),
            "8301820203820405");
  EXPECT_EQ(encode_hex(Json::object()), "a0");
  EXPECT_EQ(encode_hex(Json{{"a", 1}, {"b", Json::array({2, 3})}}), "a26161016162820203");
}

TEST(CborEncode, KeysLengthFirstThenBytewise) {
  // std::map order would be "aa", "b", "c"; canonical order is "b", "c", "aa".
  EXPECT_EQ(encode_hex(Json{{"aa", 0}, {"c", 0}, {"b", 0}}),
            "a3616200616300626161"
            "00");
  // A 24-byte key has a two-byte head and sorts after any shorter one.
  const std::string long_key(24, 'a');
  EXPECT_EQ(encode_hex(Json{{long_key, 0}, {"zzzzzzzzzzzzzzzzzzzzzzz", 1}}).substr(0, 4), "a277");
}

TEST(CborEncode, TimestampVectors) {
  const Json vectors = test_vectors::load_vectors();
  const Json& cases = vectors.at("timestamp_hash");
  ASSERT_FALSE(cases.empty());
  for (const Json& v : cases) {
    const Json doc{
        {"data", v["data"]}, {"timestamp", v["timestamp"]}, {"typ", "ts"}, {"version", "1"}};
    EXPECT_EQ(encode_hex(doc), v["cbor"].get<std::string>());
  }
}

TEST(CborEncode, IntervalVectors) {
  const Json vectors = test_vectors::load_vectors();
  const Json& cases = vectors.at("interval_hash");
  ASSERT_FALSE(cases.empty());
  for (const Json& v : cases) {
    const Json doc{{"index", v["index"]},
                   {"timestamp", v["timestamp"]},
                   {"ith", bin(v["ith"].get<std::string>())},
                   {"typ", "it"},
                   {"version", "1"}};
    EXPECT_EQ(encode_hex(doc), v["cbor"].get<std::string>());
  }
}

TEST(CborEncode, SignedHeadStatementVector) {
  const Json v = test_vectors::load_vectors().at("signed_head");
  const Json doc{{"authority", v["authority"]},
                 {"interval", v["interval"]},
                 {"mth", bin(v["mth"].get<std::string>())},
                 {"typ", "mth"},
                 {"version", "1"}};
  EXPECT_EQ(encode_hex(doc), v["statement_cbor"].get<std::string>());
}

TEST(CborEncode, CompactProofVector) {
  const Json v = test_vectors::load_vectors().at("compact").at("timestamp_example");
  ASSERT_FALSE(v.at("path").empty());
  Json path = Json::array();
  for (const Json& h : v["path"]) path.push_back(bin(h.get<std::string>()));
  const Bytes cbor = cbor_encode(Json::array({v["a"], path}));
  const std::string compact = v["compact"].get<std::string>();
  EXPECT_EQ(to_base64url(cbor), compact.substr(compact.rfind(',') + 1));
}

TEST(ToWireJson, BinaryBecomesBase64Everywhere) {
  const Json doc{{"h", Json::binary({0xfb, 0xff})},
                 {"list", Json::array({Json::binary({}), 1, "x"})},
                 {"nested", Json{{"b", Json::binary({0x66})}}}};
  const Json wire = to_wire_json(doc);
  EXPECT_EQ(wire["h"], "+/8=");
  EXPECT_EQ(wire["list"][0], "");
  EXPECT_EQ(wire["list"][1], 1);
  EXPECT_EQ(wire["list"][2], "x");
  EXPECT_EQ(wire["nested"]["b"], "Zg==");
  EXPECT_EQ(wire.dump().find("bytes"), std::string::npos);
}

}  // namespace
}  // namespace ink::core
