#include "server/proofs.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <stdexcept>

#include "core/json_write.h"
#include "core/proof_plan.h"
#include "server/notify.h"

namespace ink::server {

using asio::awaitable;

namespace {

constexpr size_t kHeadCacheMax = 4096;
constexpr size_t kNodesPerQuery = 20000;
// The upper levels of the main tree take at most this much at their first
// load (then grow with the tree): level 4 and up for 1M intervals.
constexpr size_t kUpperLevelsBytes = size_t(4) << 20;
// Below this level nodes are always read from PostgreSQL (or the small
// cache), however small the tree, so that path serves every proof and
// every test.
constexpr uint8_t kMinBaseLevel = 2;
// Node queries at once; the reads that arrive meanwhile share the next one.
constexpr size_t kNodeQueriesInFlight = 4;

uint64_t node_key(const core::NodeId& n) { return uint64_t(n.level) << 58 | n.index; }

template <class T>
T checked(core::Result<T> r) {
  if (!r.ok()) throw std::invalid_argument(r.error().message);
  return std::move(r).value();
}

}  // namespace

ProofService::ProofService(store::ReadStore& store, std::string authority, size_t node_cache_max)
    : store_(store), authority_(std::move(authority)), node_cache_max_(node_cache_max) {}

std::shared_ptr<const HeadEntry> ProofService::remember(store::IntervalRow row) {
  {
    std::lock_guard lock(mutex_);
    auto it = heads_.find(row.index);
    if (it != heads_.end()) return it->second;
  }
  auto entry = std::make_shared<HeadEntry>();
  entry->head = store::to_signed_head(row, authority_);
  entry->json =
      std::make_shared<const std::string>(core::to_wire_json(core::to_json(entry->head)).dump());
  entry->answers.emplace(entry->head);
  entry->row = std::move(row);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = heads_.emplace(entry->row.index, entry);
  if (!inserted) return it->second;
  // Old heads are asked for least: evict from the low end.
  while (heads_.size() > kHeadCacheMax) heads_.erase(heads_.begin());
  return entry;
}

awaitable<std::shared_ptr<const HeadEntry>> ProofService::head(uint64_t idx) {
  {
    std::lock_guard lock(mutex_);
    auto it = heads_.find(idx);
    if (it != heads_.end()) co_return it->second;
  }
  auto row = co_await store_.interval(idx);
  if (!row) co_return nullptr;
  co_return remember(std::move(*row));
}

size_t ProofService::cached_nodes() const {
  std::lock_guard lock(mutex_);
  return nodes_.size() + (upper_ ? upper_->node_count() : 0);
}

size_t ProofService::main_tree_bytes() const {
  std::lock_guard lock(mutex_);
  return upper_ ? upper_->bytes() : 0;
}

awaitable<void> ProofService::grow_main_tree(uint64_t size) {
  {
    std::lock_guard lock(mutex_);
    grow_to_ = std::max(grow_to_, size);
    if (growing_) co_return;
    growing_ = true;
  }
  try {
    for (;;) {
      std::shared_ptr<MainTreeCache> upper;
      uint64_t target = 0;
      {
        std::lock_guard lock(mutex_);
        target = grow_to_;
        upper = upper_;
      }
      const auto started = std::chrono::steady_clock::now();
      const bool first = !upper;
      if (first)
        upper = std::make_shared<MainTreeCache>(
            MainTreeCache::base_level_for(target, kUpperLevelsBytes, kMinBaseLevel));
      const uint64_t have = upper->base_count(), want = target >> upper->base_level();
      if (want > have) {
        auto nodes = co_await store_.mth_level(upper->base_level(), have, want);
        core::Hasher hasher;
        upper->append(nodes, hasher);
      }
      if (first)
        spdlog::info(
            "main tree levels {} and up in memory: {} nodes, {} KiB, covering {} intervals, loaded "
            "in "
            "{:.0f} ms",
            upper->base_level(), upper->node_count(), upper->bytes() / 1024, upper->covered(),
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count());
      std::lock_guard lock(mutex_);
      if (first) upper_ = upper;
      if (grow_to_ <= target) {
        growing_ = false;
        co_return;
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("main tree levels in memory: cannot grow: {}", e.what());
  }
  std::lock_guard lock(mutex_);
  growing_ = false;
}

awaitable<std::vector<core::Hash>> ProofService::main_nodes(const std::vector<core::NodeId>& ids) {
  std::vector<core::Hash> out(ids.size());
  std::vector<bool> found(ids.size());
  std::shared_ptr<const MainTreeCache> upper;
  {
    std::lock_guard lock(mutex_);
    upper = upper_;
  }
  size_t have = upper ? upper->lookup(ids, out, found) : 0;
  if (have == ids.size()) co_return out;
  std::vector<core::NodeId> missing;
  std::vector<size_t> missing_at;
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (found[i]) continue;
      auto it = nodes_.find(node_key(ids[i]));
      if (it != nodes_.end()) {
        out[i] = it->second;
      } else {
        missing.push_back(ids[i]);
        missing_at.push_back(i);
      }
    }
  }
  if (missing.empty()) co_return out;
  auto fetched = co_await read_nodes(missing);
  std::lock_guard lock(mutex_);
  for (size_t j = 0; j < missing.size(); ++j) {
    out[missing_at[j]] = fetched[j];
    // Nodes never change; when full, make room by dropping arbitrary entries.
    if (nodes_.size() >= node_cache_max_) nodes_.erase(nodes_.begin());
    nodes_.emplace(node_key(missing[j]), fetched[j]);
  }
  co_return out;
}

struct ProofService::NodeRead {
  std::vector<core::NodeId> ids;
  std::vector<core::Hash> hashes;
  std::exception_ptr error;
  std::shared_ptr<Notify> done;
};

awaitable<std::vector<core::Hash>> ProofService::read_nodes(std::vector<core::NodeId> ids) {
  auto read = std::make_shared<NodeRead>();
  read->ids = std::move(ids);
  auto executor = co_await asio::this_coro::executor;
  read->done = std::make_shared<Notify>(executor);
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    node_reads_.push_back(read);
    if (node_queries_ < kNodeQueriesInFlight) {
      ++node_queries_;
      start = true;
    }
  }
  if (start) asio::co_spawn(executor, node_query_loop(), asio::detached);
  co_await read->done->wait();
  if (read->error) std::rethrow_exception(read->error);
  co_return std::move(read->hashes);
}

awaitable<void> ProofService::node_query_loop() {
  for (;;) {
    std::vector<std::shared_ptr<NodeRead>> batch;
    std::vector<core::NodeId> ids;
    {
      std::lock_guard lock(mutex_);
      if (node_reads_.empty()) {
        --node_queries_;
        co_return;
      }
      while (!node_reads_.empty() &&
             (ids.empty() || ids.size() + node_reads_.front()->ids.size() <= kNodesPerQuery)) {
        auto& next = node_reads_.front();
        ids.insert(ids.end(), next->ids.begin(), next->ids.end());
        batch.push_back(std::move(next));
        node_reads_.pop_front();
      }
    }
    std::exception_ptr error;
    std::vector<core::Hash> hashes;
    try {
      hashes = co_await store_.mth_nodes(ids);
    } catch (...) {
      error = std::current_exception();
    }
    size_t at = 0;
    for (auto& read : batch) {
      if (error) {
        read->error = error;
      } else {
        read->hashes.assign(hashes.begin() + ptrdiff_t(at),
                            hashes.begin() + ptrdiff_t(at + read->ids.size()));
        at += read->ids.size();
      }
      read->done->fire();
    }
  }
}

awaitable<core::InclusionProof> ProofService::inclusion(uint64_t x, uint64_t y) {
  if (x > y) throw std::invalid_argument("x > y");
  auto plan = checked(core::inclusion_plan(x, y + 1));
  auto fetched = co_await main_nodes(plan.nodes);
  core::Hasher hasher;
  co_return core::InclusionProof{y, x, core::inclusion_a(x, y + 1),
                                 core::assemble(plan, fetched, hasher)};
}

awaitable<core::ConsistencyProof> ProofService::consistency(uint64_t x, uint64_t y) {
  if (x > y) throw std::invalid_argument("x > y");
  auto plan = checked(core::consistency_plan(x + 1, y + 1));
  auto fetched = co_await main_nodes(plan.nodes);
  core::Hasher hasher;
  co_return core::ConsistencyProof{x, y, core::assemble(plan, fetched, hasher)};
}

awaitable<std::vector<std::optional<FoundProof>>> ProofService::ts_proofs(
    const std::vector<store::TsRow>& rows) {
  std::vector<std::optional<FoundProof>> out(rows.size());
  // Rows by interval.
  std::map<uint64_t, std::vector<size_t>> by_interval;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].idx && rows[i].leaf) by_interval[*rows[i].idx].push_back(i);

  struct Work {
    std::shared_ptr<const HeadEntry> head;
    std::vector<std::vector<core::Hash>> levels;  // when the whole tree was read
  };
  std::map<uint64_t, Work> work;
  std::vector<core::ProofPlan> plans(rows.size());
  std::vector<store::IntervalNodeId> wanted;  // distinct nodes read one by one
  std::map<std::tuple<uint64_t, uint8_t, uint64_t>, size_t> wanted_at;

  for (auto& [idx, members] : by_interval) {
    auto entry = co_await head(idx);
    if (!entry) continue;  // cannot happen: ts_leaf is written with its interval
    uint64_t n = entry->row.ts_count;
    auto& w = work[idx];
    w.head = entry;
    // Reading whole levels costs ~2n hashes; reading nodes one by one costs
    // ~log2(n) per ts. Take whichever touches less.
    uint64_t depth = 1;
    while ((uint64_t(1) << depth) < n) ++depth;
    bool whole = members.size() * depth * 4 >= 2 * n;
    if (whole) w.levels = co_await store_.interval_levels(idx);
    for (size_t i : members) {
      if (*rows[i].leaf >= n) continue;
      plans[i] = checked(core::inclusion_plan(*rows[i].leaf, n));
      if (whole) continue;
      for (auto& node : plans[i].nodes) {
        auto key = std::make_tuple(idx, node.level, node.index);
        if (wanted_at.emplace(key, wanted.size()).second)
          wanted.push_back(store::IntervalNodeId{idx, node.level, node.index});
      }
    }
  }
  std::vector<core::Hash> fetched;
  fetched.reserve(wanted.size());
  for (size_t at = 0; at < wanted.size(); at += kNodesPerQuery) {
    auto count = std::min(kNodesPerQuery, wanted.size() - at);
    auto part = co_await store_.interval_nodes(std::span(wanted).subspan(at, count));
    fetched.insert(fetched.end(), part.begin(), part.end());
  }

  core::Hasher hasher;
  for (auto& [idx, members] : by_interval) {
    auto it = work.find(idx);
    if (it == work.end()) continue;
    auto& w = it->second;
    uint64_t n = w.head->row.ts_count;
    for (size_t i : members) {
      uint64_t leaf = *rows[i].leaf;
      if (leaf >= n) continue;
      std::vector<core::Hash> nodes;
      nodes.reserve(plans[i].nodes.size());
      bool complete = true;
      for (auto& node : plans[i].nodes) {
        if (!w.levels.empty()) {
          if (node.level >= w.levels.size() || node.index >= w.levels[node.level].size()) {
            complete = false;
            break;
          }
          nodes.push_back(w.levels[node.level][node.index]);
        } else {
          nodes.push_back(fetched[wanted_at.at(std::make_tuple(idx, node.level, node.index))]);
        }
      }
      if (!complete) continue;
      out[i] =
          FoundProof{core::inclusion_a(leaf, n), core::assemble(plans[i], nodes, hasher), w.head};
    }
  }
  co_return out;
}

}  // namespace ink::server
