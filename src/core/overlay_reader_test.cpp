#include "core/overlay_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/test_trees.h"

namespace ink::core {
namespace {

using test_trees::make_leaf_data;

// A NodeReader that remembers what it was asked.
class RecordingReader final : public NodeReader {
 public:
  explicit RecordingReader(NodeReader& inner) : inner_(inner) {}
  Result<std::vector<Hash>> read_nodes(std::span<const NodeId> ids) override {
    ++calls;
    asked.insert(asked.end(), ids.begin(), ids.end());
    return inner_.read_nodes(ids);
  }
  int calls = 0;
  std::vector<NodeId> asked;

 private:
  NodeReader& inner_;
};

// The stored tree of `old_size` leaves (`stored`), the same tree grown by
// `added` more leaves with every node stored (`full`), and what the appends
// returned, as the sequencer has them before committing.
struct Grown {
  InMemoryNodeStore stored;
  InMemoryNodeStore full;
  CompactRange old_range;
  CompactRange new_range;
  std::vector<CompactRange::NewNode> new_nodes;
};

Grown grow(const std::vector<Hash>& leaf_data, uint64_t old_size, uint64_t added) {
  Grown g;
  Hasher hasher;
  for (uint64_t i = 0; i < old_size; ++i) {
    for (const auto& node : g.old_range.append(leaf_data[i], hasher)) {
      g.stored.put(node.id, node.hash);
      g.full.put(node.id, node.hash);
    }
  }
  g.new_range = g.old_range;
  for (uint64_t i = old_size; i < old_size + added; ++i) {
    for (const auto& node : g.new_range.append(leaf_data[i], hasher)) {
      g.new_nodes.push_back(node);
      g.full.put(node.id, node.hash);
    }
  }
  return g;
}

// Through the overlay, the stored tree plus the new nodes reads exactly like
// the whole grown tree stored: roots, every inclusion proof and every
// consistency proof into the new size.
TEST(OverlayReader, ReadsLikeTheGrownTreeStored) {
  const auto leaf_data = make_leaf_data(80);
  Hasher hasher;
  uint64_t checked = 0;
  for (uint64_t old_size = 0; old_size <= 70; ++old_size) {
    for (uint64_t added : {uint64_t{1}, uint64_t{2}, uint64_t{9}}) {
      Grown g = grow(leaf_data, old_size, added);
      OverlayReader overlay(g.stored, g.old_range, g.new_nodes);
      const uint64_t size = old_size + added;
      SCOPED_TRACE(std::to_string(old_size) + " + " + std::to_string(added));
      auto root = read_root(overlay, size);
      ASSERT_TRUE(root.ok()) << root.error().message;
      EXPECT_EQ(*root, g.new_range.root(hasher));
      for (uint64_t leaf = 0; leaf < size; ++leaf) {
        auto proof = read_inclusion_proof(overlay, leaf, size);
        ASSERT_TRUE(proof.ok()) << proof.error().message;
        EXPECT_EQ(*proof, *read_inclusion_proof(g.full, leaf, size)) << leaf;
        ++checked;
      }
      for (uint64_t m = 1; m <= size; ++m) {
        auto proof = read_consistency_proof(overlay, m, size);
        ASSERT_TRUE(proof.ok()) << proof.error().message;
        EXPECT_EQ(*proof, *read_consistency_proof(g.full, m, size)) << m;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000u);
}

// The new nodes and the old peaks come from memory: a base that holds
// nothing is not asked for them, and is asked once, in order, for the rest.
TEST(OverlayReader, AsksTheBaseOnlyForWhatItDoesNotHold) {
  const auto leaf_data = make_leaf_data(12);
  // Old peaks (3, 0), (1, 4), (0, 10); leaf 11 completes (0, 11), (1, 5), (2, 2).
  Grown g = grow(leaf_data, 11, 1);
  InMemoryNodeStore empty;
  RecordingReader base(empty);
  OverlayReader overlay(base, g.old_range, g.new_nodes);

  std::vector<NodeId> in_memory = {{3, 0}, {1, 4}, {0, 10}};
  for (const auto& node : g.new_nodes) in_memory.push_back(node.id);
  auto hashes = overlay.read_nodes(in_memory);
  ASSERT_TRUE(hashes.ok()) << hashes.error().message;
  EXPECT_EQ(base.calls, 0);
  auto expected = g.full.read_nodes(in_memory);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*hashes, *expected);

  // Mixed: the base is asked for the stored ones only, once, in order.
  RecordingReader stored(g.stored);
  OverlayReader mixed(stored, g.old_range, g.new_nodes);
  const std::vector<NodeId> ids = {{0, 11}, {0, 3}, {3, 0}, {1, 1}, {2, 2}};
  auto read = mixed.read_nodes(ids);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, *g.full.read_nodes(ids));
  EXPECT_EQ(stored.calls, 1);
  EXPECT_EQ(stored.asked, (std::vector<NodeId>{{0, 3}, {1, 1}}));
}

TEST(OverlayReader, PassesOnTheBaseError) {
  const auto leaf_data = make_leaf_data(5);
  Grown g = grow(leaf_data, 4, 1);
  InMemoryNodeStore empty;
  OverlayReader overlay(empty, g.old_range, g.new_nodes);
  const NodeId ids[] = {{0, 4}, {0, 2}};
  auto read = overlay.read_nodes(ids);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_NE(read.error().message.find("index 2"), std::string::npos);
}

// An empty old tree has no peaks; everything comes from the new nodes.
TEST(OverlayReader, FromAnEmptyTree) {
  const auto leaf_data = make_leaf_data(3);
  Grown g = grow(leaf_data, 0, 3);
  InMemoryNodeStore empty;
  RecordingReader base(empty);
  OverlayReader overlay(base, g.old_range, g.new_nodes);
  Hasher hasher;
  auto root = read_root(overlay, 3);
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, g.new_range.root(hasher));
  EXPECT_EQ(base.calls, 0);
}

}  // namespace
}  // namespace ink::core
