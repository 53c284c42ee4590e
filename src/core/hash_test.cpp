#include "core/hash.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_vectors::hex_hash;
using test_vectors::load_vectors;

Bytes hex_bytes(const std::string& hex) {
  auto parsed = from_hex(hex);
  EXPECT_TRUE(parsed.ok()) << hex;
  return parsed.ok() ? *parsed : Bytes{};
}

TEST(Hash, VectorsNameSha3_256) { EXPECT_EQ(load_vectors().at("hash"), "SHA3-256"); }

// FIPS 202 example value for "abc".
TEST(Hash, Sha3OfAbcIsTheFips202Value) {
  EXPECT_EQ(sha3_256(as_bytes("abc")),
            hex_hash("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"));
}

TEST(Hash, EmptyTreeRootIsTheVectorsEmptyTree) {
  const auto trees = load_vectors().at("trees");
  ASSERT_TRUE(trees.at(0).at("leaves_ascii").empty());
  const Hash expected = hex_hash(trees.at(0).at("root"));
  EXPECT_EQ(empty_tree_root(), expected);
  EXPECT_EQ(sha3_256({}), expected);
}

TEST(Hash, LeafAndNodeReproduceTheTwoLeafTree) {
  const auto trees = load_vectors().at("trees");
  const auto& one = trees.at(1);
  const auto& two = trees.at(2);
  ASSERT_EQ(one.at("leaves_ascii").size(), 1u);
  ASSERT_EQ(two.at("leaves_ascii").size(), 2u);
  const Hash leaf0 = leaf_hash(as_bytes(two.at("leaves_ascii").at(0).get<std::string>()));
  const Hash leaf1 = leaf_hash(as_bytes(two.at("leaves_ascii").at(1).get<std::string>()));
  EXPECT_EQ(leaf0, hex_hash(one.at("root")));
  EXPECT_EQ(node_hash(leaf0, leaf1), hex_hash(two.at("root")));
  EXPECT_NE(node_hash(leaf1, leaf0), hex_hash(two.at("root")));
}

TEST(Hash, LeafAndNodeAreDomainSeparatedSha3) {
  const Hash left = sha3_256(as_bytes("left"));
  const Hash right = sha3_256(as_bytes("right"));
  Bytes leaf_input{0x00};
  leaf_input.insert(leaf_input.end(), left.begin(), left.end());
  Bytes node_input{0x01};
  node_input.insert(node_input.end(), left.begin(), left.end());
  node_input.insert(node_input.end(), right.begin(), right.end());

  Hasher hasher;
  EXPECT_EQ(hasher.leaf(left), sha3_256(leaf_input));
  EXPECT_EQ(hasher.node(left, right), sha3_256(node_input));
  EXPECT_NE(hasher.leaf(left), hasher.sha3(left));
}

TEST(Hash, HasherIsReusableAndMatchesTheWrappers) {
  Hasher hasher;
  Hash chain = hasher.sha3({});
  for (int i = 0; i < 100; ++i) {
    // Alternate the three kinds so a context left dirty by one would show.
    const Hash a = hasher.leaf(chain);
    const Hash b = hasher.node(chain, a);
    const Hash c = hasher.sha3(b);
    EXPECT_EQ(a, leaf_hash(chain));
    EXPECT_EQ(b, node_hash(chain, a));
    EXPECT_EQ(c, sha3_256(b));
    chain = c;
  }
}

TEST(Hash, LeafOfShortAndLongInputs) {
  // Short inputs take a copying path (up to 64 bytes), long ones do not;
  // SHA3-256 absorbs 136-byte blocks. Check around both edges.
  Hasher hasher;
  for (size_t size :
       {0u, 1u, 31u, 32u, 33u, 63u, 64u, 65u, 135u, 136u, 137u, 271u, 272u, 273u, 10000u}) {
    Bytes data(size);
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(i * 7);
    Bytes prefixed{0x00};
    prefixed.insert(prefixed.end(), data.begin(), data.end());
    EXPECT_EQ(hasher.leaf(data), hasher.sha3(prefixed)) << size;
    if (data.empty()) continue;
    data.back() ^= 1;
    EXPECT_NE(hasher.leaf(data), hasher.sha3(prefixed)) << size;
  }
}

TEST(Hash, WrappersGiveTheSameAnswerOnEveryThread) {
  const Hash expected = node_hash(sha3_256(as_bytes("x")), leaf_hash(as_bytes("y")));
  std::vector<Hash> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&results, t] {
      Hash h{};
      for (int i = 0; i < 50; ++i) h = node_hash(sha3_256(as_bytes("x")), leaf_hash(as_bytes("y")));
      results[t] = h;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Hash& h : results) EXPECT_EQ(h, expected);
}

TEST(Hash, Sha512MatchesTheClientConventionVector) {
  const auto file = load_vectors().at("client_conventions").at("one_file");
  const Bytes content = hex_bytes(file.at("content_hex"));
  const std::string data = file.at("data");
  ASSERT_EQ(data.rfind("sha512:", 0), 0u);
  const auto digest = sha512(content);
  EXPECT_EQ(to_hex(digest), data.substr(7));
}

}  // namespace
}  // namespace ink::core
