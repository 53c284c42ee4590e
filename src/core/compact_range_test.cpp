#include "core/compact_range.h"

#include <gtest/gtest.h>

#include <bit>
#include <span>
#include <string>
#include <vector>

#include "core/test_trees.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_trees::ascii_leaf_nodes;
using test_trees::fill_store;
using test_trees::make_leaf_data;
using test_trees::numbered_leaf_nodes;
using test_trees::StoredTree;
using test_vectors::hex_hash;
using test_vectors::load_vectors;

TEST(CompactRangeVectors, TreeRoots) {
  const auto trees = load_vectors().at("trees");
  ASSERT_GE(trees.size(), 10u);
  for (const auto& tree : trees) {
    const auto leaf_nodes = ascii_leaf_nodes(tree.at("leaves_ascii"));
    SCOPED_TRACE("size " + std::to_string(leaf_nodes.size()));
    Hasher hasher;
    StoredTree stored;
    fill_store(stored, leaf_nodes, hasher);
    EXPECT_EQ(stored.roots.back(), hex_hash(tree.at("root")));
    EXPECT_EQ(stored.range.size(), leaf_nodes.size());
  }
}

TEST(CompactRangeVectors, OldAndNewRootsOfConsistencyCases) {
  const auto cases = load_vectors().at("consistency");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t old_size = c.at("old_size");
    const uint64_t new_size = c.at("new_size");
    SCOPED_TRACE(std::to_string(old_size) + " -> " + std::to_string(new_size));
    Hasher hasher;
    StoredTree stored;
    fill_store(stored, numbered_leaf_nodes(new_size), hasher);
    EXPECT_EQ(stored.roots[old_size], hex_hash(c.at("old_root")));
    EXPECT_EQ(stored.roots[new_size], hex_hash(c.at("new_root")));
  }
}

TEST(CompactRange, EmptyTree) {
  Hasher hasher;
  EXPECT_EQ(CompactRange().root(hasher), empty_tree_root());
  EXPECT_EQ(CompactRange().size(), 0u);
  EXPECT_EQ(merkle_root({}), empty_tree_root());
  InMemoryNodeStore store;
  auto loaded = CompactRange::load(store, 0);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->peaks().empty());
}

TEST(CompactRange, AppendCreatesEveryPerfectNodeOnce) {
  const auto leaf_data = make_leaf_data(300);
  Hasher hasher;
  CompactRange range;
  EXPECT_EQ(range.root(hasher), empty_tree_root());
  InMemoryNodeStore store;
  for (uint64_t n = 0; n < leaf_data.size(); ++n) {
    const auto created = range.append(leaf_data[n], hasher);
    ASSERT_FALSE(created.empty());
    EXPECT_EQ(created.front().id, (NodeId{0, n}));
    EXPECT_EQ(created.front().hash, hasher.leaf(leaf_data[n]));
    EXPECT_EQ(created.size(), 1u + std::countr_one(n));
    for (const auto& node : created) store.put(node.id, node.hash);
    const uint64_t size = n + 1;
    // 2n - popcount(n) perfect nodes in a tree of n leaves.
    EXPECT_EQ(store.count(), 2 * size - std::popcount(size));
    EXPECT_EQ(range.peaks().size(), static_cast<size_t>(std::popcount(size)));
    EXPECT_EQ(range.root(hasher), merkle_root(std::span(leaf_data).first(size)));

    // Reloading the peaks from storage gives the same range.
    auto loaded = CompactRange::load(store, size);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->size(), size);
    EXPECT_EQ(loaded->peaks(), range.peaks());
  }
  // A loaded range keeps growing like the original.
  auto loaded = CompactRange::load(store, 150);
  ASSERT_TRUE(loaded.ok());
  for (uint64_t n = 150; n < leaf_data.size(); ++n) loaded->append(leaf_data[n], hasher);
  EXPECT_EQ(loaded->root(hasher), range.root(hasher));
  EXPECT_EQ(CompactRange::load(store, 301).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ink::core
