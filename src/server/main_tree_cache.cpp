#include "server/main_tree_cache.h"

namespace ink::server {

uint8_t MainTreeCache::base_level_for(uint64_t size, size_t budget_bytes, uint8_t min_level) {
  // n base nodes bring about n more above them: 2n hashes of 32 bytes.
  uint8_t level = min_level;
  while (level < 63 && (size >> level) * 2 * sizeof(core::Hash) > budget_bytes) ++level;
  return level;
}

uint64_t MainTreeCache::base_count() const {
  std::shared_lock lock(mutex_);
  return levels_.empty() ? 0 : levels_[0].size();
}

size_t MainTreeCache::node_count() const {
  std::shared_lock lock(mutex_);
  size_t n = 0;
  for (auto& level : levels_) n += level.size();
  return n;
}

size_t MainTreeCache::bytes() const {
  std::shared_lock lock(mutex_);
  size_t n = 0;
  for (auto& level : levels_) n += level.capacity() * sizeof(core::Hash);
  return n;
}

void MainTreeCache::append(std::span<const core::Hash> base_nodes, core::Hasher& hasher) {
  if (base_nodes.empty()) return;
  std::lock_guard appending(append_mutex_);
  // Only this thread changes levels_, so it reads them without the shared
  // lock; lookups wait only while the new nodes are added at the end.
  std::vector<std::vector<core::Hash>> added;
  added.emplace_back(base_nodes.begin(), base_nodes.end());
  auto held = [this](size_t i) { return i < levels_.size() ? levels_[i].size() : size_t(0); };
  for (size_t i = 0;; ++i) {
    const size_t below = held(i) + added[i].size();  // nodes of level i after the append
    const size_t first = held(i + 1), end = below / 2;
    if (end <= first) break;
    auto node_at = [&](size_t k) -> const core::Hash& {
      return k < held(i) ? levels_[i][k] : added[i][k - held(i)];
    };
    std::vector<core::Hash> next;
    next.reserve(end - first);
    for (size_t k = first; k < end; ++k)
      next.push_back(hasher.node(node_at(2 * k), node_at(2 * k + 1)));
    added.push_back(std::move(next));
  }
  std::unique_lock lock(mutex_);
  if (levels_.size() < added.size()) levels_.resize(added.size());
  for (size_t i = 0; i < added.size(); ++i)
    levels_[i].insert(levels_[i].end(), added[i].begin(), added[i].end());
}

size_t MainTreeCache::lookup(std::span<const core::NodeId> ids, std::span<core::Hash> out,
                             std::vector<bool>& found) const {
  size_t n = 0;
  std::shared_lock lock(mutex_);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].level < base_level_) continue;
    const size_t at = ids[i].level - base_level_;
    if (at >= levels_.size() || ids[i].index >= levels_[at].size()) continue;
    out[i] = levels_[at][ids[i].index];
    found[i] = true;
    ++n;
  }
  return n;
}

}  // namespace ink::server
