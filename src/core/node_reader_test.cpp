#include "core/node_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/encoding.h"
#include "core/test_trees.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_trees::ascii_leaf_nodes;
using test_trees::fill_store;
using test_trees::numbered_leaf_nodes;
using test_trees::StoredTree;
using test_vectors::hex_hash;
using test_vectors::hex_hashes;
using test_vectors::load_vectors;

TEST(NodeReaderVectors, Roots) {
  const auto trees = load_vectors().at("trees");
  ASSERT_GE(trees.size(), 10u);
  for (const auto& tree : trees) {
    const auto leaf_nodes = ascii_leaf_nodes(tree.at("leaves_ascii"));
    SCOPED_TRACE("size " + std::to_string(leaf_nodes.size()));
    Hasher hasher;
    StoredTree stored;
    fill_store(stored, leaf_nodes, hasher);
    auto root = read_root(stored.store, leaf_nodes.size());
    ASSERT_TRUE(root.ok()) << root.error().message;
    EXPECT_EQ(*root, hex_hash(tree.at("root")));
  }
}

TEST(NodeReaderVectors, InclusionProofs) {
  const auto cases = load_vectors().at("inclusion");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t size = c.at("tree_size");
    const uint64_t leaf = c.at("leaf_index");
    SCOPED_TRACE("leaf " + std::to_string(leaf) + " of " + std::to_string(size));
    ASSERT_EQ(c.at("leaf").get<std::string>(), "leaf-" + std::to_string(leaf));
    Hasher hasher;
    StoredTree stored;
    fill_store(stored, numbered_leaf_nodes(size), hasher);
    auto proof = read_inclusion_proof(stored.store, leaf, size);
    ASSERT_TRUE(proof.ok()) << proof.error().message;
    EXPECT_EQ(*proof, hex_hashes(c.at("path")));
  }
}

TEST(NodeReaderVectors, ConsistencyProofs) {
  const auto cases = load_vectors().at("consistency");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t old_size = c.at("old_size");
    const uint64_t new_size = c.at("new_size");
    SCOPED_TRACE(std::to_string(old_size) + " -> " + std::to_string(new_size));
    Hasher hasher;
    StoredTree stored;
    fill_store(stored, numbered_leaf_nodes(new_size), hasher);
    auto proof = read_consistency_proof(stored.store, old_size, new_size);
    ASSERT_TRUE(proof.ok()) << proof.error().message;
    EXPECT_EQ(*proof, hex_hashes(c.at("proof")));
  }
}

TEST(InMemoryNodeStore, MissingNodesAreNotFound) {
  InMemoryNodeStore store;
  EXPECT_EQ(store.count(), 0u);
  EXPECT_EQ(read_root(store, 1).error().code, ErrorCode::kNotFound);
  store.put({0, 0}, leaf_hash(as_bytes("a")));
  store.put({0, 5}, leaf_hash(as_bytes("f")));  // leaves a gap at 1..4
  EXPECT_EQ(store.count(), 2u);
  store.put({0, 5}, leaf_hash(as_bytes("f")));  // overwrite, not a new node
  EXPECT_EQ(store.count(), 2u);
  EXPECT_TRUE(read_root(store, 1).ok());
  const NodeId gap[] = {{0, 3}};
  auto missing = store.read_nodes(gap);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("index 3"), std::string::npos);
  EXPECT_EQ(read_inclusion_proof(store, 0, 2).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(read_inclusion_proof(store, 2, 2).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(read_consistency_proof(store, 3, 2).error().code, ErrorCode::kInvalidArgument);
  const auto empty = read_root(store, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, empty_tree_root());
}

}  // namespace
}  // namespace ink::core
