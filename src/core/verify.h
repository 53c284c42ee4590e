#pragma once
// Verification of inclusion and consistency proofs (RFC 9162 sections
// 2.1.3.2 and 2.1.4.2) and of the protocol's (a, path) encoding. Results are
// typed: ProofError says what failed; describe() gives a sentence for people.

#include <cstdint>
#include <span>
#include <string>

#include "core/hash.h"

namespace ink::core {

enum class ProofError {
  kOk = 0,
  kIndexOutOfRange,  // leaf >= size, or size == 0
  kSizeOrder,        // old_size > new_size, or old_size == 0
  kWrongPathLength,  // the proof has too many or too few nodes
  kBadA,             // a has bits beyond the path, or does not match the leaf's position
  kRootMismatch,     // the proof leads to another root
  kOldRootMismatch,  // consistency: the proof does not lead to the old root
  kNewRootMismatch,  // consistency: the proof does not lead to the new root
};

std::string describe(ProofError error);

// Leaf data is usually a 32-byte hash (a Hash converts to ByteView), but any
// bytes are accepted, like the ASCII leaves of vectors.json.
//
// The protocol's check: cur = H(0x00||leaf_data), combine with path per a's bits.
ProofError verify_path(ByteView leaf_data, uint64_t a, std::span<const Hash> path,
                       const Hash& root);

// RFC 9162 inclusion of leaf data at `leaf` in a tree of `size` leaves.
ProofError verify_inclusion(ByteView leaf_data, uint64_t leaf, uint64_t size,
                            std::span<const Hash> proof, const Hash& root);

// An `inclusion` object of the protocol carries both a and the index: checks
// that a is the one the position implies, then verifies by RFC 9162.
ProofError verify_inclusion_with_a(ByteView leaf_data, uint64_t leaf, uint64_t size, uint64_t a,
                                   std::span<const Hash> proof, const Hash& root);

// RFC 9162 consistency of a tree of old_size leaves with one of new_size.
ProofError verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                              const Hash& new_root, std::span<const Hash> proof);

}  // namespace ink::core
