// The key list of GET /api/v1/keys (docs/keys.md): made from the stored
// rows, written as JSON, read back, and turned into checked chains.
#include "core/key_listing.h"

#include <gtest/gtest.h>

#include "core/json_write.h"

namespace ink::core {
namespace {

struct Log {
  SigningKey legacy = *SigningKey::generate();  // swapped out before transitions existed
  SigningKey a = *SigningKey::generate();
  SigningKey b = *SigningKey::generate();
  SigningKey c = *SigningKey::generate();
};

KeyTransition transition(const SigningKey& from, const SigningKey& to, uint64_t interval) {
  Bytes statement = key_transition_statement("ink.example", interval, to.public_key());
  return {interval, from.public_key(), to.public_key(), from.sign(statement), to.sign(statement)};
}

KeyRevocation revocation(const SigningKey& key, uint64_t after, const SigningKey& signer) {
  return {key.public_key(), after, signer.public_key(),
          signer.sign(key_revocation_statement("ink.example", after, key.public_key()))};
}

std::vector<ListedKey> listing(const Log& log) {
  return list_keys(
      {log.legacy.public_key(), log.a.public_key(), log.c.public_key(), log.b.public_key()},
      {transition(log.a, log.b, 10), transition(log.b, log.c, 20)}, {revocation(log.a, 5, log.c)},
      log.c.public_key(), log.legacy.public_key());
}

TEST(KeyListing, OldestFirstWithRangesTransitionsAndRevocations) {
  Log log;
  auto keys = listing(log);
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[0].public_key, log.legacy.public_key());
  EXPECT_FALSE(keys[0].first_interval);  // head 0 is the legacy key's, but it is outside the chain
  EXPECT_EQ(keys[1].public_key, log.a.public_key());
  EXPECT_FALSE(keys[1].first_interval);  // head 0 was not signed by it
  EXPECT_EQ(keys[1].last_interval, 9u);
  EXPECT_EQ(keys[1].revocation->after, 5u);
  EXPECT_EQ(keys[2].public_key, log.b.public_key());
  EXPECT_EQ(keys[2].first_interval, 10u);
  EXPECT_EQ(keys[2].last_interval, 19u);
  EXPECT_EQ(keys[3].public_key, log.c.public_key());
  EXPECT_EQ(keys[3].first_interval, 20u);
  EXPECT_FALSE(keys[3].last_interval);
  EXPECT_FALSE(keys[3].revocation);
}

TEST(KeyListing, FirstKeyOfALogStartsAtZero) {
  Log log;
  auto keys = list_keys({log.a.public_key()}, {}, {}, log.a.public_key(), log.a.public_key());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].first_interval, 0u);
  EXPECT_FALSE(keys[0].last_interval);
  EXPECT_TRUE(list_keys({}, {}, {}, std::nullopt, std::nullopt).empty());
}

TEST(KeyListing, JsonRoundTripAndChains) {
  Log log;
  auto keys = listing(log);
  Json wire = to_wire_json(key_listing_json(keys));
  ASSERT_EQ(wire.size(), 4u);
  // Version 1 members stay, first.
  EXPECT_EQ(wire[3]["key"], log.c.key_id());
  EXPECT_EQ(wire[3]["algorithm"], "ed25519");
  EXPECT_TRUE(wire[3]["public_key"].is_string());
  EXPECT_EQ(wire[3]["transition"]["from"], log.b.key_id());
  EXPECT_EQ(wire[1]["revocation"]["by"], log.c.key_id());
  EXPECT_TRUE(wire[0]["transition"].is_null());
  auto back = key_listing_from_json(wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(to_wire_json(key_listing_json(*back)), wire);
  auto chains = key_chains(*back, "ink.example");
  ASSERT_TRUE(chains.ok()) << chains.error().message;
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_EQ((*chains)[0].keys().size(), 1u);
  const KeyChain& chain = (*chains)[1];
  EXPECT_EQ(chain.keys().size(), 3u);
  EXPECT_EQ(chain.check_head_key(6, log.a.key_id()).verdict, KeyVerdict::kRevoked);
  EXPECT_EQ(chain.check_head_key(10, log.a.key_id()).verdict, KeyVerdict::kRevoked);
  EXPECT_TRUE(chain.check_head_key(10, log.b.key_id()).valid());
  EXPECT_EQ(chain.check_head_key(20, log.b.key_id()).verdict, KeyVerdict::kRetired);
  // Another authority's chain does not hold.
  EXPECT_FALSE(key_chains(*back, "other.example").ok());
}

TEST(KeyListing, AVersionOneListIsOneChainPerKey) {
  Log log;
  std::vector<PublicKey> plain{log.a.public_key(), log.b.public_key()};
  auto back = key_listing_from_json(to_wire_json(keys_json(plain)));
  ASSERT_TRUE(back.ok()) << back.error().message;
  auto chains = key_chains(*back, "ink.example");
  ASSERT_TRUE(chains.ok());
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_TRUE((*chains)[1].check_head_key(0, log.b.key_id()).valid());
}

TEST(KeyListing, MalformedListsNameTheField) {
  Log log;
  Json wire = to_wire_json(key_listing_json(listing(log)));
  auto refused = [](Json j) {
    auto r = key_listing_from_json(j);
    return r.ok() ? std::string() : r.error().message;
  };
  Json j = wire;
  j[2]["transition"]["from"] = log.c.key_id();
  EXPECT_NE(refused(j).find("keys[2].transition.from"), std::string::npos) << refused(j);
  j = wire;
  j[1]["revocation"]["by"] = "0000000000000000";
  EXPECT_NE(refused(j).find("keys[1].revocation.by"), std::string::npos) << refused(j);
  j = wire;
  j[3]["first_interval"] = "20";
  EXPECT_NE(refused(j).find("keys[3].first_interval"), std::string::npos) << refused(j);
  j = wire;
  j[3]["transition"] = 5;
  EXPECT_NE(refused(j).find("keys[3].transition"), std::string::npos) << refused(j);
  j = wire;
  j[3]["transition"]["countersignature"] = j[3]["transition"]["signature"];
  auto listed = key_listing_from_json(j);
  ASSERT_TRUE(listed.ok());
  auto chains = key_chains(*listed, "ink.example");
  ASSERT_FALSE(chains.ok());
  EXPECT_EQ(chains.error().code, ErrorCode::kVerifyFailed);
  EXPECT_FALSE(key_listing_from_json(Json::object()).ok());
}

}  // namespace
}  // namespace ink::core
