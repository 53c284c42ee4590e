#include "core/verify.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/compact_range.h"
#include "core/encoding.h"
#include "core/node_reader.h"
#include "core/proof_plan.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_vectors::hex_hash;
using test_vectors::hex_hashes;
using test_vectors::load_vectors;

void flip_bit(Hash& hash, size_t bit) { hash[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8)); }

// A main tree of generated leaves with every perfect node stored, so proofs
// for any sizes up to its size can be read (their correctness against RFC
// 6962 is checked in merkle_test.cpp).
class VerifyStoredTree : public ::testing::Test {
 protected:
  static constexpr uint64_t kSize = 300;

  void SetUp() override {
    Hasher hasher;
    CompactRange range;
    roots_.push_back(range.root(hasher));
    for (uint64_t i = 0; i < kSize; ++i) {
      leaf_data_.push_back(hasher.sha3(as_bytes("verify leaf " + std::to_string(i))));
      for (const auto& node : range.append(leaf_data_.back(), hasher))
        store_.put(node.id, node.hash);
      roots_.push_back(range.root(hasher));
    }
  }

  std::vector<Hash> inclusion(uint64_t leaf, uint64_t size) {
    auto proof = read_inclusion_proof(store_, leaf, size);
    EXPECT_TRUE(proof.ok());
    return proof.ok() ? *proof : std::vector<Hash>{};
  }
  std::vector<Hash> consistency(uint64_t old_size, uint64_t new_size) {
    auto proof = read_consistency_proof(store_, old_size, new_size);
    EXPECT_TRUE(proof.ok());
    return proof.ok() ? *proof : std::vector<Hash>{};
  }

  std::vector<Hash> leaf_data_;
  std::vector<Hash> roots_;  // roots_[n]: root of the first n leaves
  InMemoryNodeStore store_;
};

// Sizes with every shape of interest: perfect, one past perfect, odd, even.
const std::vector<uint64_t> kSampleSizes = {1,  2,  3,  4,  5,   7,   8,   9,   16, 17,
                                            31, 63, 64, 65, 100, 255, 256, 257, 300};

// ------------------------------------------------------------------ vectors

TEST(VerifyVectors, InclusionProofsCheckOut) {
  const auto cases = load_vectors().at("inclusion");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string leaf = c.at("leaf");
    const uint64_t index = c.at("leaf_index");
    const uint64_t size = c.at("tree_size");
    const uint64_t a = c.at("a");
    const auto path = hex_hashes(c.at("path"));
    const Hash root = hex_hash(c.at("root"));
    SCOPED_TRACE(leaf + " of " + std::to_string(size));
    EXPECT_EQ(verify_path(as_bytes(leaf), a, path, root), ProofError::kOk);
    EXPECT_EQ(verify_inclusion(as_bytes(leaf), index, size, path, root), ProofError::kOk);
    EXPECT_EQ(verify_inclusion_with_a(as_bytes(leaf), index, size, a, path, root), ProofError::kOk);
    // Another leaf does not verify with this proof.
    EXPECT_EQ(verify_path(as_bytes(leaf + "x"), a, path, root), ProofError::kRootMismatch);
  }
}

TEST(VerifyVectors, ConsistencyProofsCheckOut) {
  const auto cases = load_vectors().at("consistency");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t old_size = c.at("old_size");
    const uint64_t new_size = c.at("new_size");
    const Hash old_root = hex_hash(c.at("old_root"));
    const Hash new_root = hex_hash(c.at("new_root"));
    const auto proof = hex_hashes(c.at("proof"));
    SCOPED_TRACE(std::to_string(old_size) + " -> " + std::to_string(new_size));
    EXPECT_EQ(verify_consistency(old_size, new_size, old_root, new_root, proof), ProofError::kOk);
    if (old_size != new_size) {
      EXPECT_NE(verify_consistency(old_size, new_size, new_root, old_root, proof), ProofError::kOk);
    }
  }
}

// ------------------------------------------------------------- bit flips

TEST_F(VerifyStoredTree, FlippingAnyBitOfAnInclusionProofFails) {
  for (uint64_t size : kSampleSizes) {
    for (uint64_t leaf : {uint64_t{0}, size / 2, size - 1}) {
      SCOPED_TRACE("leaf " + std::to_string(leaf) + " of " + std::to_string(size));
      const auto proof = inclusion(leaf, size);
      const uint64_t a = inclusion_a(leaf, size);
      const Hash& root = roots_[size];
      const Hash& data = leaf_data_[leaf];
      ASSERT_EQ(verify_inclusion(data, leaf, size, proof, root), ProofError::kOk);
      ASSERT_EQ(verify_path(data, a, proof, root), ProofError::kOk);

      for (size_t node = 0; node < proof.size(); ++node) {
        for (size_t bit = 0; bit < 256; ++bit) {
          auto changed = proof;
          flip_bit(changed[node], bit);
          ASSERT_EQ(verify_inclusion(data, leaf, size, changed, root), ProofError::kRootMismatch)
              << "node " << node << " bit " << bit;
          ASSERT_EQ(verify_path(data, a, changed, root), ProofError::kRootMismatch)
              << "node " << node << " bit " << bit;
        }
      }
      for (size_t bit = 0; bit < 256; ++bit) {
        Hash changed_data = data;
        flip_bit(changed_data, bit);
        ASSERT_EQ(verify_inclusion(changed_data, leaf, size, proof, root),
                  ProofError::kRootMismatch);
        ASSERT_EQ(verify_path(changed_data, a, proof, root), ProofError::kRootMismatch);
        Hash changed_root = root;
        flip_bit(changed_root, bit);
        ASSERT_EQ(verify_inclusion(data, leaf, size, proof, changed_root),
                  ProofError::kRootMismatch);
        ASSERT_EQ(verify_path(data, a, proof, changed_root), ProofError::kRootMismatch);
      }
      // Flipping a bit of a inside the path moves the leaf to the other side.
      for (size_t bit = 0; bit < proof.size(); ++bit) {
        ASSERT_EQ(verify_path(data, a ^ (uint64_t{1} << bit), proof, root),
                  ProofError::kRootMismatch);
      }
    }
  }
}

TEST_F(VerifyStoredTree, FlippingAnyBitOfAConsistencyProofFails) {
  for (uint64_t new_size : kSampleSizes) {
    for (uint64_t old_size : {uint64_t{1}, (new_size + 1) / 2, new_size - new_size / 3, new_size}) {
      SCOPED_TRACE(std::to_string(old_size) + " -> " + std::to_string(new_size));
      const auto proof = consistency(old_size, new_size);
      const Hash& old_root = roots_[old_size];
      const Hash& new_root = roots_[new_size];
      ASSERT_EQ(verify_consistency(old_size, new_size, old_root, new_root, proof), ProofError::kOk);

      for (size_t node = 0; node < proof.size(); ++node) {
        for (size_t bit = 0; bit < 256; ++bit) {
          auto changed = proof;
          flip_bit(changed[node], bit);
          ASSERT_NE(verify_consistency(old_size, new_size, old_root, new_root, changed),
                    ProofError::kOk)
              << "node " << node << " bit " << bit;
        }
      }
      const bool old_is_perfect = std::has_single_bit(old_size);
      for (size_t bit = 0; bit < 256; ++bit) {
        Hash changed_old = old_root;
        flip_bit(changed_old, bit);
        // A perfect old tree's root is the proof's implicit first node, so a
        // wrong one shows up at the new root instead.
        const auto expected_old_error = old_size == new_size || old_is_perfect
                                            ? ProofError::kNewRootMismatch
                                            : ProofError::kOldRootMismatch;
        ASSERT_EQ(verify_consistency(old_size, new_size, changed_old, new_root, proof),
                  expected_old_error);
        Hash changed_new = new_root;
        flip_bit(changed_new, bit);
        ASSERT_EQ(verify_consistency(old_size, new_size, old_root, changed_new, proof),
                  ProofError::kNewRootMismatch);
      }
    }
  }
}

// ---------------------------------------------------- wrong sizes and indexes

TEST_F(VerifyStoredTree, InclusionWithWrongIndexesAndSizes) {
  const uint64_t size = 100;
  const uint64_t leaf = 37;
  const auto proof = inclusion(leaf, size);
  const Hash& root = roots_[size];
  const Hash& data = leaf_data_[leaf];
  const uint64_t a = inclusion_a(leaf, size);
  ASSERT_EQ(verify_inclusion_with_a(data, leaf, size, a, proof, root), ProofError::kOk);

  EXPECT_EQ(verify_inclusion(data, size, size, proof, root), ProofError::kIndexOutOfRange);
  EXPECT_EQ(verify_inclusion(data, size + 5, size, proof, root), ProofError::kIndexOutOfRange);
  EXPECT_EQ(verify_inclusion(data, 0, 0, {}, root), ProofError::kIndexOutOfRange);
  EXPECT_EQ(verify_inclusion_with_a(data, size, size, a, proof, root),
            ProofError::kIndexOutOfRange);

  // Another index whose path has the same length puts the leaf elsewhere.
  EXPECT_EQ(verify_inclusion(data, 36, size, proof, root), ProofError::kRootMismatch);
  EXPECT_EQ(verify_inclusion(data, 38, size, proof, root), ProofError::kRootMismatch);
  // Index 99 of 100 has a 4-node path (64, 32, 2 and 1 leaves to its left).
  EXPECT_EQ(verify_inclusion(data, 99, size, proof, root), ProofError::kWrongPathLength);
  // The same proof claimed for a larger or smaller tree.
  EXPECT_NE(verify_inclusion(data, leaf, 128, proof, roots_[128]), ProofError::kOk);
  EXPECT_NE(verify_inclusion(data, leaf, 65, proof, roots_[65]), ProofError::kOk);
  EXPECT_EQ(verify_inclusion(data, leaf, size, proof, roots_[size - 1]), ProofError::kRootMismatch);

  // Too many or too few nodes.
  auto longer = proof;
  longer.push_back(root);
  EXPECT_EQ(verify_inclusion(data, leaf, size, longer, root), ProofError::kWrongPathLength);
  auto shorter = proof;
  shorter.pop_back();
  EXPECT_EQ(verify_inclusion(data, leaf, size, shorter, root), ProofError::kWrongPathLength);
  EXPECT_EQ(verify_inclusion(data, leaf, size, {}, root), ProofError::kWrongPathLength);

  // a must be the one the position implies.
  EXPECT_EQ(verify_inclusion_with_a(data, leaf, size, a ^ 1, proof, root), ProofError::kBadA);
  EXPECT_EQ(verify_inclusion_with_a(data, leaf, size, a | (uint64_t{1} << 40), proof, root),
            ProofError::kBadA);
}

TEST_F(VerifyStoredTree, PathRejectsBitsOfABeyondThePath) {
  const uint64_t size = 300;
  for (uint64_t leaf : {uint64_t{0}, uint64_t{5}, uint64_t{299}}) {
    const auto proof = inclusion(leaf, size);
    const uint64_t a = inclusion_a(leaf, size);
    const Hash& root = roots_[size];
    ASSERT_EQ(verify_path(leaf_data_[leaf], a, proof, root), ProofError::kOk);
    for (size_t bit = proof.size(); bit < 64; ++bit) {
      EXPECT_EQ(verify_path(leaf_data_[leaf], a | (uint64_t{1} << bit), proof, root),
                ProofError::kBadA)
          << bit;
    }
  }
  // A single-leaf tree: empty path, so any a other than 0 is wrong.
  const Hash& only = leaf_data_[0];
  EXPECT_EQ(verify_path(only, 0, {}, roots_[1]), ProofError::kOk);
  EXPECT_EQ(verify_path(only, 1, {}, roots_[1]), ProofError::kBadA);
}

TEST_F(VerifyStoredTree, PathWithMoreThan64NodesFollowsTheProtocol) {
  // Bits of a past 63 read as 0 (the node is on the right of cur), as for an
  // unbounded integer; such a path checks out against the root it leads to.
  Hasher hasher;
  std::vector<Hash> path(70, leaf_data_[1]);
  const uint64_t a = 0x5;
  Hash current = hasher.leaf(leaf_data_[0]);
  for (size_t j = 0; j < path.size(); ++j) {
    current = (j < 64 && ((a >> j) & 1) != 0) ? hasher.node(path[j], current)
                                              : hasher.node(current, path[j]);
  }
  EXPECT_EQ(verify_path(leaf_data_[0], a, path, current), ProofError::kOk);
  EXPECT_EQ(verify_path(leaf_data_[0], a, path, roots_[2]), ProofError::kRootMismatch);
}

TEST_F(VerifyStoredTree, ConsistencyWithWrongSizes) {
  const auto proof = consistency(100, 250);
  const Hash& old_root = roots_[100];
  const Hash& new_root = roots_[250];
  ASSERT_EQ(verify_consistency(100, 250, old_root, new_root, proof), ProofError::kOk);

  EXPECT_EQ(verify_consistency(0, 250, old_root, new_root, proof), ProofError::kSizeOrder);
  EXPECT_EQ(verify_consistency(250, 100, new_root, old_root, proof), ProofError::kSizeOrder);
  EXPECT_EQ(verify_consistency(0, 0, old_root, old_root, {}), ProofError::kSizeOrder);

  // The same proof for other sizes.
  EXPECT_NE(verify_consistency(99, 250, roots_[99], new_root, proof), ProofError::kOk);
  EXPECT_NE(verify_consistency(100, 251, old_root, roots_[251], proof), ProofError::kOk);
  EXPECT_NE(verify_consistency(100, 256, old_root, roots_[256], proof), ProofError::kOk);

  auto longer = proof;
  longer.push_back(new_root);
  EXPECT_EQ(verify_consistency(100, 250, old_root, new_root, longer), ProofError::kWrongPathLength);
  auto shorter = proof;
  shorter.pop_back();
  EXPECT_EQ(verify_consistency(100, 250, old_root, new_root, shorter),
            ProofError::kWrongPathLength);
  EXPECT_EQ(verify_consistency(100, 250, old_root, new_root, {}), ProofError::kWrongPathLength);

  // Equal sizes: the proof is empty and the roots must be equal.
  EXPECT_EQ(verify_consistency(100, 100, old_root, old_root, {}), ProofError::kOk);
  EXPECT_EQ(verify_consistency(100, 100, old_root, new_root, {}), ProofError::kNewRootMismatch);
  EXPECT_EQ(verify_consistency(100, 100, old_root, old_root, proof), ProofError::kWrongPathLength);

  // Swapping two nodes breaks it.
  auto swapped = proof;
  ASSERT_GE(swapped.size(), 2u);
  std::swap(swapped[0], swapped[1]);
  EXPECT_NE(verify_consistency(100, 250, old_root, new_root, swapped), ProofError::kOk);
}

TEST(VerifyDescribe, EveryErrorHasItsOwnSentence) {
  const ProofError all[] = {ProofError::kOk,
                            ProofError::kIndexOutOfRange,
                            ProofError::kSizeOrder,
                            ProofError::kWrongPathLength,
                            ProofError::kBadA,
                            ProofError::kRootMismatch,
                            ProofError::kOldRootMismatch,
                            ProofError::kNewRootMismatch};
  std::set<std::string> sentences;
  for (ProofError e : all) {
    const std::string text = describe(e);
    EXPECT_FALSE(text.empty());
    sentences.insert(text);
  }
  EXPECT_EQ(sentences.size(), std::size(all));
}

}  // namespace
}  // namespace ink::core
