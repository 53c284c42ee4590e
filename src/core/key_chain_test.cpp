// Key transitions, revocations and chains (docs/keys.md): against the vectors
// of an independent generator (tests/vectors/key-transitions.json, Node's
// crypto), then every rule of KeyChain on its own.
#include "core/key_chain.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/cosignature.h"
#include "core/encoding.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_vectors::fixed;
nlohmann::json vectors() { return test_vectors::read_vectors(INK_KEY_TRANSITION_VECTORS); }

std::map<std::string, PublicKey> vector_keys(const nlohmann::json& v) {
  std::map<std::string, PublicKey> keys;
  for (const auto& k : v["keys"]) keys[k["key"]] = fixed<32>(k["public_key"]);
  return keys;
}

const char* verdict_name(KeyVerdict v) {
  switch (v) {
    case KeyVerdict::kValid:
      return "valid";
    case KeyVerdict::kUnknownKey:
      return "unknown-key";
    case KeyVerdict::kNotYetActive:
      return "not-yet-active";
    case KeyVerdict::kRetired:
      return "retired";
    case KeyVerdict::kRevoked:
      return "revoked";
  }
  return "?";
}

TEST(KeyChainVectors, KeysFromTheirSeedsHaveTheListedIds) {
  auto v = vectors();
  ASSERT_GE(v["keys"].size(), 4u);
  for (const auto& k : v["keys"]) {
    auto seed = from_hex(k["seed_hex"].get<std::string>());
    ASSERT_TRUE(seed.ok());
    auto key = SigningKey::from_seed(*seed);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->public_key(), fixed<32>(k["public_key"]));
    EXPECT_EQ(key->key_id(), k["key"].get<std::string>());
  }
}

TEST(KeyChainVectors, StatementsAndSignaturesMatch) {
  auto v = vectors();
  auto keys = vector_keys(v);
  int count = 0;
  for (const auto& s : v["statements"]) {
    SCOPED_TRACE(s["name"].get<std::string>());
    std::string authority = s["authority"];
    uint64_t interval = s["interval"];
    PublicKey key = fixed<32>(s["key"]);
    Bytes statement = s["typ"] == "key" ? key_transition_statement(authority, interval, key)
                                        : key_revocation_statement(authority, interval, key);
    EXPECT_EQ(to_hex(statement), s["statement_hex"].get<std::string>());
    ASSERT_TRUE(keys.count(s["signer"]));
    EXPECT_TRUE(verify_signature(keys[s["signer"]], statement, fixed<64>(s["signature"])));
    ++count;
  }
  EXPECT_GE(count, 6);
}

TEST(KeyChainVectors, ChainsAndHeadVerdictsMatch) {
  auto v = vectors();
  auto keys = vector_keys(v);
  int accepted = 0, refused = 0, heads = 0;
  for (const auto& c : v["chains"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<KeyTransition> transitions;
    for (const auto& t : c["transitions"])
      transitions.push_back({t["interval"], keys.at(t["from"]), keys.at(t["to"]),
                             fixed<64>(t["signature"]), fixed<64>(t["countersignature"])});
    std::vector<KeyRevocation> revocations;
    for (const auto& r : c["revocations"])
      revocations.push_back(
          {keys.at(r["key"]), r["after"], keys.at(r["signer"]), fixed<64>(r["signature"])});
    auto chain = KeyChain::make(c["authority"], keys.at(c["origin"]), c["origin_first_interval"],
                                transitions, revocations);
    ASSERT_EQ(chain.ok(), c["valid"].get<bool>()) << (chain.ok() ? "" : chain.error().message);
    if (!chain.ok()) {
      EXPECT_EQ(chain.error().code, ErrorCode::kVerifyFailed);
      ++refused;
      continue;
    }
    ++accepted;
    ASSERT_EQ(chain->keys().size(), c["keys"].size());
    for (size_t i = 0; i < chain->keys().size(); ++i) {
      const ChainKey& k = chain->keys()[i];
      const auto& want = c["keys"][i];
      EXPECT_EQ(k.key_id, want["key"].get<std::string>());
      EXPECT_EQ(k.first_interval, want["first_interval"].get<uint64_t>());
      EXPECT_EQ(k.last_interval.has_value(), !want["last_interval"].is_null());
      if (k.last_interval) {
        EXPECT_EQ(*k.last_interval, want["last_interval"].get<uint64_t>());
      }
      EXPECT_EQ(k.revoked_after.has_value(), !want["revoked_after"].is_null());
      if (k.revoked_after) {
        EXPECT_EQ(*k.revoked_after, want["revoked_after"].get<uint64_t>());
      }
    }
    for (const auto& h : c["heads"]) {
      SCOPED_TRACE(h.dump());
      auto check = chain->check_head_key(h["interval"], h["key"].get<std::string>());
      EXPECT_EQ(verdict_name(check.verdict), h["verdict"].get<std::string>()) << check.message;
      EXPECT_EQ(check.valid(), h["verdict"] == "valid");
      EXPECT_FALSE(check.message.empty());
      ++heads;
    }
  }
  EXPECT_GE(accepted, 1);
  EXPECT_GE(refused, 11);
  EXPECT_GE(heads, 13);
}

// A chain made here, with keys generated for the test.
struct Keys {
  SigningKey a = *SigningKey::generate();
  SigningKey b = *SigningKey::generate();
  SigningKey c = *SigningKey::generate();
};

KeyTransition transition(const SigningKey& from, const SigningKey& to, uint64_t interval,
                         std::string_view authority = "ink.example") {
  Bytes statement = key_transition_statement(authority, interval, to.public_key());
  return {interval, from.public_key(), to.public_key(), from.sign(statement), to.sign(statement)};
}

KeyRevocation revocation(const SigningKey& key, uint64_t after, const SigningKey& signer) {
  return {key.public_key(), after, signer.public_key(),
          signer.sign(key_revocation_statement("ink.example", after, key.public_key()))};
}

TEST(KeyChain, OneKeyAloneSignsEverythingFromItsFirstInterval) {
  Keys k;
  KeyChain chain("ink.example", k.a.public_key());
  EXPECT_TRUE(chain.check_head_key(0, k.a.key_id()).valid());
  EXPECT_TRUE(chain.check_head_key(UINT64_MAX, k.a.key_id()).valid());
  EXPECT_EQ(chain.check_head_key(0, k.b.key_id()).verdict, KeyVerdict::kUnknownKey);
  EXPECT_EQ(*chain.check_head_key(0, k.a.key_id()).key, k.a.public_key());
  EXPECT_EQ(chain.check_head_key(0, k.b.key_id()).key, nullptr);
  KeyChain late("ink.example", k.a.public_key(), 10);
  EXPECT_EQ(late.check_head_key(9, k.a.key_id()).verdict, KeyVerdict::kNotYetActive);
  EXPECT_TRUE(late.check_head_key(10, k.a.key_id()).valid());
}

TEST(KeyChain, TransitionsSetTheRangesAndMessagesSayWhy) {
  Keys k;
  auto chain = KeyChain::make("ink.example", k.a.public_key(), 0,
                              {transition(k.a, k.b, 1), transition(k.b, k.c, 2)}, {});
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  ASSERT_EQ(chain->keys().size(), 3u);
  EXPECT_EQ(chain->keys()[0].last_interval, 0u);
  EXPECT_EQ(chain->keys()[1].first_interval, 1u);
  EXPECT_EQ(chain->keys()[1].last_interval, 1u);
  EXPECT_FALSE(chain->keys()[2].last_interval);
  EXPECT_TRUE(chain->check_head_key(0, k.a.key_id()).valid());
  auto retired = chain->check_head_key(1, k.a.key_id());
  EXPECT_EQ(retired.verdict, KeyVerdict::kRetired);
  EXPECT_NE(retired.message.find("retired after interval 0"), std::string::npos) << retired.message;
  EXPECT_NE(retired.message.find(k.a.key_id()), std::string::npos);
  EXPECT_TRUE(chain->check_head_key(1, k.b.key_id()).valid());
  EXPECT_EQ(chain->check_head_key(0, k.b.key_id()).verdict, KeyVerdict::kNotYetActive);
  EXPECT_EQ(chain->check_head_key(2, k.b.key_id()).verdict, KeyVerdict::kRetired);
  EXPECT_TRUE(chain->check_head_key(2, k.c.key_id()).valid());
  EXPECT_TRUE(chain->contains(k.c.public_key()));
  EXPECT_EQ(chain->transitions().size(), 2u);
}

TEST(KeyChain, EveryBrokenTransitionIsRefused) {
  Keys k;
  auto make = [&](std::vector<KeyTransition> t, uint64_t first = 0) {
    return KeyChain::make("ink.example", k.a.public_key(), first, t, {});
  };
  EXPECT_TRUE(make({transition(k.a, k.b, 5)}).ok());
  // From a key that is not the previous one.
  EXPECT_FALSE(make({transition(k.c, k.b, 5)}).ok());
  // At or before the old key's first interval (the old key must sign something).
  EXPECT_FALSE(make({transition(k.a, k.b, 0)}).ok());
  EXPECT_FALSE(make({transition(k.a, k.b, 5)}, 5).ok());
  EXPECT_TRUE(make({transition(k.a, k.b, 6)}, 5).ok());
  // Back to a key already in the chain, or to itself.
  EXPECT_FALSE(make({transition(k.a, k.b, 5), transition(k.b, k.a, 9)}).ok());
  EXPECT_FALSE(make({transition(k.a, k.a, 5)}).ok());
  // Another authority's statement.
  EXPECT_FALSE(make({transition(k.a, k.b, 5, "other.example")}).ok());
  // Each signature swapped or altered.
  KeyTransition t = transition(k.a, k.b, 5);
  KeyTransition swapped = t;
  std::swap(swapped.signature, swapped.countersignature);
  EXPECT_FALSE(make({swapped}).ok());
  KeyTransition altered = t;
  altered.countersignature[0] ^= 1;
  auto refused = make({altered});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("countersignature"), std::string::npos);
  altered = t;
  altered.interval = 6;
  EXPECT_FALSE(make({altered}).ok());
}

TEST(KeyChain, RevocationsLimitAKeyAndOnlyLaterKeysMakeThem) {
  Keys k;
  std::vector<KeyTransition> t{transition(k.a, k.b, 10), transition(k.b, k.c, 20)};
  auto chain = KeyChain::make("ink.example", k.a.public_key(), 0, t,
                              {revocation(k.a, 7, k.c), revocation(k.a, 4, k.b)});
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  EXPECT_EQ(chain->keys()[0].revoked_after, 4u);  // the lowest counts
  EXPECT_TRUE(chain->check_head_key(4, k.a.key_id()).valid());
  auto revoked = chain->check_head_key(5, k.a.key_id());
  EXPECT_EQ(revoked.verdict, KeyVerdict::kRevoked);
  EXPECT_NE(revoked.message.find("revoked after interval 4"), std::string::npos) << revoked.message;
  // Revoked beats retired: the reason a reader most needs.
  EXPECT_EQ(chain->check_head_key(15, k.a.key_id()).verdict, KeyVerdict::kRevoked);
  // A revocation after the key's last interval changes nothing.
  auto late = KeyChain::make("ink.example", k.a.public_key(), 0, t, {revocation(k.b, 25, k.c)});
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late->check_head_key(19, k.b.key_id()).valid());
  EXPECT_EQ(late->check_head_key(20, k.b.key_id()).verdict, KeyVerdict::kRetired);
  // Signed by itself, by an earlier key, by a stranger; of a stranger.
  auto stranger = *SigningKey::generate();
  for (const auto& r : {revocation(k.b, 15, k.b), revocation(k.b, 15, k.a),
                        revocation(k.b, 15, stranger), revocation(stranger, 15, k.c)}) {
    EXPECT_FALSE(KeyChain::make("ink.example", k.a.public_key(), 0, t, {r}).ok());
  }
  KeyRevocation altered = revocation(k.b, 15, k.c);
  altered.after = 16;
  EXPECT_FALSE(KeyChain::make("ink.example", k.a.public_key(), 0, t, {altered}).ok());
}

TEST(KeyChain, StatementsAreNeverHeadsOrCosignatures) {
  Keys k;
  Hash mth{};
  std::copy(k.b.public_key().begin(), k.b.public_key().end(), mth.begin());
  Bytes transition = key_transition_statement("ink.example", 3, k.b.public_key());
  EXPECT_NE(transition, key_revocation_statement("ink.example", 3, k.b.public_key()));
  EXPECT_NE(transition, head_statement("ink.example", 3, mth));
  EXPECT_NE(transition, cosignature_statement("ink.example", 3, mth, "key"));
}

}  // namespace
}  // namespace ink::core
