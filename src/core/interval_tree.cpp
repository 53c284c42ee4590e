#include "core/interval_tree.h"

#include <utility>

namespace ink::core {

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
    for (size_t i = 0; i + 1 < below.size(); i += 2)
      above.push_back(hasher.node(below[i], below[i + 1]));
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

}  // namespace ink::core
