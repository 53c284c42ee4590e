#include "core/decode.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace ink::core {
namespace {

Result<Json> cbor(std::string_view hex, const DecodeLimits& limits = {}) {
  auto bytes = from_hex(hex);
  EXPECT_TRUE(bytes) << hex;
  return decode_cbor_strict(*bytes, limits);
}

// Expects the CBOR to be rejected with `code` and a message containing `words`.
void expect_cbor_rejected(std::string_view hex, ErrorCode code, std::string_view words,
                          const DecodeLimits& limits = {}) {
  auto r = cbor(hex, limits);
  ASSERT_FALSE(r) << hex << " was accepted as " << r->dump();
  EXPECT_EQ(r.error().code, code) << hex << ": " << r.error().message;
  EXPECT_NE(r.error().message.find(words), std::string::npos)
      << hex << ": message \"" << r.error().message << "\" lacks \"" << words << "\"";
}

void expect_json_rejected(std::string_view text, ErrorCode code, std::string_view words,
                          const DecodeLimits& limits = {}) {
  auto r = decode_json_strict(text, limits);
  ASSERT_FALSE(r) << text << " was accepted";
  EXPECT_EQ(r.error().code, code) << text << ": " << r.error().message;
  EXPECT_NE(r.error().message.find(words), std::string::npos)
      << text << ": message \"" << r.error().message << "\" lacks \"" << words << "\"";
}

TEST(DecodeCbor, AcceptsWellFormedDocuments) {
  auto r = cbor("a26464617461656869212121636e756d1903e8");  // {"data": "hi!!!", "num": 1000}
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["data"], "hi!!!");
  EXPECT_EQ((*r)["num"], 1000);

  auto bytes = cbor("824401020304f6");  // [h'01020304', null]
  ASSERT_TRUE(bytes);
  ASSERT_TRUE((*bytes)[0].is_binary());
  EXPECT_EQ(Bytes((*bytes)[0].get_binary()), Bytes({1, 2, 3, 4}));
  EXPECT_TRUE((*bytes)[1].is_null());

  EXPECT_EQ(*cbor("3b7fffffffffffffff"), Json(INT64_MIN));
  EXPECT_EQ(*cbor("1bffffffffffffffff"), Json(UINT64_MAX));
  EXPECT_EQ(*cbor("f5"), Json(true));
  EXPECT_EQ(*cbor("80"), Json::array());
  EXPECT_EQ(*cbor("a0"), Json::object());
  EXPECT_DOUBLE_EQ(cbor("f93e00")->get<double>(),
                   1.5);  // floats decode; protocol parsers reject them
}

TEST(DecodeCbor, RoundTripsThroughTheEncoder) {
  const Json doc{{"a", 1},
                 {"bytes", Json::binary({0, 255})},
                 {"list", Json::array({-5, "x", nullptr, false, Json::object()})},
                 {"nested", Json{{"deeper", Json::array({Json::array({1})})}}}};
  auto decoded = decode_cbor_strict(cbor_encode(doc));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, doc);
}

TEST(DecodeCbor, RejectsEmptyTruncatedAndTrailing) {
  expect_cbor_rejected("", ErrorCode::kInvalidArgument, "empty");
  expect_cbor_rejected("82", ErrorCode::kInvalidArgument, "truncated");  // array of 2, no items
  expect_cbor_rejected("8201", ErrorCode::kInvalidArgument, "truncated");
  expect_cbor_rejected("a1636b6579", ErrorCode::kInvalidArgument,
                       "truncated");                                     // key without value
  expect_cbor_rejected("19", ErrorCode::kInvalidArgument, "truncated");  // head cut short
  expect_cbor_rejected("1b00000000", ErrorCode::kInvalidArgument, "truncated");
  expect_cbor_rejected("6461", ErrorCode::kInvalidArgument, "ends first");  // "a" of 4 bytes
  expect_cbor_rejected("0001", ErrorCode::kInvalidArgument, "trailing");
  expect_cbor_rejected("a0a0", ErrorCode::kInvalidArgument, "trailing");
  expect_cbor_rejected("f6ff", ErrorCode::kInvalidArgument, "trailing");
}

TEST(DecodeCbor, RejectsHugeLengthsWithoutAllocating) {
  // Strings, arrays and maps claiming far more than the body holds.
  expect_cbor_rejected("5b7fffffffffffffff00", ErrorCode::kLimitExceeded, "limit");
  expect_cbor_rejected("7b000000000000000a61", ErrorCode::kInvalidArgument, "ends first");
  expect_cbor_rejected("5a0000000a0102", ErrorCode::kInvalidArgument, "ends first");
  expect_cbor_rejected("9bffffffffffffffff", ErrorCode::kLimitExceeded, "limit");
  expect_cbor_rejected("bbffffffffffffffff", ErrorCode::kLimitExceeded, "limit");
  expect_cbor_rejected("9a000003e80000", ErrorCode::kInvalidArgument, "ends first");  // 1000 items
}

TEST(DecodeCbor, RejectsIndefiniteLengths) {
  expect_cbor_rejected("9f01ff", ErrorCode::kInvalidArgument, "indefinite");
  expect_cbor_rejected("bf616101ff", ErrorCode::kInvalidArgument, "indefinite");
  expect_cbor_rejected("7f616161ff", ErrorCode::kInvalidArgument, "indefinite");
  expect_cbor_rejected("5f4101ff", ErrorCode::kInvalidArgument, "indefinite");
  expect_cbor_rejected(
      "81"
      "7f616161ff",
      ErrorCode::kInvalidArgument, "indefinite");
  expect_cbor_rejected("ff", ErrorCode::kInvalidArgument, "break");
  expect_cbor_rejected("1f", ErrorCode::kInvalidArgument, "invalid");  // uint with info 31
}

TEST(DecodeCbor, RejectsReservedInfoTagsAndSimpleValues) {
  expect_cbor_rejected("1c", ErrorCode::kInvalidArgument, "reserved");
  expect_cbor_rejected("7d", ErrorCode::kInvalidArgument, "reserved");
  expect_cbor_rejected("c074323031332d30332d32315432303a30343a30305a", ErrorCode::kInvalidArgument,
                       "tag");
  expect_cbor_rejected("d8184101", ErrorCode::kInvalidArgument, "tag");
  expect_cbor_rejected("a16161c101", ErrorCode::kInvalidArgument, "tag");  // tagged map value
  expect_cbor_rejected("f7", ErrorCode::kInvalidArgument, "simple");       // undefined
  expect_cbor_rejected("f0", ErrorCode::kInvalidArgument, "simple");       // simple(16)
  expect_cbor_rejected("f820", ErrorCode::kInvalidArgument, "simple");     // simple(32)
}

TEST(DecodeCbor, RejectsNegativeIntegersBelowInt64) {
  expect_cbor_rejected("3b8000000000000000", ErrorCode::kInvalidArgument, "negative");
  expect_cbor_rejected("3bffffffffffffffff", ErrorCode::kInvalidArgument, "negative");
}

TEST(DecodeCbor, RejectsDuplicateAndNonTextKeys) {
  expect_cbor_rejected("a2616101616102", ErrorCode::kInvalidArgument, "duplicate");
  expect_cbor_rejected("a10102", ErrorCode::kInvalidArgument, "not text");  // integer key
  expect_cbor_rejected("a1416101", ErrorCode::kInvalidArgument, "not text");
  expect_cbor_rejected("a1800102", ErrorCode::kInvalidArgument, "not text");  // array key
  expect_cbor_rejected("a1f601", ErrorCode::kInvalidArgument, "not text");    // null key
}

TEST(DecodeCbor, RejectsInvalidUtf8) {
  expect_cbor_rejected("62c328", ErrorCode::kInvalidArgument, "UTF-8");
  expect_cbor_rejected("62c080", ErrorCode::kInvalidArgument, "UTF-8");      // overlong NUL
  expect_cbor_rejected("63eda080", ErrorCode::kInvalidArgument, "UTF-8");    // surrogate
  expect_cbor_rejected("a162c0af01", ErrorCode::kInvalidArgument, "UTF-8");  // key
  expect_cbor_rejected("8161ff", ErrorCode::kInvalidArgument, "UTF-8");
  // Byte strings may hold anything.
  EXPECT_TRUE(cbor("42c328"));
}

TEST(DecodeCbor, EnforcesLimits) {
  DecodeLimits small;
  small.max_bytes = 8;
  small.max_depth = 2;
  small.max_items = 3;
  small.max_string_bytes = 4;
  expect_cbor_rejected("8901020304050607080900", ErrorCode::kLimitExceeded, "body", small);
  expect_cbor_rejected("81818101", ErrorCode::kLimitExceeded, "nesting", small);
  EXPECT_TRUE(cbor("818101", small));
  expect_cbor_rejected("8401020304", ErrorCode::kLimitExceeded, "items", small);
  EXPECT_TRUE(cbor("83010203", small));
  expect_cbor_rejected("a4616101616202616303616404", ErrorCode::kLimitExceeded, "items",
                       DecodeLimits{64, 8, 3, 16});
  expect_cbor_rejected("656162636465", ErrorCode::kLimitExceeded, "string", small);
  expect_cbor_rejected("450102030405", ErrorCode::kLimitExceeded, "string", small);
  EXPECT_TRUE(cbor("6461626364", small));
}

TEST(DecodeCbor, DeepNestingIsRefusedNotOverflowed) {
  std::string hex;
  for (int i = 0; i < 20000; ++i) hex += "81";
  hex += "00";
  DecodeLimits limits;
  limits.max_bytes = 1 << 20;
  expect_cbor_rejected(hex, ErrorCode::kLimitExceeded, "nesting", limits);
}

TEST(DecodeJson, AcceptsWellFormedDocuments) {
  auto r = decode_json_strict(R"( {"data": "Gr\u00fc\u00dfe", "n": [1, -2, 3.5, true, null]} )");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["data"], "Grüße");
  EXPECT_EQ((*r)["n"][1], -2);
  EXPECT_TRUE((*r)["n"][2].is_number_float());
  EXPECT_EQ(*decode_json_strict("\"x\""), Json("x"));
  EXPECT_EQ(*decode_json_strict("[]"), Json::array());
}

TEST(DecodeJson, RejectsMalformed) {
  expect_json_rejected("", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{\"a\": }", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{\"a\": 1,}", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{'a': 1}", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{\"a\": 1} x", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{\"a\": 1}{}", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("[1] // comment", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{\"a\": NaN}", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{\"a\": 01}", ErrorCode::kInvalidArgument, "JSON");
}

TEST(DecodeJson, RejectsDuplicateKeys) {
  expect_json_rejected(R"({"data": "a", "data": "b"})", ErrorCode::kInvalidArgument, "duplicate");
  expect_json_rejected(R"({"x": {"k": 1, "k": 1}})", ErrorCode::kInvalidArgument, "duplicate");
  // The same key in different objects is fine.
  EXPECT_TRUE(decode_json_strict(R"({"a": {"k": 1}, "b": {"k": 1}})"));
}

TEST(DecodeJson, RejectsInvalidUtf8AndLoneSurrogates) {
  expect_json_rejected("\"\xC3\x28\"", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("\"\xC0\x80\"", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected("{\"\xFF\": 1}", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected(R"("\ud800")", ErrorCode::kInvalidArgument, "JSON");
  expect_json_rejected(R"("\udc00x")", ErrorCode::kInvalidArgument, "JSON");
}

// Messages go back to the client inside a JSON error body; nlohmann quotes
// the bytes it last read, and dump() throws on invalid UTF-8 in a string.
TEST(DecodeJson, MessagesAreValidUtf8EvenForInvalidInput) {
  for (std::string_view text : {std::string_view("\"\xFF\""), std::string_view("[\"a\xC3\x28\"]"),
                                std::string_view("{\"\xFE\": 1}"), std::string_view("\xFF"),
                                std::string_view("[1,\x80]"), std::string_view("\"\xE4\xB8")}) {
    auto r = decode_json_strict(text);
    ASSERT_FALSE(r) << text;
    EXPECT_TRUE(is_valid_utf8(r.error().message)) << r.error().message;
    const Json body{{"message", r.error().message}};
    EXPECT_NO_THROW((void)body.dump()) << r.error().message;
  }
  // The offending byte is still named.
  auto r = decode_json_strict("\"\xFF\"");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("\\xFF"), std::string::npos) << r.error().message;
}

TEST(DecodeJson, EnforcesLimits) {
  DecodeLimits small;
  small.max_bytes = 32;
  small.max_depth = 2;
  small.max_items = 3;
  small.max_string_bytes = 4;
  expect_json_rejected(std::string(33, ' ') + "1", ErrorCode::kLimitExceeded, "body", small);
  expect_json_rejected("[[[1]]]", ErrorCode::kLimitExceeded, "nesting", small);
  EXPECT_TRUE(decode_json_strict("[[1]]", small));
  expect_json_rejected("[1,2,3,4]", ErrorCode::kLimitExceeded, "items", small);
  expect_json_rejected(R"({"a":1,"b":2,"c":3,"d":4})", ErrorCode::kLimitExceeded, "items", small);
  EXPECT_TRUE(decode_json_strict(R"({"a":1,"b":2,"c":3})", small));
  expect_json_rejected(R"("abcde")", ErrorCode::kLimitExceeded, "text", small);
  expect_json_rejected(R"({"abcde": 1})", ErrorCode::kLimitExceeded, "key", small);
}

TEST(DecodeJson, DeepNestingIsRefused) {
  DecodeLimits limits;
  limits.max_bytes = 1 << 20;
  expect_json_rejected(std::string(100000, '['), ErrorCode::kLimitExceeded, "nesting", limits);
}

}  // namespace
}  // namespace ink::core
