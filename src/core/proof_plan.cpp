#include "core/proof_plan.h"

#include <bit>
#include <string>

namespace ink::core {
namespace {

// Appends the perfect subtrees that make up leaves [begin, end), largest
// first, as one plan element. Precondition: begin is a multiple of a power
// of two larger than end - begin (true for every node of an RFC 6962 tree),
// so each piece is aligned.
void add_range(ProofPlan& plan, uint64_t begin, uint64_t end) {
  const auto first = static_cast<uint32_t>(plan.nodes.size());
  for (uint64_t remaining = end - begin; remaining != 0;) {
    const int level = static_cast<int>(std::bit_width(remaining)) - 1;
    plan.nodes.push_back({static_cast<uint8_t>(level), begin >> level});
    begin += uint64_t{1} << level;
    remaining -= uint64_t{1} << level;
  }
  plan.elements.emplace_back(first, static_cast<uint32_t>(plan.nodes.size()));
}

void add_node(ProofPlan& plan, NodeId id) {
  const auto first = static_cast<uint32_t>(plan.nodes.size());
  plan.nodes.push_back(id);
  plan.elements.emplace_back(first, first + 1);
}

// RFC 6962 PATH of the perfect node (level, index) in a tree of `size`
// leaves, from the node upwards. Below the level where the node's path and
// the tree's right edge part ("inner" levels) every sibling exists; the top
// inner sibling may be cut off by the tree's end and is then the fold of its
// perfect pieces. Above, only the left siblings of the right edge remain.
void add_path(ProofPlan& plan, uint8_t level, uint64_t index, uint64_t size) {
  const uint64_t last = (size - 1) >> level;
  const int inner = static_cast<int>(std::bit_width(index ^ last));
  for (int i = 0; i < inner; ++i) {
    const int sibling_level = level + i;
    const uint64_t sibling = (index >> i) ^ 1;
    const uint64_t begin = sibling << sibling_level;
    if (size - begin >= (uint64_t{1} << sibling_level)) {
      add_node(plan, {static_cast<uint8_t>(sibling_level), sibling});
    } else {
      add_range(plan, begin, size);
    }
  }
  for (int i = inner; i < 64 && (index >> i) != 0; ++i) {
    if (((index >> i) & 1) != 0) {
      add_node(plan, {static_cast<uint8_t>(level + i), (index >> i) ^ 1});
    }
  }
}

}  // namespace

Result<ProofPlan> inclusion_plan(uint64_t leaf, uint64_t size) {
  if (leaf >= size) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "leaf " + std::to_string(leaf) + " is not in a tree of size " + std::to_string(size));
  }
  ProofPlan plan;
  add_path(plan, 0, leaf, size);
  return plan;
}

Result<ProofPlan> consistency_plan(uint64_t old_size, uint64_t new_size) {
  if (old_size == 0 || old_size > new_size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "consistency needs 0 < old size <= new size, got " +
                          std::to_string(old_size) + " and " + std::to_string(new_size));
  }
  ProofPlan plan;
  if (old_size == new_size) return plan;
  // The old tree's rightmost perfect subtree is a node of the new tree too;
  // the proof is that node (left out when it is the whole old tree, which the
  // verifier knows as the old root) followed by its path in the new tree.
  const auto level = static_cast<uint8_t>(std::countr_zero(old_size));
  const uint64_t index = (old_size - 1) >> level;
  if (index != 0) add_node(plan, {level, index});
  add_path(plan, level, index, new_size);
  return plan;
}

Result<ProofPlan> root_plan(uint64_t size) {
  if (size == 0) {
    return make_error(ErrorCode::kInvalidArgument, "a tree of size 0 has no root node");
  }
  ProofPlan plan;
  add_range(plan, 0, size);
  return plan;
}

std::vector<Hash> assemble(const ProofPlan& plan, std::span<const Hash> fetched, Hasher& hasher) {
  std::vector<Hash> out;
  out.reserve(plan.elements.size());
  for (const auto& [begin, end] : plan.elements) {
    Hash folded = fetched[end - 1];
    for (uint32_t i = end - 1; i > begin; --i) folded = hasher.node(fetched[i - 1], folded);
    out.push_back(folded);
  }
  return out;
}

uint64_t inclusion_a(uint64_t leaf, uint64_t size) {
  const int inner = static_cast<int>(std::bit_width(leaf ^ (size - 1)));
  const int border = std::popcount(inner >= 64 ? 0 : leaf >> inner);
  const uint64_t inner_bits = inner >= 64 ? leaf : leaf & ((uint64_t{1} << inner) - 1);
  // Every sibling above the inner levels is a left one.
  const uint64_t border_bits = border == 0 ? 0 : ((uint64_t{1} << border) - 1) << inner;
  return inner_bits | border_bits;
}

}  // namespace ink::core
