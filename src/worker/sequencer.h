#pragma once
// One interval, start to committed head: close the clock, take the pending
// ts, build the interval tree, extend the main tree, sign, commit in one
// transaction. No Redis, no loop, no retries: see worker.h for those.
//
// Thread safety: one thread (it starts and joins its own helper thread for
// large interval trees). After any exception, call load() before the
// next run_interval(): the transaction may or may not have committed.

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/compact_range.h"
#include "core/key_chain.h"
#include "core/sign.h"
#include "store/pg.h"
#include "store/sequencer_store.h"
#include "worker/crash_hook.h"

namespace ink::worker {

// Milliseconds spent in each phase of one interval, as the sequencer's
// thread sees them (they add up to the interval's time).
struct PhaseTimes {
  double clock = 0;   // ink_close_clock(): waits for in-flight inserts
  double fetch = 0;   // read and order the pending ts
  double leaves = 0;  // BEGIN, tip check, COPY ts_leaf (the tree builds meanwhile)
  double build = 0;   // rest of the tree build; ihash, main tree append, proofs
  double sign = 0;
  double commit = 0;  // interval row, levels, main-tree nodes, COMMIT
  double tree = 0;    // the interval tree on its own (overlaps `leaves`), not in total()
  store::CommitTimes commit_parts;
  double total() const { return clock + fetch + leaves + build + sign + commit; }
};

struct IntervalOutcome {
  enum class Kind { kCommitted, kClockBehind } kind = Kind::kCommitted;
  store::IntervalRow row;   // kCommitted: the committed interval
  int64_t clock_us = 0;     // the clock reading taken
  int64_t previous_us = 0;  // kClockBehind: the previous interval's reading
  PhaseTimes times;
  // kCommitted with a key rotation: the transition written with this head
  // (the head is the new key's first).
  std::optional<core::KeyTransition> transition;
};

// The sequencer's key may not sign the next head (docs/keys.md): it was
// retired by a transition, or revoked. Nothing was written; not retried.
class KeyNotActive : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How the worker keeps a fenced sequencer from writing (see store/worker_lease.h).
struct Fencing {
  int64_t epoch = 0;  // checked inside every interval transaction, just before COMMIT
  // Called between the phases of an interval (never inside the final check
  // and COMMIT), so that a long interval keeps the lease alive; throws
  // (store::Fenced) to abandon the interval.
  std::function<void()> heartbeat;
};

class Sequencer {
 public:
  // Without `fencing` nothing checks a lease: for tests and benchmarks that
  // drive a Sequencer on their own; the worker always passes one.
  Sequencer(store::sync::PgConnection& conn, core::SigningKey key, std::string authority,
            CrashHook crash_hook = {}, std::optional<Fencing> fencing = std::nullopt);

  // Registers the public key and reads the chain tip and the main tree's
  // right edge from the database. Throws StoreError. When the stored key
  // chain has handed over from this key already: adopts the next key if it
  // is the one handed to (a rotation committed before a crash), else throws
  // KeyNotActive.
  void load();

  // Rotates to `next` (docs/keys.md) with the next interval: its first head
  // is signed by `next`, and the transition statement, signed by the current
  // key and countersigned by `next`, is written in the same transaction.
  void set_next_key(core::SigningKey next) { next_key_ = std::move(next); }
  const std::optional<core::SigningKey>& next_key() const { return next_key_; }
  // The key that signs the next head (changes with a rotation).
  const core::SigningKey& key() const { return key_; }

  // Runs one interval. kClockBehind (nothing written) when the clock reading
  // is not after the previous interval's. Throws StoreError (ChainMoved when
  // another writer appended first, Fenced when the lease is no longer ours;
  // in both cases nothing was written).
  IntervalOutcome run_interval();

  const std::optional<store::ChainTip>& tip() const { return tip_; }
  const std::string& authority() const { return authority_; }
  CrashHook& crash_hook() { return crash_hook_; }

 private:
  store::sync::PgConnection& conn_;
  store::SequencerStore store_;
  core::SigningKey key_;
  std::optional<core::SigningKey> next_key_;
  std::string authority_;
  CrashHook crash_hook_;
  std::optional<Fencing> fencing_;
  core::Hasher hasher_;
  std::optional<store::ChainTip> tip_;
  core::CompactRange range_;
  bool loaded_ = false;
};

}  // namespace ink::worker
