#include "server/http_text.h"

#include <gtest/gtest.h>

namespace ink::server {
namespace {

std::optional<Format> pick(const char* accept, Format preferred = Format::kJson,
                           bool text = false) {
  return negotiate(std::string(accept), preferred, text);
}

TEST(Negotiate, MissingOrEmptyAcceptGivesThePreferredFormat) {
  EXPECT_EQ(negotiate(std::nullopt, Format::kCbor), Format::kCbor);
  EXPECT_EQ(pick("", Format::kCbor), Format::kCbor);
  EXPECT_EQ(pick("  ", Format::kJson), Format::kJson);
}

TEST(Negotiate, ExactTypesAndWildcards) {
  EXPECT_EQ(pick("application/cbor"), Format::kCbor);
  EXPECT_EQ(pick("Application/CBOR; charset=x"), Format::kCbor);
  EXPECT_EQ(pick("application/*", Format::kCbor), Format::kCbor);
  EXPECT_EQ(pick("*/*", Format::kCbor), Format::kCbor);
  EXPECT_EQ(pick("image/png"), std::nullopt);
  EXPECT_EQ(pick("text/plain"), std::nullopt);  // text only where allowed
  EXPECT_EQ(pick("text/plain", Format::kJson, true), Format::kText);
  EXPECT_EQ(pick("text/*", Format::kJson, true), Format::kText);
}

TEST(Negotiate, QValuesDecide) {
  EXPECT_EQ(pick("application/json;q=0.5, application/cbor;q=0.9"), Format::kCbor);
  EXPECT_EQ(pick("application/json;q=0.9, application/cbor;q=0.5", Format::kCbor), Format::kJson);
  EXPECT_EQ(pick("application/json; q=1, application/cbor; q=1", Format::kCbor), Format::kCbor);
  EXPECT_EQ(pick("application/json;Q=0.001"), Format::kJson);
}

TEST(Negotiate, QZeroRefusesAndTheMostSpecificRangeWins) {
  EXPECT_EQ(pick("application/json;q=0"), std::nullopt);
  EXPECT_EQ(pick("*/*, application/json;q=0"), Format::kCbor);
  EXPECT_EQ(pick("application/*;q=0, application/cbor"), Format::kCbor);
  EXPECT_EQ(pick("*/*;q=0"), std::nullopt);
  EXPECT_EQ(pick("application/*;q=0.2, */*;q=0.9, application/json;q=0.1", Format::kJson),
            Format::kCbor);  // json 0.1 (exact), cbor 0.2 (application/*)
}

TEST(Negotiate, MalformedQValuesCountAsZero) {
  EXPECT_EQ(pick("application/json;q=abc"), std::nullopt);
  EXPECT_EQ(pick("application/json;q=1.5"), std::nullopt);
  EXPECT_EQ(pick("application/json;q=0.12345"), std::nullopt);
  EXPECT_EQ(pick("application/json;q=, application/cbor"), Format::kCbor);
}

TEST(MediaType, ParametersAndCaseAreIgnored) {
  EXPECT_EQ(media_type(" Application/JSON ; charset=utf-8"), "application/json");
  EXPECT_EQ(request_format(""), Format::kJson);
  EXPECT_EQ(request_format("application/cbor"), Format::kCbor);
  EXPECT_EQ(request_format("application/xml"), std::nullopt);
}

TEST(Query, PercentDecodingAndPlus) {
  EXPECT_EQ(percent_decode("a%20b+c%2b"), "a b c+");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percent_decode("%4A%4a"), "JJ");
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("%4"), std::nullopt);
  EXPECT_EQ(percent_decode("a%4"), std::nullopt);
  EXPECT_EQ(percent_decode("%zz"), std::nullopt);
}

TEST(Query, NamesValuesAndFlags) {
  auto q = parse_query("wait&tag=a%20b&&compact=&Wait=x");
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.at("wait"), "");
  EXPECT_EQ(q.at("tag"), "a b");
  EXPECT_EQ(q.at("compact"), "");
  EXPECT_EQ(q.at("Wait"), "x");  // case-sensitive names
  EXPECT_THROW(parse_query("tag=%g0"), ApiError);
  EXPECT_TRUE(parse_query("").empty());
}

TEST(Index, OnlyCanonicalDecimals) {
  EXPECT_EQ(parse_index("0"), 0u);
  EXPECT_EQ(parse_index("17"), 17u);
  EXPECT_EQ(parse_index("9223372036854775807"), 9223372036854775807u);
  for (const char* bad : {"", "01", "00", "+1", "-1", "1e3", " 1", "1 ", "0x1",
                          "9223372036854775808", "99999999999999999999"})
    EXPECT_EQ(parse_index(bad), std::nullopt) << bad;
  EXPECT_THROW(index_or_400("01"), ApiError);
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(utf8_chars("abc"), 3u);
  EXPECT_EQ(utf8_chars("\xc3\xa4\xe2\x82\xac"), 2u);  // ä €
}

}  // namespace
}  // namespace ink::server
