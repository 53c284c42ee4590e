#include "core/verify.h"

#include <bit>

#include "core/proof_plan.h"

namespace ink::core {
namespace {

Hasher& thread_hasher() {
  thread_local Hasher hasher;
  return hasher;
}

uint64_t shift_right(uint64_t value, size_t bits) { return bits >= 64 ? 0 : value >> bits; }

// Length of RFC 6962 PATH for the perfect node (level, index) in a tree of
// `size` leaves: all siblings below the level where the node's path meets
// the right edge, then one per left sibling on the edge above.
size_t path_length(int level, uint64_t index, uint64_t size) {
  const auto inner = static_cast<size_t>(std::bit_width(index ^ ((size - 1) >> level)));
  return inner + static_cast<size_t>(std::popcount(shift_right(index, inner)));
}

size_t consistency_length(uint64_t old_size, uint64_t new_size) {
  if (old_size == new_size) return 0;
  const int level = std::countr_zero(old_size);
  const uint64_t index = (old_size - 1) >> level;
  return (index != 0 ? 1 : 0) + path_length(level, index, new_size);
}

// Shifts both right until fn's lowest bit is set or fn is 0 (RFC 9162 wording).
void shift_until_odd(uint64_t& fn, uint64_t& sn) {
  if (fn == 0) return;
  const int zeros = std::countr_zero(fn);
  fn >>= zeros;
  sn >>= zeros;
}

}  // namespace

std::string describe(ProofError error) {
  switch (error) {
    case ProofError::kOk:
      return "the proof checks out";
    case ProofError::kIndexOutOfRange:
      return "the leaf index is not inside the tree (it must be below the tree size, which must "
             "not be 0)";
    case ProofError::kSizeOrder:
      return "the tree sizes are out of order (the old size must be at least 1 and not above the "
             "new size)";
    case ProofError::kWrongPathLength:
      return "the proof has the wrong number of nodes for these tree sizes";
    case ProofError::kBadA:
      return "the value a does not fit the proof (bits beyond the path, or not the leaf's "
             "position)";
    case ProofError::kRootMismatch:
      return "the proof leads to a different root: the leaf is not in this tree, or the proof was "
             "altered";
    case ProofError::kOldRootMismatch:
      return "the consistency proof does not lead to the old root";
    case ProofError::kNewRootMismatch:
      return "the consistency proof does not lead to the new root";
  }
  return "unknown proof error";
}

ProofError verify_path(ByteView leaf_data, uint64_t a, std::span<const Hash> path,
                       const Hash& root) {
  // Like the protocol's `a >> len(path) == 0` on unbounded integers.
  if (shift_right(a, path.size()) != 0) return ProofError::kBadA;
  Hasher& hasher = thread_hasher();
  Hash current = hasher.leaf(leaf_data);
  for (size_t j = 0; j < path.size(); ++j) {
    current = ((shift_right(a, j) & 1) != 0) ? hasher.node(path[j], current)
                                             : hasher.node(current, path[j]);
  }
  return current == root ? ProofError::kOk : ProofError::kRootMismatch;
}

ProofError verify_inclusion(ByteView leaf_data, uint64_t leaf, uint64_t size,
                            std::span<const Hash> proof, const Hash& root) {
  if (leaf >= size) return ProofError::kIndexOutOfRange;
  // Checked up front so a wrong-length proof costs no hashing; the loop
  // below would reject it too (sn reaching 0 early, or not at all).
  if (proof.size() != path_length(0, leaf, size)) return ProofError::kWrongPathLength;
  Hasher& hasher = thread_hasher();
  uint64_t fn = leaf;
  uint64_t sn = size - 1;
  Hash r = hasher.leaf(leaf_data);
  for (const Hash& p : proof) {
    if (sn == 0) return ProofError::kWrongPathLength;
    if ((fn & 1) != 0 || fn == sn) {
      r = hasher.node(p, r);
      if ((fn & 1) == 0) shift_until_odd(fn, sn);
    } else {
      r = hasher.node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofError::kWrongPathLength;
  return r == root ? ProofError::kOk : ProofError::kRootMismatch;
}

ProofError verify_inclusion_with_a(ByteView leaf_data, uint64_t leaf, uint64_t size, uint64_t a,
                                   std::span<const Hash> proof, const Hash& root) {
  if (leaf >= size) return ProofError::kIndexOutOfRange;
  if (a != inclusion_a(leaf, size)) return ProofError::kBadA;
  return verify_inclusion(leaf_data, leaf, size, proof, root);
}

ProofError verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                              const Hash& new_root, std::span<const Hash> proof) {
  if (old_size == 0 || old_size > new_size) return ProofError::kSizeOrder;
  if (proof.size() != consistency_length(old_size, new_size)) {
    return ProofError::kWrongPathLength;
  }
  if (old_size == new_size) {
    return old_root == new_root ? ProofError::kOk : ProofError::kNewRootMismatch;
  }
  // RFC 9162 section 2.1.4.2. When the old tree is perfect its root is the
  // proof's implicit first node.
  const bool old_is_perfect = std::has_single_bit(old_size);
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  const int ones = std::countr_one(fn);  // < 64: old_size - 1 is never all ones
  fn >>= ones;
  sn >>= ones;
  Hasher& hasher = thread_hasher();
  const Hash& first = old_is_perfect ? old_root : proof[0];
  Hash fr = first;
  Hash sr = first;
  for (size_t i = old_is_perfect ? 0 : 1; i < proof.size(); ++i) {
    const Hash& c = proof[i];
    if (sn == 0) return ProofError::kWrongPathLength;
    if ((fn & 1) != 0 || fn == sn) {
      fr = hasher.node(c, fr);
      sr = hasher.node(c, sr);
      if ((fn & 1) == 0) shift_until_odd(fn, sn);
    } else {
      sr = hasher.node(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofError::kWrongPathLength;
  if (fr != old_root) return ProofError::kOldRootMismatch;
  if (sr != new_root) return ProofError::kNewRootMismatch;
  return ProofError::kOk;
}

}  // namespace ink::core
