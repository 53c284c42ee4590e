#pragma once
// The worker's side of PostgreSQL: the only code that writes intervals,
// interval trees, ts leaves and main-tree nodes (the backends only read).
// Every method is one round trip or one transaction on the given connection
// and throws StoreError on any database failure; the caller reconnects and
// reloads its state (an interval is never half-written: it is one transaction,
// IntervalTransaction).
//
// Thread safety: one SequencerStore per connection, one thread.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/compact_range.h"
#include "core/protocol.h"
#include "store/interval_row.h"
#include "store/pg.h"
#include "store/worker_lease.h"

namespace ink::store {

using Uuid = std::array<uint8_t, 16>;

struct PendingTs {
  Uuid id{};
  int64_t ts_us = 0;
  core::Hash hash{};
};

// The newest committed interval: all the worker needs to continue the chain.
struct ChainTip {
  uint64_t index = 0;
  int64_t ts_us = 0;
  core::Hash mth{};
};

// Thrown by commit_interval when the newest stored interval is not the one
// the caller extends: another writer got there first. Nothing was written.
class ChainMoved : public StoreError {
 public:
  using StoreError::StoreError;
};

// Milliseconds spent in the parts of the interval transaction (for logs and the benchmark).
struct CommitTimes {
  double begin = 0;           // BEGIN and the tip check
  double write_leaves = 0;    // COPY ts_leaf
  double write_interval = 0;  // the interval row
  double write_levels = 0;    // COPY interval_level
  double write_nodes = 0;     // mth_node rows
  double commit = 0;          // COMMIT (WAL flush)
};

// One interval's transaction, in steps, so that the caller can build the
// interval tree while PostgreSQL stores the leaves: the constructor begins
// and checks the tip, then write_leaves (any time), then write_interval, then
// hold_lease, then commit. Destroyed without commit(): rolled back, nothing
// written.
class IntervalTransaction {
 public:
  // BEGIN; locks and checks the newest interval is `previous` (none for
  // interval 0). Throws ChainMoved when another writer extended the chain;
  // with the primary key on idx and the unique prev_idx this makes a fork
  // impossible. `lease_epoch`: the worker lease epoch hold_lease() checks
  // (empty: no check, for tests and benchmarks that drive a Sequencer alone).
  IntervalTransaction(sync::PgConnection& conn, const std::optional<ChainTip>& previous,
                      std::optional<int64_t> lease_epoch = std::nullopt);

  // One ts_leaf row per leaf of interval `index` (leaves[j] at leaf j).
  void write_leaves(uint64_t index, std::span<const PendingTs> leaves);

  // The interval row (extending `previous`), the interval tree levels and
  // the new main-tree nodes.
  void write_interval(const IntervalRow& row, const std::vector<std::vector<core::Hash>>& levels,
                      std::span<const core::CompactRange::NewNode> new_nodes);

  // The last statement before COMMIT: reads the lease epoch FOR SHARE and
  // throws Fenced unless it is still this worker's. The row lock is held
  // until COMMIT, so a standby's claim (an UPDATE of that row) either waits
  // for this commit or has already changed the epoch: a fence can never land
  // between this check and the COMMIT. Nothing when there is no epoch.
  void hold_lease();

  void commit();
  const CommitTimes& times() const { return times_; }

 private:
  sync::PgConnection& conn_;
  std::optional<ChainTip> previous_;
  std::optional<int64_t> lease_epoch_;
  sync::Transaction tx_;
  CommitTimes times_;
};

struct RetentionResult {
  int64_t ts_deleted = 0;
  int64_t levels_deleted = 0;
};

class SequencerStore {
 public:
  explicit SequencerStore(sync::PgConnection& conn) : conn_(conn) {}

  // ink_close_clock() in its own transaction: waits for in-flight ts inserts
  // and returns the closing clock reading (unix micros, database clock).
  int64_t close_clock();

  std::optional<ChainTip> chain_tip();

  // Every ts with after_us < ts_us <= up_to_us (no lower bound when
  // after_us is empty), in protocol order: ts_us, then hash bytewise (then
  // id, so equal leaves get a fixed order).
  std::vector<PendingTs> pending_ts(std::optional<int64_t> after_us, int64_t up_to_us);

  // Records the deployment's public key (idempotent).
  void register_key(const core::PublicKey& public_key, const std::string& key_id);

  // The transaction that writes one interval (see IntervalTransaction).
  IntervalTransaction begin_interval(const std::optional<ChainTip>& previous,
                                     std::optional<int64_t> lease_epoch = std::nullopt) {
    return IntervalTransaction(conn_, previous, lease_epoch);
  }

  // Committed heads not yet announced, oldest first, at most `limit`.
  std::vector<IntervalRow> unannounced(int limit);
  // The newest `count` announced heads, oldest first.
  std::vector<IntervalRow> recent_announced(int count);
  void mark_announced(uint64_t index);

  // Deletes up to `batch` ts rows (with their ts_leaf rows) whose clock
  // reading is before cutoff_us and that are already sequenced, and up to
  // `level_batch` interval_level rows of intervals closed before cutoff_us.
  RetentionResult delete_expired(int64_t cutoff_us, int batch, int level_batch);

 private:
  sync::PgConnection& conn_;
};

}  // namespace ink::store
