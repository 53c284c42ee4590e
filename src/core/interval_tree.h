#pragma once
// The interval tree: the RFC 6962 tree over one interval's ts hashes, built
// at once in memory (conventions in core/proof_plan.h). No I/O.

#include <cstdint>
#include <span>
#include <vector>

#include "core/hash.h"

namespace ink::core {

// Built once from all leaf data (ts hashes, protocol order), keeps every
// level so each leaf's path costs O(log N) and all N paths O(N log N).
// levels()[0] are the leaf nodes; level k, index j is the root over leaves
// [j << k, min((j + 1) << k, size)), so its full nodes are the NodeIds of
// core/proof_plan.h.
class IntervalTree {
 public:
  explicit IntervalTree(std::span<const Hash> leaf_data);
  // From leaf *nodes* H(0x00 || data) already hashed, e.g. for leaf data that
  // is not 32 bytes (the ASCII leaves of vectors.json).
  static IntervalTree from_leaf_nodes(std::vector<Hash> leaf_nodes);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Hash& root() const { return root_; }  // H("") for an empty tree
  const std::vector<std::vector<Hash>>& levels() const { return levels_; }

  struct Path {
    uint64_t a = 0;
    std::vector<Hash> path;  // leaf upwards
  };
  Path path(uint64_t leaf) const;  // precondition: leaf < size()

 private:
  IntervalTree() = default;
  void build_levels(Hasher& hasher);

  std::vector<std::vector<Hash>> levels_;
  Hash root_{};
};

}  // namespace ink::core
