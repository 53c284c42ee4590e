#include "core/merkle.h"

#include <bit>
#include <string>

namespace ink::core {
namespace {

Hasher& thread_hasher() {
  thread_local Hasher hasher;
  return hasher;
}

std::string node_name(NodeId id) {
  return "(level " + std::to_string(id.level) + ", index " + std::to_string(id.index) + ")";
}

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
    return make_error(ErrorCode::kInvalidArgument,
                      "leaf " + std::to_string(leaf) + " is not in a tree of size " +
                          std::to_string(size));
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

// ---------------------------------------------------------------- IntervalTree

IntervalTree::IntervalTree(std::span<const Hash> leaf_data) {
  if (leaf_data.empty()) {
    root_ = empty_tree_root();
    return;
  }
  Hasher hasher;
  std::vector<Hash> leaves;
  leaves.reserve(leaf_data.size());
  for (const Hash& data : leaf_data) leaves.push_back(hasher.leaf(data));
  levels_.push_back(std::move(leaves));
  build_levels(hasher);
}

IntervalTree IntervalTree::from_leaf_nodes(std::vector<Hash> leaf_nodes) {
  IntervalTree tree;
  if (leaf_nodes.empty()) {
    tree.root_ = empty_tree_root();
    return tree;
  }
  tree.levels_.push_back(std::move(leaf_nodes));
  Hasher hasher;
  tree.build_levels(hasher);
  return tree;
}

void IntervalTree::build_levels(Hasher& hasher) {
  while (levels_.back().size() > 1) {
    const std::vector<Hash>& below = levels_.back();
    std::vector<Hash> above;
    above.reserve((below.size() + 1) / 2);
    for (size_t i = 0; i + 1 < below.size(); i += 2) above.push_back(hasher.node(below[i], below[i + 1]));
    // A node without a right sibling moves up unchanged (RFC 6962 shape).
    if (below.size() % 2 != 0) above.push_back(below.back());
    levels_.push_back(std::move(above));
  }
  root_ = levels_.back()[0];
}

IntervalTree::Path IntervalTree::path(uint64_t leaf) const {
  Path out;
  out.path.reserve(levels_.size());
  for (size_t level = 0; level + 1 < levels_.size(); ++level) {
    const uint64_t index = leaf >> level;
    const uint64_t sibling = index ^ 1;
    if (sibling >= levels_[level].size()) continue;  // promoted: no sibling here
    if ((index & 1) != 0) out.a |= uint64_t{1} << out.path.size();
    out.path.push_back(levels_[level][sibling]);
  }
  return out;
}

Hash merkle_root(std::span<const Hash> leaf_data) {
  Hasher& hasher = thread_hasher();
  CompactRange range;
  for (const Hash& data : leaf_data) range.append(data, hasher);
  return range.root(hasher);
}

// ----------------------------------------------------------- InMemoryNodeStore

void InMemoryNodeStore::put(NodeId id, const Hash& hash) {
  if (by_level_.size() <= id.level) {
    by_level_.resize(id.level + 1);
    present_.resize(id.level + 1);
  }
  auto& hashes = by_level_[id.level];
  auto& present = present_[id.level];
  if (hashes.size() <= id.index) {
    hashes.resize(id.index + 1);
    present.resize(id.index + 1, false);
  }
  hashes[id.index] = hash;
  if (!present[id.index]) {
    present[id.index] = true;
    ++count_;
  }
}

Result<std::vector<Hash>> InMemoryNodeStore::read_nodes(std::span<const NodeId> ids) {
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const NodeId& id : ids) {
    if (id.level >= by_level_.size() || id.index >= by_level_[id.level].size() ||
        !present_[id.level][id.index]) {
      return make_error(ErrorCode::kNotFound, "no node " + node_name(id));
    }
    out.push_back(by_level_[id.level][id.index]);
  }
  return out;
}

size_t InMemoryNodeStore::count() const { return count_; }

// ------------------------------------------------------------- through a reader

namespace {

Result<std::vector<Hash>> fetch_and_assemble(NodeReader& reader, const ProofPlan& plan) {
  auto fetched = reader.read_nodes(plan.nodes);
  if (!fetched) return fetched.error();
  if (fetched->size() != plan.nodes.size()) {
    return make_error(ErrorCode::kInternal, "node reader returned " +
                                                std::to_string(fetched->size()) + " of " +
                                                std::to_string(plan.nodes.size()) + " nodes");
  }
  return assemble(plan, *fetched, thread_hasher());
}

}  // namespace

Result<Hash> read_root(NodeReader& reader, uint64_t size) {
  if (size == 0) return empty_tree_root();
  auto plan = root_plan(size);
  if (!plan) return plan.error();
  auto hashes = fetch_and_assemble(reader, *plan);
  if (!hashes) return hashes.error();
  return hashes->front();
}

Result<std::vector<Hash>> read_inclusion_proof(NodeReader& reader, uint64_t leaf, uint64_t size) {
  auto plan = inclusion_plan(leaf, size);
  if (!plan) return plan.error();
  return fetch_and_assemble(reader, *plan);
}

Result<std::vector<Hash>> read_consistency_proof(NodeReader& reader, uint64_t old_size,
                                                 uint64_t new_size) {
  auto plan = consistency_plan(old_size, new_size);
  if (!plan) return plan.error();
  return fetch_and_assemble(reader, *plan);
}

// ----------------------------------------------------------------- CompactRange

Result<CompactRange> CompactRange::load(NodeReader& reader, uint64_t size) {
  CompactRange range;
  range.size_ = size;
  if (size == 0) return range;
  auto plan = root_plan(size);
  if (!plan) return plan.error();
  auto peaks = reader.read_nodes(plan->nodes);
  if (!peaks) return peaks.error();
  if (peaks->size() != plan->nodes.size()) {
    return make_error(ErrorCode::kInternal, "node reader returned a wrong number of peaks");
  }
  range.peaks_ = std::move(*peaks);
  return range;
}

std::vector<CompactRange::NewNode> CompactRange::append(const Hash& leaf_data, Hasher& hasher) {
  return append_leaf_node(hasher.leaf(leaf_data), hasher);
}

std::vector<CompactRange::NewNode> CompactRange::append_leaf_node(const Hash& leaf_node,
                                                                  Hasher& hasher) {
  std::vector<NewNode> created;
  created.reserve(1 + std::countr_one(size_));
  created.push_back({{0, size_}, leaf_node});
  Hash current = leaf_node;
  // Each trailing one bit of the old size is a peak of that level that the
  // new leaf completes into a perfect node one level up.
  uint8_t level = 0;
  while (((size_ >> level) & 1) != 0) {
    current = hasher.node(peaks_.back(), current);
    peaks_.pop_back();
    ++level;
    created.push_back({{level, size_ >> level}, current});
  }
  peaks_.push_back(current);
  ++size_;
  return created;
}

Hash CompactRange::root(Hasher& hasher) const {
  if (peaks_.empty()) return empty_tree_root();
  Hash folded = peaks_.back();
  for (size_t i = peaks_.size() - 1; i > 0; --i) folded = hasher.node(peaks_[i - 1], folded);
  return folded;
}

}  // namespace ink::core
