#pragma once
// The checks of `ink-worker --audit`: everything that must hold of what the
// worker stored, recomputed with core from the rows the store reads. No I/O:
// audit.cpp reads the rows window by window and feeds them here in idx
// order; an Auditor keeps the state that runs across windows (the main
// tree's right edge, the previous head, how far retention has gone).
//
// What is checked (PROTOCOL.md, docs/architecture.md):
//  * signing_key: every key id is the one its public key gives.
//  * interval: idx 0, 1, 2, ... without a gap, prev_idx = idx - 1, clock
//    readings strictly increasing, ihash = H(interval record), mth = the
//    root of the main tree recomputed from the ihashes, the stored inclusion
//    and consistency proofs verify, the signature verifies with the stored
//    key for the given authority.
//  * mth_node: every node the main tree of those intervals has is stored
//    and equal (audit.cpp also looks for rows that belong to no such node).
//  * ts / ts_leaf / interval_level: every ts whose clock falls in interval
//    i's range (t_{i-1}, t_i] has a ts_leaf row in interval i, at the leaf
//    its protocol order (clock, then hash bytewise) gives; its hash is the
//    leaf node stored at that leaf; the interval tree recomputed from the ts
//    (or, once retention has deleted some, from the lowest stored level)
//    gives ith and every stored level.
//  * retention: it deletes the oldest ts first and the levels of the oldest
//    intervals first, so what is missing must be such a prefix, and nothing
//    inside the retention window (cutoff) may be missing.
//
// Thread safety: one Auditor per thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/compact_range.h"
#include "core/key_listing.h"
#include "core/proof_plan.h"
#include "core/sign.h"
#include "store/audit_store.h"

namespace ink::audit {

struct Finding {
  std::string where;  // the row: "interval 7", "ts 0190...", "mth_node (1, 4)"
  std::string what;
};

struct AuditOptions {
  std::string authority;  // part of every signed head statement
  // Retention: ts with an earlier clock, and the levels of intervals closed
  // before it, may have been deleted. Empty: nothing may be missing.
  std::optional<int64_t> cutoff_us;
  size_t keep_findings = 20;  // findings kept with their text; all are counted
};

// What was checked, for the summary.
struct Tally {
  uint64_t keys = 0;
  uint64_t intervals = 0;
  uint64_t signatures = 0;
  uint64_t mth_nodes = 0;
  uint64_t ts = 0;             // ts checked against their ts_leaf rows
  uint64_t trees_from_ts = 0;  // interval trees recomputed from all their ts
  uint64_t trees_from_levels =
      0;                       // ts partly expired (or out of place): from the lowest stored level
  uint64_t trees_expired = 0;  // nothing left to recompute (ts and levels expired)
  uint64_t levels = 0;         // interval_level rows compared
};

class Auditor {
 public:
  explicit Auditor(AuditOptions options);

  void check_keys(std::span<const store::AuditKey> keys);
  // The key chain (docs/keys.md): every transition and revocation must hold,
  // and from then on every head is checked to lie in its key's range.
  void check_key_chain(const std::vector<core::ListedKey>& listing);

  // Chain, ihash, main tree, stored proofs and signatures of the next
  // intervals (idx order, continuing the previous call). Returns the ids of
  // the main-tree nodes these intervals complete: pass the stored rows for
  // them to check_mth_nodes before the next call.
  std::vector<core::NodeId> check_intervals(std::span<const store::AuditInterval> rows);
  void check_mth_nodes(std::span<const store::AuditNode> stored);

  // The same intervals' trees: `ts` are all ts with lower_us < ts_us <=
  // rows.back().ts_us (lower_us: the previous interval's clock; empty before
  // interval 0) with their ts_leaf rows, in any order; `levels` all their
  // interval_level rows.
  void check_interval_trees(std::span<const store::AuditInterval> rows,
                            std::optional<int64_t> lower_us, std::vector<store::AuditTs> ts,
                            std::span<const store::AuditLevel> levels);

  // A finding of the caller's own (rows that belong nowhere, found by a query).
  void report(std::string where, std::string what);

  // Intervals seen so far: the main tree's size; the newest clock reading.
  uint64_t tree_size() const { return next_idx_; }
  std::optional<int64_t> newest_clock() const { return previous_ts_us_; }

  bool ok() const { return finding_count_ == 0; }
  uint64_t finding_count() const { return finding_count_; }
  const std::vector<Finding>& findings() const { return findings_; }  // the first keep_findings
  const Tally& tally() const { return tally_; }

 private:
  void check_interval(const store::AuditInterval& row);
  void check_tree(const store::AuditInterval& row, std::optional<int64_t> lower_us,
                  std::span<const store::AuditTs> ts,
                  std::span<const store::AuditLevel* const> levels);

  AuditOptions options_;
  core::Hasher hasher_;
  std::vector<std::pair<std::string, core::PublicKey>> keys_;
  std::vector<core::KeyChain> chains_;
  // Main tree.
  uint64_t next_idx_ = 0;
  bool main_tree_ok_ = true;  // false past a gap: the tree cannot be recomputed
  core::CompactRange range_;
  std::optional<core::Hash> previous_mth_;
  std::optional<int64_t> previous_ts_us_;
  std::vector<core::CompactRange::NewNode> expected_nodes_;
  // Retention: has an earlier interval (with ts) kept any ts, any level?
  std::optional<uint64_t> kept_ts_since_;
  std::optional<uint64_t> kept_levels_since_;

  uint64_t finding_count_ = 0;
  std::vector<Finding> findings_;
  Tally tally_;
};

// "0190a1b2-..." for a ts id; hex for a hash in messages.
std::string uuid_text(const store::Uuid& id);
std::string hash_hex(const core::Hash& h);

}  // namespace ink::audit
