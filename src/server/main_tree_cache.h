#pragma once
// The upper levels of the main tree in memory: every perfect node at or
// above a base level, in one flat vector per level. Perfect nodes never
// change, so what is held is never invalidated; the cache only grows, by the
// base-level nodes that follow the ones it holds (read from mth_node), from
// which it computes every node above them (core hashing, no I/O).
//
// Conventions as in core/proof_plan.h: node (level, k) covers leaves
// [k << level, (k + 1) << level). With base level B, the cache covers the
// tree up to covered() = base_count() << B leaves: it holds node (level, k)
// exactly when level >= B and (k + 1) << level <= covered().
//
// Thread safety: lookups, counts and bytes() may run on any thread at any
// time; append() is called by one thread at a time (the caller serialises
// growth) and excludes lookups only while it adds what it computed.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <vector>

#include "core/hash.h"
#include "core/proof_plan.h"

namespace ink::server {

class MainTreeCache {
 public:
  // The lowest base level at which the whole tree of `size` leaves takes at
  // most budget_bytes (about 64 bytes per base node), but not below
  // min_level.
  static uint8_t base_level_for(uint64_t size, size_t budget_bytes, uint8_t min_level);

  explicit MainTreeCache(uint8_t base_level) : base_level_(base_level) {}

  uint8_t base_level() const { return base_level_; }
  uint64_t base_count() const;  // base-level nodes held
  uint64_t covered() const { return base_count() << base_level_; }
  size_t node_count() const;
  size_t bytes() const;  // memory held by the hashes (vector capacity)

  // Appends base-level nodes base_count(), base_count() + 1, ... and every
  // perfect node above them that they complete.
  void append(std::span<const core::Hash> base_nodes, core::Hasher& hasher);

  // For each ids[i] the cache holds, writes its hash to out[i] and sets
  // found[i]; leaves the others alone. Returns how many it found.
  // Precondition: out and found have ids.size() elements.
  size_t lookup(std::span<const core::NodeId> ids, std::span<core::Hash> out,
                std::vector<bool>& found) const;

 private:
  const uint8_t base_level_;
  std::mutex append_mutex_;                      // one append at a time
  mutable std::shared_mutex mutex_;              // levels_ while lookups read it
  std::vector<std::vector<core::Hash>> levels_;  // levels_[i]: level base_level_ + i
};

}  // namespace ink::server
