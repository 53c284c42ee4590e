// The tree code against a recursive RFC 6962 reference, exhaustively for small
// sizes: IntervalTree paths, CompactRange roots, proofs read from a node
// store, and the verifiers of core/verify.h on them.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/compact_range.h"
#include "core/interval_tree.h"
#include "core/node_reader.h"
#include "core/proof_plan.h"
#include "core/test_trees.h"
#include "core/verify.h"

namespace ink::core {
namespace {

using test_trees::fill_store;
using test_trees::make_leaf_data;
using test_trees::ReferenceTree;
using test_trees::StoredTree;

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

      const auto tree = IntervalTree::from_leaf_nodes({leaf_nodes.begin(), leaf_nodes.begin() + n});
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
        const auto verdict = verify_inclusion_with_a(leaf_data[m], m, n, path.a, path.path, root);
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
        if (verdict != ProofError::kOk)
          fail(at("verify_consistency from m", m) + describe(verdict));
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
  EXPECT_GT(verified.load(),
            1024u * 1025u + (2 * kMaxSize * (kMaxSize + 1) / 2 - 1024u * 1025u) / 4);
}

}  // namespace
}  // namespace ink::core
