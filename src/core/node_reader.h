#pragma once
// Main-tree nodes from storage: the NodeReader interface (implemented by the
// store over PostgreSQL, in memory here), and roots and proofs read through
// one, each as a ProofPlan (core/proof_plan.h) fetched in one read_nodes()
// call and assembled. Nothing here does I/O itself.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/hash.h"
#include "core/proof_plan.h"
#include "core/result.h"

namespace ink::core {

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
  std::vector<std::vector<Hash>> by_level_;  // by_level_[L][k]
  std::vector<std::vector<bool>> present_;   // present_[L][k]: put() was called
  size_t count_ = 0;
};

// Reads through a NodeReader: O(log size) nodes each. read_root of size 0 is
// H("") without reading; the others need the same preconditions as the plans.
Result<Hash> read_root(NodeReader& reader, uint64_t size);
Result<std::vector<Hash>> read_inclusion_proof(NodeReader& reader, uint64_t leaf, uint64_t size);
Result<std::vector<Hash>> read_consistency_proof(NodeReader& reader, uint64_t old_size,
                                                 uint64_t new_size);

}  // namespace ink::core
