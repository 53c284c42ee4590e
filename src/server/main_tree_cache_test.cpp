#include "server/main_tree_cache.h"

#include <gtest/gtest.h>

#include <random>

#include "core/test_trees.h"

namespace ink::server {
namespace {

using core::Hash;
using core::NodeId;

// Every perfect node of the tree of `size` leaves at levels 0..max_level.
std::vector<NodeId> perfect_nodes(uint64_t size, uint8_t max_level) {
  std::vector<NodeId> ids;
  for (uint8_t level = 0; level <= max_level; ++level)
    for (uint64_t k = 0; ((k + 1) << level) <= size; ++k) ids.push_back({level, k});
  return ids;
}

TEST(MainTreeCache, HoldsEveryNodeAtOrAboveItsBaseAfterGrowingAcrossSizes) {
  const uint64_t kLeaves = 700;
  auto leaf_nodes = core::test_trees::numbered_leaf_nodes(kLeaves);
  core::test_trees::ReferenceTree reference(leaf_nodes);
  std::mt19937_64 rng(7);
  core::Hasher hasher;
  for (uint8_t base = 0; base <= 4; ++base) {
    MainTreeCache cache(base);
    const uint64_t base_total = kLeaves >> base;
    uint64_t appended = 0;
    while (appended < base_total) {
      // Steps of 1 and of many nodes, so growth crosses levels both ways.
      uint64_t step = std::min<uint64_t>(base_total - appended, rng() % 3 == 0 ? rng() % 40 : 1);
      if (step == 0) step = 1;
      std::vector<Hash> next;
      for (uint64_t k = appended; k < appended + step; ++k)
        next.push_back(reference.mth(k << base, (k + 1) << base));
      cache.append(next, hasher);
      appended += step;
      const uint64_t covered = appended << base;
      ASSERT_EQ(cache.base_count(), appended);
      ASSERT_EQ(cache.covered(), covered);

      // Every perfect node of a tree a little larger than what is covered:
      // those inside it at or above the base are found and right, the rest not.
      auto ids = perfect_nodes(std::min(kLeaves, covered + (uint64_t(1) << base) + 3), 12);
      std::vector<Hash> out(ids.size());
      std::vector<bool> found(ids.size());
      size_t expected = 0;
      for (size_t i = 0; i < ids.size(); ++i) {
        const bool held = ids[i].level >= base && ((ids[i].index + 1) << ids[i].level) <= covered;
        expected += held;
        out[i].fill(0xee);
      }
      ASSERT_EQ(cache.lookup(ids, out, found), expected) << "base " << int(base);
      for (size_t i = 0; i < ids.size(); ++i) {
        const auto [level, index] = ids[i];
        const bool held = level >= base && ((index + 1) << level) <= covered;
        ASSERT_EQ(found[i], held) << "level " << int(level) << " index " << index;
        if (held) {
          ASSERT_EQ(out[i], reference.mth(index << level, (index + 1) << level))
              << "base " << int(base) << " level " << int(level) << " index " << index;
        } else {
          Hash untouched;
          untouched.fill(0xee);
          ASSERT_EQ(out[i], untouched);
        }
      }
    }
    size_t held_nodes = 0;
    for (auto& id : perfect_nodes(cache.covered(), 12)) held_nodes += id.level >= base;
    EXPECT_EQ(cache.node_count(), held_nodes);
    EXPECT_GE(cache.bytes(), cache.node_count() * sizeof(Hash));
  }
}

TEST(MainTreeCache, EmptyCacheFindsNothing) {
  MainTreeCache cache(3);
  std::vector<NodeId> ids{{3, 0}, {0, 0}, {10, 0}};
  std::vector<Hash> out(ids.size());
  std::vector<bool> found(ids.size());
  EXPECT_EQ(cache.lookup(ids, out, found), 0u);
  EXPECT_EQ(cache.covered(), 0u);
  EXPECT_EQ(cache.node_count(), 0u);
}

TEST(MainTreeCache, BaseLevelKeepsTheTreeWithinTheBudget) {
  // 1M leaves, 4 MiB: 2^16 base nodes at level 4 (+ as many above) = 4 MiB.
  EXPECT_EQ(MainTreeCache::base_level_for(uint64_t(1) << 20, 4 << 20, 2), 4);
  EXPECT_EQ(MainTreeCache::base_level_for((uint64_t(1) << 20) + 1, 4 << 20, 2), 4);
  EXPECT_EQ(MainTreeCache::base_level_for((uint64_t(1) << 21), 4 << 20, 2), 5);
  // A small tree fits whole; the floor still holds.
  EXPECT_EQ(MainTreeCache::base_level_for(10, 4 << 20, 2), 2);
  EXPECT_EQ(MainTreeCache::base_level_for(10, 4 << 20, 0), 0);
  EXPECT_EQ(MainTreeCache::base_level_for(0, 0, 0), 0);
}

}  // namespace
}  // namespace ink::server
