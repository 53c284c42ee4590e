#pragma once
// Test-only helpers shared by the tree tests: generated leaf data, the
// vectors' leaves, a recursive RFC 6962 reference (section 2.1) to compare
// the fast code with, and a main tree grown by CompactRange into an
// InMemoryNodeStore.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/compact_range.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/node_reader.h"

namespace ink::core::test_trees {

inline std::vector<Hash> ascii_leaf_nodes(const nlohmann::json& leaves) {
  std::vector<Hash> out;
  for (const auto& leaf : leaves) out.push_back(leaf_hash(as_bytes(leaf.get<std::string>())));
  return out;
}

// The leaf nodes of the vectors' proof trees: "leaf-0", "leaf-1", ...
inline std::vector<Hash> numbered_leaf_nodes(uint64_t count) {
  std::vector<Hash> out;
  for (uint64_t i = 0; i < count; ++i)
    out.push_back(leaf_hash(as_bytes("leaf-" + std::to_string(i))));
  return out;
}

// Leaf data for generated trees: distinct 32-byte values.
inline std::vector<Hash> make_leaf_data(size_t count) {
  std::vector<Hash> out;
  Hasher hasher;
  for (size_t i = 0; i < count; ++i) {
    const std::string text = "leaf data " + std::to_string(i);
    out.push_back(hasher.sha3(as_bytes(text)));
  }
  return out;
}

// Straight from RFC 6962 section 2.1, recursive, over leaf nodes. MTH is
// memoised by (begin, end): every proof for every size reuses a few thousand
// subtree hashes, which keeps the exhaustive comparison affordable.
class ReferenceTree {
 public:
  explicit ReferenceTree(const std::vector<Hash>& leaf_nodes) : leaf_nodes_(leaf_nodes) {}

  const Hash& mth(uint64_t begin, uint64_t end) {
    const uint64_t key = (begin << 32) | end;
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    Hash value;
    const uint64_t n = end - begin;
    if (n == 0) {
      value = sha3_256({});
    } else if (n == 1) {
      value = leaf_nodes_[begin];
    } else {
      const uint64_t k = split(n);
      value = hasher_.node(mth(begin, begin + k), mth(begin + k, end));
    }
    return memo_.emplace(key, value).first->second;
  }

  // PATH(m, D[begin:end]), m relative to begin.
  void path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash>& out) {
    const uint64_t n = end - begin;
    if (n <= 1) return;
    const uint64_t k = split(n);
    if (m < k) {
      path(m, begin, begin + k, out);
      out.push_back(mth(begin + k, end));
    } else {
      path(m - k, begin + k, end, out);
      out.push_back(mth(begin, begin + k));
    }
  }

  // SUBPROOF(m, D[begin:end], b).
  void subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole, std::vector<Hash>& out) {
    const uint64_t n = end - begin;
    if (m == n) {
      if (!whole) out.push_back(mth(begin, end));
      return;
    }
    const uint64_t k = split(n);
    if (m <= k) {
      subproof(m, begin, begin + k, whole, out);
      out.push_back(mth(begin + k, end));
    } else {
      subproof(m - k, begin + k, end, false, out);
      out.push_back(mth(begin, begin + k));
    }
  }

  std::vector<Hash> inclusion(uint64_t m, uint64_t n) {
    std::vector<Hash> out;
    path(m, 0, n, out);
    return out;
  }
  std::vector<Hash> consistency(uint64_t m, uint64_t n) {
    std::vector<Hash> out;
    subproof(m, 0, n, true, out);
    return out;
  }

 private:
  static uint64_t split(uint64_t n) {  // largest power of two < n, n >= 2
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  const std::vector<Hash>& leaf_nodes_;
  std::unordered_map<uint64_t, Hash> memo_;
  Hasher hasher_;
};

// A main tree of `size` leaves in an InMemoryNodeStore, grown by CompactRange.
struct StoredTree {
  InMemoryNodeStore store;
  CompactRange range;
  std::vector<Hash> roots;  // roots[n] = root after n leaves
};

inline void fill_store(StoredTree& tree, std::span<const Hash> leaf_nodes, Hasher& hasher) {
  tree.roots.push_back(tree.range.root(hasher));
  for (const Hash& leaf_node : leaf_nodes) {
    for (const auto& node : tree.range.append_leaf_node(leaf_node, hasher)) {
      tree.store.put(node.id, node.hash);
    }
    tree.roots.push_back(tree.range.root(hasher));
  }
}

}  // namespace ink::core::test_trees
