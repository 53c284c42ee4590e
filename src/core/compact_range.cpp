#include "core/compact_range.h"

#include <bit>
#include <utility>

namespace ink::core {
namespace {

Hasher& thread_hasher() {
  thread_local Hasher hasher;
  return hasher;
}

}  // namespace

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

Hash merkle_root(std::span<const Hash> leaf_data) {
  Hasher& hasher = thread_hasher();
  CompactRange range;
  for (const Hash& data : leaf_data) range.append(data, hasher);
  return range.root(hasher);
}

}  // namespace ink::core
