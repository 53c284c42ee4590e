// The parameter encodings the store sends to PostgreSQL, and the migrations
// compiled into the programs. No database needed: these are the bytes and
// texts themselves.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "store/async_pg.h"
#include "store/schema.h"

namespace ink::store {
namespace {

std::string be32(uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

TEST(PgTextArray, QuotesEveryElementAndEscapesQuotesAndBackslashes) {
  EXPECT_EQ(pg_text_array({}), "{}");
  EXPECT_EQ(pg_text_array({std::string("a")}), "{\"a\"}");
  EXPECT_EQ(pg_text_array({std::string(""), std::nullopt, std::string("b,c")}),
            "{\"\",NULL,\"b,c\"}");
  // A quote or backslash inside an element must not end it or escape the next.
  EXPECT_EQ(pg_text_array({std::string("say \"hi\""), std::string("back\\slash")}),
            "{\"say \\\"hi\\\"\",\"back\\\\slash\"}");
  // The word NULL as text is an element, not a null.
  EXPECT_EQ(pg_text_array({std::string("NULL")}), "{\"NULL\"}");
}

TEST(PgBinaryArray, HeaderThenLengthPrefixedElements) {
  PgBinaryArray uuids(PgBinaryArray::kUuid);
  const std::string a(16, '\x01'), b(16, '\xfe');
  uuids.add(a);
  uuids.add(b);
  EXPECT_EQ(uuids.finish(),
            be32(1) + be32(0) + be32(2950) + be32(2) + be32(1) + be32(16) + a + be32(16) + b);
}

TEST(PgBinaryArray, NullsAreFlaggedAndHaveLengthMinusOne) {
  PgBinaryArray texts(PgBinaryArray::kText);
  texts.add("x");
  texts.add_null();
  texts.add("");
  EXPECT_EQ(texts.finish(), be32(1) + be32(1) + be32(25) + be32(3) + be32(1) + be32(1) + "x" +
                                be32(0xFFFFFFFFu) + be32(0));
}

TEST(PgBinaryArray, EmptyArrayStillNamesItsElementType) {
  PgBinaryArray bytes(PgBinaryArray::kBytea);
  EXPECT_EQ(bytes.finish(), be32(1) + be32(0) + be32(17) + be32(0) + be32(1));
}

TEST(EmbeddedMigrations, NumberedFromOneWithoutGapsAndNamedByTheirNumber) {
  const auto& all = embedded_migrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, int(i + 1)) << all[i].name;
    char prefix[4];
    std::snprintf(prefix, sizeof prefix, "%03d", all[i].version);
    EXPECT_EQ(all[i].name.substr(0, 3), prefix);
    EXPECT_FALSE(all[i].sql.empty()) << all[i].name;
  }
}

}  // namespace
}  // namespace ink::store
