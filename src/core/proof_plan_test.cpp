#include "core/proof_plan.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

#include "core/test_trees.h"
#include "core/test_vectors.h"

namespace ink::core {
namespace {

using test_trees::make_leaf_data;
using test_trees::ReferenceTree;
using test_vectors::load_vectors;

// Fetches a plan's perfect nodes straight from the reference, without any store.
std::vector<Hash> fetch(ReferenceTree& reference, const ProofPlan& plan) {
  std::vector<Hash> out;
  for (const NodeId& id : plan.nodes) {
    out.push_back(reference.mth(id.index << id.level, (id.index + 1) << id.level));
  }
  return out;
}

TEST(ProofPlan, RejectBadArguments) {
  EXPECT_EQ(inclusion_plan(0, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(inclusion_plan(5, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(consistency_plan(0, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(consistency_plan(6, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(root_plan(0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(inclusion_plan(4, 5).ok());
  EXPECT_TRUE(consistency_plan(5, 5).ok());
  EXPECT_TRUE(consistency_plan(5, 5)->nodes.empty());
}

TEST(ProofPlan, NeedFewNodesEvenForHugeTrees) {
  const uint64_t max = ~uint64_t{0};
  for (uint64_t size :
       {max, max - 1, (max >> 1) + 1, uint64_t{1} << 40, (uint64_t{1} << 40) + 12345}) {
    for (uint64_t leaf : {uint64_t{0}, size / 3, size - 2, size - 1}) {
      auto plan = inclusion_plan(leaf, size);
      ASSERT_TRUE(plan.ok());
      EXPECT_LE(plan->nodes.size(), 128u);
      EXPECT_LE(plan->elements.size(), 64u);
      // Every node lies inside the tree.
      for (const NodeId& id : plan->nodes) {
        EXPECT_LE(id.level, 63);
        EXPECT_LT(id.index, size >> id.level);
      }
    }
    for (uint64_t old_size : {uint64_t{1}, size / 2 + 1, size - 1, size}) {
      auto plan = consistency_plan(old_size, size);
      ASSERT_TRUE(plan.ok());
      EXPECT_LE(plan->nodes.size(), 130u);
    }
    auto plan = root_plan(size);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->nodes.size(), static_cast<size_t>(std::popcount(size)));
    EXPECT_EQ(plan->elements.size(), 1u);
  }
}

// Plans assembled from nodes of the RFC 6962 reference give its PATH, PROOF
// and MTH for every leaf and size up to 130.
TEST(ProofPlan, AssembledPlansAreTheRfcProofs) {
  constexpr uint64_t kMaxSize = 130;
  std::vector<Hash> leaf_nodes;
  for (const Hash& d : make_leaf_data(kMaxSize)) leaf_nodes.push_back(leaf_hash(d));
  ReferenceTree reference(leaf_nodes);
  Hasher hasher;
  uint64_t checked = 0;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    auto root = root_plan(n);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(assemble(*root, fetch(reference, *root), hasher),
              std::vector<Hash>{reference.mth(0, n)})
        << n;
    for (uint64_t m = 0; m < n; ++m) {
      auto plan = inclusion_plan(m, n);
      ASSERT_TRUE(plan.ok());
      EXPECT_EQ(assemble(*plan, fetch(reference, *plan), hasher), reference.inclusion(m, n))
          << "inclusion of " << m << " in " << n;
      ++checked;
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto plan = consistency_plan(m, n);
      ASSERT_TRUE(plan.ok());
      EXPECT_EQ(assemble(*plan, fetch(reference, *plan), hasher), reference.consistency(m, n))
          << "consistency " << m << " -> " << n;
      ++checked;
    }
  }
  EXPECT_EQ(checked, kMaxSize * (kMaxSize + 1));
}

TEST(ProofPlanVectors, InclusionA) {
  const auto cases = load_vectors().at("inclusion");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t size = c.at("tree_size");
    const uint64_t leaf = c.at("leaf_index");
    EXPECT_EQ(inclusion_a(leaf, size), c.at("a").get<uint64_t>()) << leaf << " of " << size;
  }
}

}  // namespace
}  // namespace ink::core
