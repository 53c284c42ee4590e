#pragma once
// The right edge of the main tree, enough to append leaves and compute roots
// without reading the tree (conventions in core/proof_plan.h). Not to be
// confused with the protocol's compact strings (core/compact_string.h).

#include <cstdint>
#include <span>
#include <vector>

#include "core/hash.h"
#include "core/node_reader.h"
#include "core/proof_plan.h"
#include "core/result.h"

namespace ink::core {

// The main tree's perfect-subtree "peaks": all that is needed to append a
// leaf and compute the new root without reading the tree.
class CompactRange {
 public:
  struct NewNode {
    NodeId id;
    Hash hash;
  };
  CompactRange() = default;
  // Loads the peaks of a tree of `size` leaves (at most 64 node reads).
  static Result<CompactRange> load(NodeReader& reader, uint64_t size);

  uint64_t size() const { return size_; }
  const std::vector<Hash>& peaks() const { return peaks_; }  // largest (leftmost) first
  // Appends leaf data; returns every perfect node completed by it (the leaf
  // node first, then upwards), which the caller must store.
  std::vector<NewNode> append(const Hash& leaf_data, Hasher& hasher);
  // The same, given the leaf node H(0x00 || data) instead of the data.
  std::vector<NewNode> append_leaf_node(const Hash& leaf_node, Hasher& hasher);
  Hash root(Hasher& hasher) const;  // H("") when empty

 private:
  uint64_t size_ = 0;
  std::vector<Hash> peaks_;
};

// Root of leaf data in one go, by appending it all to a CompactRange (the
// straightforward definition; for tests and small trees).
Hash merkle_root(std::span<const Hash> leaf_data);

}  // namespace ink::core
