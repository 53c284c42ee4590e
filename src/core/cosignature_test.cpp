// The cosignature vectors (tests/vectors/cosignatures.json), made from the
// definitions by an independent generator (Node's crypto): the statement
// bytes, each witness key's id, and which signatures verify.
#include "core/cosignature.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/encoding.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_vectors::fixed;
nlohmann::json vectors() { return test_vectors::read_vectors(INK_COSIGNATURE_VECTORS); }

TEST(Cosignature, WitnessKeysFromTheirSeedsHaveTheListedIds) {
  auto v = vectors();
  ASSERT_GE(v["witnesses"].size(), 3u);
  for (const auto& w : v["witnesses"]) {
    auto seed = from_hex(w["seed_hex"].get<std::string>());
    ASSERT_TRUE(seed.ok());
    auto key = SigningKey::from_seed(*seed);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->public_key(), fixed<32>(w["public_key"]));
    EXPECT_EQ(key->key_id(), w["key"].get<std::string>());
  }
}

TEST(Cosignature, StatementsAndVerdictsMatchTheVectors) {
  auto v = vectors();
  std::map<std::string, PublicKey> keys;
  for (const auto& w : v["witnesses"]) keys[w["name"]] = fixed<32>(w["public_key"]);
  int valid = 0, refused = 0;
  for (const auto& c : v["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::string name = c["witness"], authority = c["authority"];
    uint64_t interval = c["interval"];
    Hash mth = fixed<32>(c["mth"]);
    EXPECT_EQ(to_hex(cosignature_statement(authority, interval, mth, name)),
              c["statement_hex"].get<std::string>());
    ASSERT_TRUE(keys.count(name));
    bool ok =
        verify_cosignature(keys[name], name, authority, interval, mth, fixed<64>(c["signature"]));
    EXPECT_EQ(ok, c["valid"].get<bool>());
    (ok ? valid : refused)++;
  }
  EXPECT_GE(valid, 6);
  EXPECT_GE(refused, 5);
}

TEST(Cosignature, OnlyTheWitnessKeyOverThoseExactFieldsVerifies) {
  auto witness = SigningKey::generate();
  auto other = SigningKey::generate();
  ASSERT_TRUE(witness.ok() && other.ok());
  Hash mth{};
  mth[0] = 7;
  auto sig = witness->sign(cosignature_statement("ink.example", 5, mth, "w"));
  EXPECT_TRUE(verify_cosignature(witness->public_key(), "w", "ink.example", 5, mth, sig));
  EXPECT_FALSE(verify_cosignature(other->public_key(), "w", "ink.example", 5, mth, sig));
  EXPECT_FALSE(verify_cosignature(witness->public_key(), "w", "ink.example", 6, mth, sig));
  EXPECT_FALSE(verify_cosignature(witness->public_key(), "v", "ink.example", 5, mth, sig));
  // Never the log's own head statement.
  EXPECT_NE(cosignature_statement("ink.example", 5, mth, "w"),
            head_statement("ink.example", 5, mth));
}

}  // namespace
}  // namespace ink::core
