#include "core/merkle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <atomic>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/encoding.h"
#include "core/test_vectors.h"
#include "core/verify.h"

namespace ink::core {
namespace {

using test_vectors::load_vectors;
using test_vectors::hex_hash;
using test_vectors::hex_hashes;

std::vector<Hash> ascii_leaf_nodes(const nlohmann::json& leaves) {
  std::vector<Hash> out;
  for (const auto& leaf : leaves) out.push_back(leaf_hash(as_bytes(leaf.get<std::string>())));
  return out;
}

// Leaf data for generated trees: distinct 32-byte values.
std::vector<Hash> make_leaf_data(size_t count) {
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

void fill_store(StoredTree& tree, std::span<const Hash> leaf_nodes, Hasher& hasher) {
  tree.roots.push_back(tree.range.root(hasher));
  for (const Hash& leaf_node : leaf_nodes) {
    for (const auto& node : tree.range.append_leaf_node(leaf_node, hasher)) {
      tree.store.put(node.id, node.hash);
    }
    tree.roots.push_back(tree.range.root(hasher));
  }
}

// ------------------------------------------------------------------ vectors

TEST(MerkleVectors, TreeRoots) {
  const auto trees = load_vectors().at("trees");
  ASSERT_GE(trees.size(), 10u);
  for (const auto& tree : trees) {
    const auto leaf_nodes = ascii_leaf_nodes(tree.at("leaves_ascii"));
    const Hash expected = hex_hash(tree.at("root"));
    const size_t n = leaf_nodes.size();
    SCOPED_TRACE("size " + std::to_string(n));

    EXPECT_EQ(IntervalTree::from_leaf_nodes(leaf_nodes).root(), expected);
    EXPECT_EQ(IntervalTree::from_leaf_nodes(leaf_nodes).size(), n);

    Hasher hasher;
    StoredTree stored;
    fill_store(stored, leaf_nodes, hasher);
    EXPECT_EQ(stored.roots.back(), expected);
    EXPECT_EQ(stored.range.size(), n);
    auto root = read_root(stored.store, n);
    ASSERT_TRUE(root.ok()) << root.error().message;
    EXPECT_EQ(*root, expected);
  }
}

TEST(MerkleVectors, InclusionProofs) {
  const auto cases = load_vectors().at("inclusion");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t size = c.at("tree_size");
    const uint64_t leaf = c.at("leaf_index");
    SCOPED_TRACE("leaf " + std::to_string(leaf) + " of " + std::to_string(size));
    // The vectors' leaves are "leaf-0", "leaf-1", ...
    std::vector<Hash> leaf_nodes;
    for (uint64_t i = 0; i < size; ++i) {
      leaf_nodes.push_back(leaf_hash(as_bytes("leaf-" + std::to_string(i))));
    }
    ASSERT_EQ(c.at("leaf").get<std::string>(), "leaf-" + std::to_string(leaf));
    const auto expected_path = hex_hashes(c.at("path"));
    const uint64_t expected_a = c.at("a");

    const auto tree = IntervalTree::from_leaf_nodes(leaf_nodes);
    EXPECT_EQ(tree.root(), hex_hash(c.at("root")));
    const auto path = tree.path(leaf);
    EXPECT_EQ(path.a, expected_a);
    EXPECT_EQ(path.path, expected_path);
    EXPECT_EQ(inclusion_a(leaf, size), expected_a);

    Hasher hasher;
    StoredTree stored;
    fill_store(stored, leaf_nodes, hasher);
    auto proof = read_inclusion_proof(stored.store, leaf, size);
    ASSERT_TRUE(proof.ok()) << proof.error().message;
    EXPECT_EQ(*proof, expected_path);
  }
}

TEST(MerkleVectors, ConsistencyProofs) {
  const auto cases = load_vectors().at("consistency");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const uint64_t old_size = c.at("old_size");
    const uint64_t new_size = c.at("new_size");
    SCOPED_TRACE(std::to_string(old_size) + " -> " + std::to_string(new_size));
    std::vector<Hash> leaf_nodes;
    for (uint64_t i = 0; i < new_size; ++i) {
      leaf_nodes.push_back(leaf_hash(as_bytes("leaf-" + std::to_string(i))));
    }
    Hasher hasher;
    StoredTree stored;
    fill_store(stored, leaf_nodes, hasher);
    EXPECT_EQ(stored.roots[old_size], hex_hash(c.at("old_root")));
    EXPECT_EQ(stored.roots[new_size], hex_hash(c.at("new_root")));
    auto proof = read_consistency_proof(stored.store, old_size, new_size);
    ASSERT_TRUE(proof.ok()) << proof.error().message;
    EXPECT_EQ(*proof, hex_hashes(c.at("proof")));
  }
}

// ------------------------------------------------------- plans and storage

TEST(MerklePlans, RejectBadArguments) {
  EXPECT_EQ(inclusion_plan(0, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(inclusion_plan(5, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(consistency_plan(0, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(consistency_plan(6, 5).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(root_plan(0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(inclusion_plan(4, 5).ok());
  EXPECT_TRUE(consistency_plan(5, 5).ok());
  EXPECT_TRUE(consistency_plan(5, 5)->nodes.empty());
}

TEST(MerklePlans, NeedFewNodesEvenForHugeTrees) {
  const uint64_t max = ~uint64_t{0};
  for (uint64_t size : {max, max - 1, (max >> 1) + 1, uint64_t{1} << 40, (uint64_t{1} << 40) + 12345}) {
    for (uint64_t leaf : {uint64_t{0}, size / 3, size - 2, size - 1}) {
      auto plan = inclusion_plan(leaf, size);
      ASSERT_TRUE(plan.ok());
      EXPECT_LE(plan->nodes.size(), 128u);
      EXPECT_LE(plan->elements.size(), 64u);
      // Every node lies inside the tree.
      for (const NodeId& id : plan->nodes) {
        EXPECT_LE(id.level, 63);
        EXPECT_LT(id.index, size >> id.level);
      }
    }
    for (uint64_t old_size : {uint64_t{1}, size / 2 + 1, size - 1, size}) {
      auto plan = consistency_plan(old_size, size);
      ASSERT_TRUE(plan.ok());
      EXPECT_LE(plan->nodes.size(), 130u);
    }
    auto plan = root_plan(size);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->nodes.size(), static_cast<size_t>(std::popcount(size)));
    EXPECT_EQ(plan->elements.size(), 1u);
  }
}

TEST(MerkleStore, MissingNodesAreNotFound) {
  InMemoryNodeStore store;
  EXPECT_EQ(store.count(), 0u);
  EXPECT_EQ(read_root(store, 1).error().code, ErrorCode::kNotFound);
  store.put({0, 0}, leaf_hash(as_bytes("a")));
  store.put({0, 5}, leaf_hash(as_bytes("f")));  // leaves a gap at 1..4
  EXPECT_EQ(store.count(), 2u);
  store.put({0, 5}, leaf_hash(as_bytes("f")));  // overwrite, not a new node
  EXPECT_EQ(store.count(), 2u);
  EXPECT_TRUE(read_root(store, 1).ok());
  const NodeId gap[] = {{0, 3}};
  auto missing = store.read_nodes(gap);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("index 3"), std::string::npos);
  EXPECT_EQ(read_inclusion_proof(store, 0, 2).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(read_inclusion_proof(store, 2, 2).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(read_consistency_proof(store, 3, 2).error().code, ErrorCode::kInvalidArgument);
  const auto empty = read_root(store, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, empty_tree_root());
}

TEST(MerkleCompactRange, AppendCreatesEveryPerfectNodeOnce) {
  const auto leaf_data = make_leaf_data(300);
  Hasher hasher;
  CompactRange range;
  EXPECT_EQ(range.root(hasher), empty_tree_root());
  InMemoryNodeStore store;
  for (uint64_t n = 0; n < leaf_data.size(); ++n) {
    const auto created = range.append(leaf_data[n], hasher);
    ASSERT_FALSE(created.empty());
    EXPECT_EQ(created.front().id, (NodeId{0, n}));
    EXPECT_EQ(created.front().hash, hasher.leaf(leaf_data[n]));
    EXPECT_EQ(created.size(), 1u + std::countr_one(n));
    for (const auto& node : created) store.put(node.id, node.hash);
    const uint64_t size = n + 1;
    // 2n - popcount(n) perfect nodes in a tree of n leaves.
    EXPECT_EQ(store.count(), 2 * size - std::popcount(size));
    EXPECT_EQ(range.peaks().size(), static_cast<size_t>(std::popcount(size)));
    EXPECT_EQ(range.root(hasher), merkle_root(std::span(leaf_data).first(size)));

    // Reloading the peaks from storage gives the same range.
    auto loaded = CompactRange::load(store, size);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->size(), size);
    EXPECT_EQ(loaded->peaks(), range.peaks());
  }
  // A loaded range keeps growing like the original.
  auto loaded = CompactRange::load(store, 150);
  ASSERT_TRUE(loaded.ok());
  for (uint64_t n = 150; n < leaf_data.size(); ++n) loaded->append(leaf_data[n], hasher);
  EXPECT_EQ(loaded->root(hasher), range.root(hasher));
  EXPECT_EQ(CompactRange::load(store, 301).error().code, ErrorCode::kNotFound);
}

TEST(MerkleIntervalTree, EmptyAndSingleLeaf) {
  const IntervalTree empty{std::span<const Hash>{}};
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.root(), empty_tree_root());
  EXPECT_EQ(merkle_root({}), empty_tree_root());

  const auto data = make_leaf_data(1);
  const IntervalTree one{data};
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.root(), leaf_hash(data[0]));
  EXPECT_EQ(one.path(0).a, 0u);
  EXPECT_TRUE(one.path(0).path.empty());
}

TEST(MerkleIntervalTree, LevelsHoldTheRangeRoots) {
  const auto data = make_leaf_data(37);
  const IntervalTree tree{data};
  std::vector<Hash> leaf_nodes;
  for (const Hash& d : data) leaf_nodes.push_back(leaf_hash(d));
  ReferenceTree reference(leaf_nodes);
  ASSERT_EQ(tree.levels().size(), 7u);  // 37 leaves: levels 0..6
  for (size_t k = 0; k < tree.levels().size(); ++k) {
    for (size_t j = 0; j < tree.levels()[k].size(); ++j) {
      const uint64_t begin = j << k;
      const uint64_t end = std::min<uint64_t>((j + 1) << k, data.size());
      EXPECT_EQ(tree.levels()[k][j], reference.mth(begin, end)) << k << "," << j;
    }
  }
  EXPECT_EQ(tree.root(), reference.mth(0, data.size()));
}

// ------------------------------------------- exhaustive against the reference

// Every inclusion proof (leaf < n) and every consistency proof (m <= n) for
// every tree size n in 1..2000: the proofs from IntervalTree and from the node
// store must equal RFC 6962's PATH and PROOF. Verifying all 4M of them costs
// ~50M hashes (50 s of CPU), so the fast verifiers check every proof of sizes
// up to 1024 and, above, every fourth proof plus the first, middle and last.
TEST(MerkleExhaustive, AllProofsForSizesUpTo2000MatchTheRfc) {
  constexpr uint64_t kMaxSize = 2000;
  const auto leaf_data = make_leaf_data(kMaxSize);
  std::vector<Hash> leaf_nodes;
  for (const Hash& d : leaf_data) leaf_nodes.push_back(leaf_hash(d));
  StoredTree stored;
  {
    Hasher hasher;
    fill_store(stored, leaf_nodes, hasher);
  }

  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> inclusion_checked{0};
  std::atomic<uint64_t> consistency_checked{0};
  std::atomic<uint64_t> verified{0};
  std::mutex messages_mutex;
  std::vector<std::string> messages;
  auto fail = [&](const std::string& what) {
    if (failures.fetch_add(1) < 20) {
      std::lock_guard lock(messages_mutex);
      messages.push_back(what);
    }
  };

  // Sizes are dealt out round-robin; each worker has its own reference memo
  // and hasher (Hasher is per thread). The store is only read.
  const unsigned workers = std::max(2u, std::thread::hardware_concurrency());
  auto work = [&](unsigned worker) {
    ReferenceTree reference(leaf_nodes);
    uint64_t verified_here = 0;
    for (uint64_t n = 1 + worker; n <= kMaxSize; n += workers) {
      // Messages are built only on failure: there are 4M proofs to check.
      auto at = [n](const char* what, uint64_t m) {
        return "size " + std::to_string(n) + " m " + std::to_string(m) + ": " + what;
      };
      auto verify_this = [n](uint64_t m) {
        return n <= 1024 || m % 4 == n % 4 || m <= 1 || m == n / 2 || m >= n - 1;
      };
      const Hash& root = reference.mth(0, n);
      if (stored.roots[n] != root) fail(at("CompactRange root", 0));
      auto read = read_root(stored.store, n);
      if (!read.ok() || *read != root) fail(at("read_root", 0));

      const auto tree =
          IntervalTree::from_leaf_nodes({leaf_nodes.begin(), leaf_nodes.begin() + n});
      if (tree.root() != root) fail(at("IntervalTree root", 0));

      for (uint64_t m = 0; m < n; ++m) {
        const auto expected = reference.inclusion(m, n);
        const auto path = tree.path(m);
        if (path.path != expected) fail(at("IntervalTree path", m));
        if (path.a != inclusion_a(m, n)) fail(at("a", m));
        auto proof = read_inclusion_proof(stored.store, m, n);
        if (!proof.ok() || *proof != expected) fail(at("stored inclusion proof", m));
        if (!verify_this(m)) continue;
        ++verified_here;
        const auto verdict =
            verify_inclusion_with_a(leaf_data[m], m, n, path.a, path.path, root);
        if (verdict != ProofError::kOk) fail(at("verify_inclusion_with_a", m) + describe(verdict));
        // The protocol check (a, path) runs the same hash chain: every leaf
        // of the smaller trees, and a few leaves of every size.
        if (n <= 300 || m == 0 || m == n - 1 || m == n / 2) {
          const auto protocol = verify_path(leaf_data[m], path.a, path.path, root);
          if (protocol != ProofError::kOk) fail(at("verify_path", m) + describe(protocol));
        }
      }
      inclusion_checked += n;

      for (uint64_t m = 1; m <= n; ++m) {
        const auto expected = reference.consistency(m, n);
        auto proof = read_consistency_proof(stored.store, m, n);
        if (!proof.ok() || *proof != expected) {
          fail(at("stored consistency proof from m", m));
          continue;
        }
        if (!verify_this(m)) continue;
        ++verified_here;
        const auto verdict = verify_consistency(m, n, reference.mth(0, m), root, *proof);
        if (verdict != ProofError::kOk) fail(at("verify_consistency from m", m) + describe(verdict));
      }
      consistency_checked += n;
    }
    verified += verified_here;
  };
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) threads.emplace_back(work, w);
  for (auto& thread : threads) thread.join();

  for (const auto& message : messages) ADD_FAILURE() << message;
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_EQ(inclusion_checked.load(), kMaxSize * (kMaxSize + 1) / 2);
  EXPECT_EQ(consistency_checked.load(), kMaxSize * (kMaxSize + 1) / 2);
  // All of sizes 1..1024 (both kinds) and a quarter of the rest.
  EXPECT_GT(verified.load(), 1024u * 1025u + (2 * kMaxSize * (kMaxSize + 1) / 2 - 1024u * 1025u) / 4);
}

}  // namespace
}  // namespace ink::core
