#pragma once
// Which main-tree nodes a proof needs, as pure arithmetic. RFC 6962 Merkle
// trees with the protocol's H serve both the interval tree and the main tree.
// Indexes are 0-based; a tree of `size` leaves covers leaves [0, size). "Leaf
// data" is what the protocol puts in a leaf (a ts hash for the interval tree,
// an ihash for the main tree); the leaf *node* is H(0x00 || data).
//
// Proofs are made in two steps (transparency-dev style): first pure
// arithmetic says which perfect-subtree nodes a proof needs (a ProofPlan),
// then the caller fetches those hashes from wherever they live
// (core/node_reader.h), then assemble() combines them. No function here does I/O.

#include <cstdint>
#include <span>
#include <utility>
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

}  // namespace ink::core
