#include "core/encoding.h"

#include <gtest/gtest.h>

#include <random>

namespace ink::core {
namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(Hex, RoundTripsAndIsLowerCase) {
  const Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  EXPECT_EQ(*from_hex("0001abff"), b);
  EXPECT_EQ(*from_hex("0001ABFF"), b);
  EXPECT_TRUE(from_hex("")->empty());
}

TEST(Hex, RejectsOddLengthAndNonDigits) {
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_FALSE(from_hex("0x00"));
  EXPECT_FALSE(from_hex(" 00"));
  EXPECT_EQ(from_hex("g0").error().code, ErrorCode::kInvalidArgument);
}

TEST(Hex, HashNeedsExactly64Digits) {
  const std::string h(64, 'a');
  EXPECT_TRUE(hash_from_hex(h));
  EXPECT_FALSE(hash_from_hex(h.substr(2)));
  EXPECT_FALSE(hash_from_hex(h + "aa"));
}

// RFC 4648 section 10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(to_base64(as_bytes(plain)), encoded);
    auto decoded = from_base64(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, bytes_of(plain));
  }
}

TEST(Base64, UsesStandardAlphabet) {
  const Bytes b = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(to_base64(b), "+/+/");
  EXPECT_EQ(to_base64url(b), "-_-_");
  EXPECT_FALSE(from_base64("-_-_"));
  EXPECT_FALSE(from_base64url("+/+/"));
}

TEST(Base64, RejectsMalformed) {
  EXPECT_FALSE(from_base64("Zg"));     // padding missing
  EXPECT_FALSE(from_base64("Zg="));    // padding short
  EXPECT_FALSE(from_base64("Zg==="));  // too much padding
  EXPECT_FALSE(from_base64("Z==="));   // lone character
  EXPECT_FALSE(from_base64("===="));
  EXPECT_FALSE(from_base64("Zm=v"));  // padding inside
  EXPECT_FALSE(from_base64("Zh=="));  // non-zero trailing bits
  EXPECT_FALSE(from_base64("Zm9vYh=="));
  EXPECT_FALSE(from_base64("Zm9 v"));  // space
  EXPECT_FALSE(from_base64("Zm9v\n"));
  EXPECT_FALSE(from_base64(std::string_view("Zm\0v", 4)));
}

TEST(Base64Url, NoPaddingAndStrict) {
  EXPECT_EQ(to_base64url(as_bytes("f")), "Zg");
  EXPECT_EQ(to_base64url(as_bytes("fo")), "Zm8");
  EXPECT_EQ(*from_base64url("Zm8"), bytes_of("fo"));
  EXPECT_FALSE(from_base64url("Zg=="));  // padding is not part of base64url here
  EXPECT_FALSE(from_base64url("Z"));     // impossible length
  EXPECT_FALSE(from_base64url("Zh"));    // non-zero trailing bits
}

TEST(Base64, RandomRoundTrips) {
  std::mt19937 rng(7);
  for (int n = 0; n < 200; ++n) {
    Bytes b(static_cast<size_t>(n));
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    EXPECT_EQ(*from_base64(to_base64(b)), b);
    EXPECT_EQ(*from_base64url(to_base64url(b)), b);
    EXPECT_EQ(*from_hex(to_hex(b)), b);
  }
}

TEST(Base64, AppendKeepsWhatIsThere) {
  std::string out = "x:";
  append_base64(out, as_bytes(std::string_view("fo")));
  append_base64(out, as_bytes(std::string_view("foobar")));
  EXPECT_EQ(out, "x:Zm8=Zm9vYmFy");
}

TEST(Base64, HashFromBase64NeedsThirtyTwoBytes) {
  Hash h{};
  h[0] = 1;
  EXPECT_EQ(*hash_from_base64(to_base64(h)), h);
  EXPECT_FALSE(hash_from_base64(to_base64(as_bytes("short"))));
}

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("Grüße, 世界"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));
}

TEST(Utf8, RejectsInvalidText) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));          // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("ok\xE4\xB8"));  // truncated at the end
}

}  // namespace
}  // namespace ink::core
