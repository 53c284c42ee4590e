#pragma once
// The audit's side of PostgreSQL (ink-worker --audit, src/audit): read-only
// queries over everything the worker wrote, inside one REPEATABLE READ, READ
// ONLY transaction so that a running worker and the backends cannot change
// the picture half-way. Rows come back as stored, not checked: the checks
// are src/audit's. Intervals, ts, levels and nodes are read window by window
// so that memory stays bounded by the window, not the database.
//
// Every method throws StoreError on a database failure. Thread safety: one
// thread per connection.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/proof_plan.h"
#include "core/sign.h"
#include "store/pg.h"

namespace ink::store {

using Uuid = std::array<uint8_t, 16>;

struct AuditKey {
  std::string key_id;
  std::string public_key;  // raw bytes as stored (32 expected)
};

// One row of table interval. The bytea lists are raw (a multiple of 32 bytes
// expected), so that a malformed row is reported, not thrown.
struct AuditInterval {
  uint64_t idx = 0;
  std::optional<int64_t> prev_idx;
  int64_t ts_us = 0;
  int64_t ts_count = 0;
  core::Hash ith{}, ihash{}, mth{};
  int64_t inclusion_a = 0;
  std::string inclusion_nodes;
  std::optional<std::string> consistency_nodes;
  std::string signature;  // raw (64 expected)
  std::string key_id;
};

// A ts row with its ts_leaf row, if any.
struct AuditTs {
  Uuid id{};
  int64_t ts_us = 0;
  core::Hash hash{};
  std::optional<int64_t> leaf_idx;  // ts_leaf.idx; empty: no ts_leaf row
  int64_t leaf = 0;                 // ts_leaf.leaf
};

struct AuditLevel {
  uint64_t idx = 0;
  int level = 0;
  std::string nodes;  // raw concatenated hashes
};

struct AuditNode {
  core::NodeId id;
  core::Hash hash{};
};

// A ts_leaf row, named in a finding.
struct AuditLeafRef {
  Uuid id{};
  int64_t ts_us = 0;  // of its ts, when there is one
  int64_t idx = 0;
  int64_t leaf = 0;
};

struct AuditCounts {
  int64_t intervals = 0, ts = 0, ts_leaf = 0, interval_levels = 0, mth_nodes = 0, keys = 0;
};

class AuditStore {
 public:
  explicit AuditStore(sync::PgConnection& conn) : conn_(conn) {}

  // BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY: every later read sees
  // one snapshot. end_snapshot() ends it (it wrote nothing).
  void begin_snapshot();
  void end_snapshot();

  int64_t now_us();  // the database clock
  std::string database_name();
  AuditCounts counts();
  std::optional<int64_t> clock_floor();  // empty: no clock_floor row
  std::vector<AuditKey> keys();

  // Up to `limit` intervals with idx > after (from the first when empty), by idx.
  std::vector<AuditInterval> intervals(std::optional<uint64_t> after, int limit);

  // Every ts with after_us < ts_us <= up_to_us (no lower bound when empty),
  // with its ts_leaf row; in no particular order.
  std::vector<AuditTs> ts_in_range(std::optional<int64_t> after_us, int64_t up_to_us);

  // interval_level rows of intervals first..last, by idx and level.
  std::vector<AuditLevel> levels(uint64_t first, uint64_t last);

  // The stored mth_node rows among `ids` (absent ones are missing from the answer).
  std::vector<AuditNode> mth_nodes(std::span<const core::NodeId> ids);

  // ts after the newest interval's clock (none: all ts): how many, and up to
  // `limit` of them that nevertheless have a ts_leaf row.
  int64_t count_unsequenced(std::optional<int64_t> after_us);
  std::vector<AuditLeafRef> unsequenced_with_leaf(std::optional<int64_t> after_us, int limit);

  // Up to `limit` ts_leaf rows without their ts row.
  std::vector<AuditLeafRef> orphan_leaves(int limit);

  // Up to `limit` mth_node rows that are not perfect nodes of a main tree of
  // `size` leaves (level L, index k with (k + 1) << L > size).
  std::vector<core::NodeId> foreign_mth_nodes(uint64_t size, int limit);

 private:
  sync::PgConnection& conn_;
};

}  // namespace ink::store
