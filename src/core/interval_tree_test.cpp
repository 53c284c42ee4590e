#include "core/interval_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "core/test_trees.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_trees::ascii_leaf_nodes;
using test_trees::make_leaf_data;
using test_trees::numbered_leaf_nodes;
using test_trees::ReferenceTree;
using test_vectors::hex_hash;
using test_vectors::hex_hashes;
using test_vectors::load_vectors;

TEST(IntervalTreeVectors, Roots) {
  const auto trees = load_vectors().at("trees");
  ASSERT_GE(trees.size(), 10u);
  for (const auto& tree : trees) {
    const auto leaf_nodes = ascii_leaf_nodes(tree.at("leaves_ascii"));
    SCOPED_TRACE("size " + std::to_string(leaf_nodes.size()));
    const auto built = IntervalTree::from_leaf_nodes(leaf_nodes);
    EXPECT_EQ(built.root(), hex_hash(tree.at("root")));
    EXPECT_EQ(built.size(), leaf_nodes.size());
  }
}

TEST(IntervalTreeVectors, Paths) {
  const auto cases = load_vectors().at("inclusion");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t size = c.at("tree_size");
    const uint64_t leaf = c.at("leaf_index");
    SCOPED_TRACE("leaf " + std::to_string(leaf) + " of " + std::to_string(size));
    ASSERT_EQ(c.at("leaf").get<std::string>(), "leaf-" + std::to_string(leaf));
    const auto tree = IntervalTree::from_leaf_nodes(numbered_leaf_nodes(size));
    EXPECT_EQ(tree.root(), hex_hash(c.at("root")));
    const auto path = tree.path(leaf);
    EXPECT_EQ(path.a, c.at("a").get<uint64_t>());
    EXPECT_EQ(path.path, hex_hashes(c.at("path")));
  }
}

TEST(IntervalTree, EmptyAndSingleLeaf) {
  const IntervalTree empty{std::span<const Hash>{}};
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.root(), empty_tree_root());

  const auto data = make_leaf_data(1);
  const IntervalTree one{data};
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.root(), leaf_hash(data[0]));
  EXPECT_EQ(one.path(0).a, 0u);
  EXPECT_TRUE(one.path(0).path.empty());
}

TEST(IntervalTree, LevelsHoldTheRangeRoots) {
  const auto data = make_leaf_data(37);
  const IntervalTree tree{data};
  std::vector<Hash> leaf_nodes;
  for (const Hash& d : data) leaf_nodes.push_back(leaf_hash(d));
  ReferenceTree reference(leaf_nodes);
  ASSERT_EQ(tree.levels().size(), 7u);  // 37 leaves: levels 0..6
  for (size_t k = 0; k < tree.levels().size(); ++k) {
    for (size_t j = 0; j < tree.levels()[k].size(); ++j) {
      const uint64_t begin = j << k;
      const uint64_t end = std::min<uint64_t>((j + 1) << k, data.size());
      EXPECT_EQ(tree.levels()[k][j], reference.mth(begin, end)) << k << "," << j;
    }
  }
  EXPECT_EQ(tree.root(), reference.mth(0, data.size()));
}

}  // namespace
}  // namespace ink::core
