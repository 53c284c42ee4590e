#include "core/node_reader.h"

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

}  // namespace

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

}  // namespace ink::core
