// Core benchmarks: SHA3-256 through plain EVP calls (the yardstick, like
// `openssl speed -evp sha3-256` at 64 bytes), the interval tree (build plus
// every leaf's (a, path)) and the main tree at 10M leaves (append, heads and
// proofs through the in-memory node store).
//
// After the runs a summary prints tree hashes per second divided by the raw
// EVP rate measured in the same process (goal: >= 0.8).

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/compact_range.h"
#include "core/interval_tree.h"
#include "core/node_reader.h"
#include "core/proof_plan.h"

namespace {

using ink::core::CompactRange;
using ink::core::Hash;
using ink::core::Hasher;
using ink::core::InMemoryNodeStore;
using ink::core::IntervalTree;
using ink::core::NodeId;

// Counter names the summary looks for.
constexpr char kHashes[] = "hashes";

const EVP_MD* sha3_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA3-256", nullptr);
  return md;
}

std::vector<Hash> make_leaf_data(size_t count) {
  std::vector<Hash> out(count);
  std::mt19937_64 random(42);
  for (Hash& h : out) {
    for (size_t i = 0; i < h.size(); i += 8) {
      const uint64_t word = random();
      std::memcpy(h.data() + i, &word, 8);
    }
  }
  return out;
}

// ----------------------------------------------------------------- raw EVP

// One-shot EVP_Digest over 64 bytes with a fetched MD: what `openssl speed
// -evp sha3-256 -bytes 64` measures.
void BM_RawEvpDigest64(benchmark::State& state) {
  uint8_t input[64] = {1, 2, 3};
  uint8_t out[32];
  unsigned int len = 0;
  for (auto _ : state) {
    EVP_Digest(input, sizeof input, out, &len, sha3_md(), nullptr);
    input[0] = out[0];  // chain, so the loop cannot be folded
  }
  benchmark::DoNotOptimize(out);
  state.counters[kHashes] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawEvpDigest64);

// The two ways to feed a node's 65 bytes into a reused context.
void BM_NodeThreeUpdates(benchmark::State& state) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hash left{1}, right{2};
  const uint8_t prefix = 0x01;
  unsigned int len = 0;
  for (auto _ : state) {
    EVP_DigestInit_ex2(ctx, sha3_md(), nullptr);
    EVP_DigestUpdate(ctx, &prefix, 1);
    EVP_DigestUpdate(ctx, left.data(), left.size());
    EVP_DigestUpdate(ctx, right.data(), right.size());
    EVP_DigestFinal_ex(ctx, left.data(), &len);
  }
  benchmark::DoNotOptimize(left);
  EVP_MD_CTX_free(ctx);
  state.counters[kHashes] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NodeThreeUpdates);

void BM_NodeStackBuffer(benchmark::State& state) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hash left{1}, right{2};
  unsigned int len = 0;
  for (auto _ : state) {
    uint8_t buffer[65];
    buffer[0] = 0x01;
    std::memcpy(buffer + 1, left.data(), 32);
    std::memcpy(buffer + 33, right.data(), 32);
    EVP_DigestInit_ex2(ctx, sha3_md(), nullptr);
    EVP_DigestUpdate(ctx, buffer, sizeof buffer);
    EVP_DigestFinal_ex(ctx, left.data(), &len);
  }
  benchmark::DoNotOptimize(left);
  EVP_MD_CTX_free(ctx);
  state.counters[kHashes] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NodeStackBuffer);

void BM_HasherNode(benchmark::State& state) {
  Hasher hasher;
  Hash left{1};
  const Hash right{2};
  for (auto _ : state) left = hasher.node(left, right);
  benchmark::DoNotOptimize(left);
  state.counters[kHashes] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HasherNode);

// ------------------------------------------------------------ interval tree

// Build from N ts hashes and produce every leaf's (a, path): N leaf hashes
// and N - 1 node hashes; paths are copies, no hashing.
void BM_IntervalTreeBuildAndAllPaths(benchmark::State& state) {
  const auto leaf_data = make_leaf_data(static_cast<size_t>(state.range(0)));
  uint64_t path_nodes = 0;
  for (auto _ : state) {
    const IntervalTree tree(leaf_data);
    for (uint64_t leaf = 0; leaf < tree.size(); ++leaf) {
      auto path = tree.path(leaf);
      path_nodes += path.path.size();
      benchmark::DoNotOptimize(path);
    }
    benchmark::DoNotOptimize(tree.root());
  }
  const double n = static_cast<double>(leaf_data.size());
  const auto iterations = static_cast<double>(state.iterations());
  state.counters[kHashes] =
      benchmark::Counter(iterations * (2 * n - 1), benchmark::Counter::kIsRate);
  state.counters["leaves"] = benchmark::Counter(iterations * n, benchmark::Counter::kIsRate);
  state.counters["path_nodes"] =
      benchmark::Counter(static_cast<double>(path_nodes) / iterations / n);
}
BENCHMARK(BM_IntervalTreeBuildAndAllPaths)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

// Build only, for comparison: the share of the paths in the figure above.
void BM_IntervalTreeBuild(benchmark::State& state) {
  const auto leaf_data = make_leaf_data(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    const IntervalTree tree(leaf_data);
    benchmark::DoNotOptimize(tree.root());
  }
  const double n = static_cast<double>(leaf_data.size());
  state.counters[kHashes] = benchmark::Counter(
      static_cast<double>(state.iterations()) * (2 * n - 1), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IntervalTreeBuild)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- main tree

constexpr uint64_t kMainTreeSize = 10'000'000;

// The store holds every perfect node of a 10M-leaf tree. Hashing 20M nodes
// for real would take longer than all the runs together, and a node's value
// does not change what plans, reads and assembly cost, so the set-up fills
// the store with pseudo-random values; appends and roots below hash for real.
InMemoryNodeStore& main_store() {
  static InMemoryNodeStore* const store = [] {
    const auto start = std::chrono::steady_clock::now();
    auto* s = new InMemoryNodeStore;
    std::mt19937_64 random(7);
    for (uint8_t level = 0; (kMainTreeSize >> level) != 0; ++level) {
      const uint64_t count = kMainTreeSize >> level;
      // Fill from the end so each level's vector is sized once.
      for (uint64_t k = count; k-- > 0;) {
        Hash h;
        for (size_t i = 0; i < h.size(); i += 8) {
          const uint64_t word = random();
          std::memcpy(h.data() + i, &word, 8);
        }
        s->put({level, k}, h);
      }
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::fprintf(stderr, "main tree set-up: %zu nodes of a %llu-leaf tree in %.2f s\n", s->count(),
                 static_cast<unsigned long long>(kMainTreeSize), took.count());
    return s;
  }();
  return *store;
}

// Appending leaves to the 10M tree and computing each new head, as the
// worker does per interval. The range is loaded once from the store.
void BM_MainTreeAppendAndHead(benchmark::State& state) {
  InMemoryNodeStore& store = main_store();
  auto loaded = CompactRange::load(store, kMainTreeSize);
  if (!loaded.ok()) {
    state.SkipWithError(loaded.error().message.c_str());
    return;
  }
  CompactRange range = *loaded;
  Hasher hasher;
  const auto leaf_data = make_leaf_data(1024);
  uint64_t hashes = 0;
  size_t next = 0;
  for (auto _ : state) {
    const uint64_t size_before = range.size();
    for (const auto& node : range.append(leaf_data[next++ % leaf_data.size()], hasher)) {
      store.put(node.id, node.hash);
    }
    const Hash head = range.root(hasher);
    benchmark::DoNotOptimize(head);
    // leaf + completed nodes + folding the peaks into the head
    hashes += 1 + std::countr_one(size_before) + (range.peaks().size() - 1);
  }
  state.counters[kHashes] =
      benchmark::Counter(static_cast<double>(hashes), benchmark::Counter::kIsRate);
  state.counters["appends"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MainTreeAppendAndHead);

struct Pair {
  uint64_t x;
  uint64_t y;
};

// Random intervals x <= y below 10M (fixed seed).
const std::vector<Pair>& random_pairs() {
  static const std::vector<Pair> pairs = [] {
    std::vector<Pair> out(1 << 14);
    std::mt19937_64 random(11);
    std::uniform_int_distribution<uint64_t> any(0, kMainTreeSize - 1);
    for (Pair& p : out) {
      const uint64_t a = any(random);
      const uint64_t b = any(random);
      p = {std::min(a, b), std::max(a, b)};
    }
    return out;
  }();
  return pairs;
}

// GET /mth/<x>/in/<y>: ihash_x in mth_y, a tree of y + 1 leaves.
void BM_MainTreeInclusionProof(benchmark::State& state) {
  InMemoryNodeStore& store = main_store();
  const auto& pairs = random_pairs();
  size_t next = 0;
  uint64_t nodes = 0;
  for (auto _ : state) {
    const Pair& p = pairs[next++ % pairs.size()];
    auto proof = ink::core::read_inclusion_proof(store, p.x, p.y + 1);
    if (!proof.ok()) {
      state.SkipWithError(proof.error().message.c_str());
      return;
    }
    nodes += proof->size();
    benchmark::DoNotOptimize(proof);
  }
  state.counters["proofs"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["nodes_per_proof"] =
      benchmark::Counter(static_cast<double>(nodes) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_MainTreeInclusionProof);

// GET /mth/<y>/from/<x>: mth_x with mth_y, trees of x + 1 and y + 1 leaves.
void BM_MainTreeConsistencyProof(benchmark::State& state) {
  InMemoryNodeStore& store = main_store();
  const auto& pairs = random_pairs();
  size_t next = 0;
  uint64_t nodes = 0;
  for (auto _ : state) {
    const Pair& p = pairs[next++ % pairs.size()];
    auto proof = ink::core::read_consistency_proof(store, p.x + 1, p.y + 1);
    if (!proof.ok()) {
      state.SkipWithError(proof.error().message.c_str());
      return;
    }
    nodes += proof->size();
    benchmark::DoNotOptimize(proof);
  }
  state.counters["proofs"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["nodes_per_proof"] =
      benchmark::Counter(static_cast<double>(nodes) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_MainTreeConsistencyProof);

// GET /mth/<i> without a stored head: the root of a random size from its peaks.
void BM_MainTreeReadRoot(benchmark::State& state) {
  InMemoryNodeStore& store = main_store();
  const auto& pairs = random_pairs();
  size_t next = 0;
  for (auto _ : state) {
    auto root = ink::core::read_root(store, pairs[next++ % pairs.size()].y + 1);
    benchmark::DoNotOptimize(root);
  }
  state.counters["roots"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MainTreeReadRoot);

// Prints the usual table and remembers each run's hash rate for the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      auto it = run.counters.find(kHashes);
      if (it != run.counters.end()) rates_[run.benchmark_name()] = it->second.value;
    }
  }

  void print_summary() const {
    auto raw = rates_.find("BM_RawEvpDigest64");
    if (raw == rates_.end() || raw->second <= 0) return;
    std::printf("\nSHA3-256 rates against raw EVP_Digest of 64 bytes (%.3f M/s):\n",
                raw->second / 1e6);
    for (const auto& [name, rate] : rates_) {
      std::printf("  %-45s %8.3f M hashes/s  ratio %.2f\n", name.c_str(), rate / 1e6,
                  rate / raw->second);
    }
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  return 0;
}
