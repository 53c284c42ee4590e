#pragma once
// RFC 6962 Merkle trees with the protocol's H, for both the interval tree and
// the main tree. Indexes are 0-based; a tree of `size` leaves covers leaves
// [0, size). "Leaf data" is what the protocol puts in a leaf (a ts hash for the
// interval tree, an ihash for the main tree); the leaf *node* is H(0x00 || data).
//
// Proofs are made in two steps (transparency-dev style): first pure
// arithmetic says which perfect-subtree nodes a proof needs (a ProofPlan),
// then the caller fetches those hashes from wherever they live, then
// assemble() combines them. No function here does I/O.

#include <cstdint>
#include <span>
#include <vector>

#include "core/hash.h"
#include "core/result.h"

namespace ink::core {

// A perfect subtree: level L, index k covers leaves [k << L, (k + 1) << L).
// Level 0 nodes are leaf nodes H(0x00 || data).
struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

// Which perfect nodes a proof needs and how to combine them: proof element e
// is the right fold node(n[b], node(n[b+1], ... n[e-1])) of nodes[b, e)
// where (b, e) = elements[e]. Most elements are a single node.
struct ProofPlan {
  std::vector<NodeId> nodes;
  std::vector<std::pair<uint32_t, uint32_t>> elements;
};

// Preconditions (else kInvalidArgument): leaf < size; 0 < old_size <= new_size; size > 0.
Result<ProofPlan> inclusion_plan(uint64_t leaf, uint64_t size);
Result<ProofPlan> consistency_plan(uint64_t old_size, uint64_t new_size);
Result<ProofPlan> root_plan(uint64_t size);  // one element: the tree's root

// Combines fetched node hashes (same order as plan.nodes) into the proof hashes.
// Precondition: fetched.size() == plan.nodes.size().
std::vector<Hash> assemble(const ProofPlan& plan, std::span<const Hash> fetched, Hasher& hasher);

// The protocol's `a` for leaf in a tree of size leaves: bit j set when path[j]
// is a left sibling. Precondition: leaf < size.
uint64_t inclusion_a(uint64_t leaf, uint64_t size);

// Interval tree: built once from all leaf data (ts hashes, protocol order),
// keeps every level so each leaf's path costs O(log N) and all N paths
// O(N log N). levels()[0] are the leaf nodes; level k, index j is the root over
// leaves [j << k, min((j + 1) << k, size)), so its full nodes are the NodeIds above.
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

// Root of leaf data in one go (the straightforward definition; for tests and small trees).
Hash merkle_root(std::span<const Hash> leaf_data);

// Storage of main-tree nodes, implemented by the store (PostgreSQL) and in
// memory for tests and benchmarks. Returns hashes in the order asked, or
// kNotFound naming the first missing node.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual Result<std::vector<Hash>> read_nodes(std::span<const NodeId> ids) = 0;
};

// Concurrent read_nodes() calls are safe; put() must not overlap any other
// call. put() may come in any order and overwrites; nodes never put read as
// kNotFound.
class InMemoryNodeStore final : public NodeReader {
 public:
  void put(NodeId id, const Hash& hash);
  Result<std::vector<Hash>> read_nodes(std::span<const NodeId> ids) override;
  size_t count() const;

 private:
  std::vector<std::vector<Hash>> by_level_;   // by_level_[L][k]
  std::vector<std::vector<bool>> present_;    // present_[L][k]: put() was called
  size_t count_ = 0;
};

// Reads through a NodeReader: O(log size) nodes each. read_root of size 0 is
// H("") without reading; the others need the same preconditions as the plans.
Result<Hash> read_root(NodeReader& reader, uint64_t size);
Result<std::vector<Hash>> read_inclusion_proof(NodeReader& reader, uint64_t leaf, uint64_t size);
Result<std::vector<Hash>> read_consistency_proof(NodeReader& reader, uint64_t old_size,
                                                 uint64_t new_size);

// The right edge of the main tree (its perfect-subtree "peaks"): all that is
// needed to append a leaf and compute the new root without reading the tree.
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

}  // namespace ink::core
