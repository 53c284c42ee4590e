#include "worker/sequencer.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <stdexcept>

#include "core/clock.h"
#include "core/interval_tree.h"
#include "core/key_chain.h"
#include "core/node_reader.h"
#include "core/overlay_reader.h"
#include "core/proof_plan.h"
#include "core/protocol.h"
#include "core/record_hash.h"
#include "store/key_store.h"
#include "store/node_reader.h"

namespace ink::worker {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point& start) {
  auto now = Clock::now();
  double ms = std::chrono::duration<double, std::milli>(now - start).count();
  start = now;
  return ms;
}

template <class T>
T must(core::Result<T> r, const char* what) {
  if (!r) throw store::StoreError(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}

}  // namespace

Sequencer::Sequencer(store::sync::PgConnection& conn, core::SigningKey key, std::string authority,
                     CrashHook crash_hook, std::optional<Fencing> fencing)
    : conn_(conn),
      store_(conn),
      key_(std::move(key)),
      authority_(std::move(authority)),
      crash_hook_(std::move(crash_hook)),
      fencing_(std::move(fencing)) {
  if (!key_.valid()) throw std::invalid_argument("the sequencer needs a signing key");
}

void Sequencer::load() {
  loaded_ = false;
  store::KeyStore keys(conn_);
  const std::vector<core::KeyTransition> transitions = keys.transitions();
  auto handed_over = [&transitions](const core::PublicKey& k) {
    return std::find_if(transitions.begin(), transitions.end(),
                        [&k](const core::KeyTransition& t) { return t.old_key == k; });
  };
  if (auto t = handed_over(key_.public_key()); t != transitions.end()) {
    if (next_key_ && next_key_->public_key() == transitions.back().new_key) {
      key_ = *next_key_;  // the rotation committed; its key files were not swapped yet
      next_key_.reset();
    } else {
      throw KeyNotActive("signing key " + key_.key_id() + " was retired after interval " +
                         std::to_string(t->interval - 1) + " (key " + core::key_id(t->new_key) +
                         " signs from " + std::to_string(t->interval) +
                         "); give the worker the active key (docs/keys.md)");
    }
  }
  for (const core::KeyRevocation& r : keys.revocations()) {
    if (r.key == key_.public_key())
      throw KeyNotActive("signing key " + key_.key_id() + " was revoked after interval " +
                         std::to_string(r.after));
  }
  if (next_key_) {
    const core::PublicKey& next = next_key_->public_key();
    if (next == key_.public_key()) {
      next_key_.reset();
    } else if (handed_over(next) != transitions.end() ||
               std::any_of(transitions.begin(), transitions.end(),
                           [&next](const core::KeyTransition& t) { return t.new_key == next; })) {
      throw KeyNotActive("the next signing key " + next_key_->key_id() +
                         " was in the key chain already; a key is used once (docs/keys.md)");
    }
  }
  store_.register_key(key_.public_key(), key_.key_id());
  tip_ = store_.chain_tip();
  store::PgNodeReader reader(conn_);
  uint64_t size = tip_ ? tip_->index + 1 : 0;
  range_ = must(core::CompactRange::load(reader, size), "cannot load the main tree's right edge");
  if (tip_ && range_.root(hasher_) != tip_->mth)
    throw store::StoreError("stored main tree nodes do not give the newest stored mth");
  loaded_ = true;
}

IntervalOutcome Sequencer::run_interval() {
  if (!loaded_) load();
  auto heartbeat = [this] {
    if (fencing_ && fencing_->heartbeat) fencing_->heartbeat();
  };
  IntervalOutcome out;
  auto mark = Clock::now();

  out.clock_us = store_.close_clock();
  out.times.clock = ms_since(mark);
  if (tip_ && out.clock_us <= tip_->ts_us) {
    out.kind = IntervalOutcome::Kind::kClockBehind;
    out.previous_us = tip_->ts_us;
    return out;
  }
  crash_hook_.at("after-clock");
  heartbeat();

  std::optional<int64_t> after;
  if (tip_) after = tip_->ts_us;
  std::vector<store::PendingTs> pending = store_.pending_ts(after, out.clock_us);
  out.times.fetch = ms_since(mark);
  crash_hook_.at("after-fetch");
  heartbeat();

  // The interval tree is built on another thread while PostgreSQL stores the
  // ts_leaf rows, which need only the leaf order (the two are the longest
  // parts of a large interval). A small one is built here: a thread would
  // cost more than it saves.
  auto build_tree = [&pending, &tree_ms = out.times.tree] {
    auto start = Clock::now();
    std::vector<core::Hash> leaf_data(pending.size());
    for (size_t i = 0; i < pending.size(); ++i) leaf_data[i] = pending[i].hash;
    core::IntervalTree tree(leaf_data);
    tree_ms = ms_since(start);
    return tree;
  };
  constexpr size_t kThreadedBuildMin = 4096;
  // Declared before the transaction: if anything throws, the transaction is
  // rolled back first and then the future's destructor waits for the thread.
  std::future<core::IntervalTree> tree_future = std::async(
      pending.size() >= kThreadedBuildMin ? std::launch::async : std::launch::deferred, build_tree);

  store::IntervalRow& row = out.row;
  row.index = tip_ ? tip_->index + 1 : 0;
  loaded_ = false;  // until the commit is known to have landed
  std::optional<int64_t> lease_epoch;
  if (fencing_) lease_epoch = fencing_->epoch;
  store::IntervalTransaction tx = store_.begin_interval(tip_, lease_epoch);
  tx.write_leaves(row.index, pending);
  out.times.leaves = ms_since(mark);

  core::IntervalTree tree = tree_future.get();
  row.ts_us = out.clock_us;
  row.ts_count = pending.size();
  row.ith = tree.root();
  row.ihash = core::ihash({row.index, core::format_clock(row.ts_us), row.ith});
  core::CompactRange next = range_;
  std::vector<core::CompactRange::NewNode> new_nodes = next.append(row.ihash, hasher_);
  row.mth = next.root(hasher_);
  store::PgNodeReader db_reader(conn_);
  // The main tree as it will be once the interval commits: the new nodes and
  // the old right edge from memory, anything else from PostgreSQL.
  core::OverlayReader reader(db_reader, range_, new_nodes);
  row.inclusion_a = core::inclusion_a(row.index, row.index + 1);
  row.inclusion_nodes = must(core::read_inclusion_proof(reader, row.index, row.index + 1),
                             "cannot make the inclusion proof");
  if (row.index > 0)
    row.consistency_nodes = must(core::read_consistency_proof(reader, row.index, row.index + 1),
                                 "cannot make the consistency proof");
  out.times.build = ms_since(mark);
  crash_hook_.at("after-build");
  heartbeat();

  // A rotation: the head is the next key's first, and the transition
  // statement names it (both signatures made here, stored with the head).
  const core::SigningKey& signer = next_key_ ? *next_key_ : key_;
  if (next_key_) {
    const core::Bytes statement =
        core::key_transition_statement(authority_, row.index, next_key_->public_key());
    out.transition = core::KeyTransition{row.index, key_.public_key(), next_key_->public_key(),
                                         key_.sign(statement), next_key_->sign(statement)};
  }
  row.signature = signer.sign(core::head_statement(authority_, row.index, row.mth));
  row.key_id = signer.key_id();
  out.times.sign = ms_since(mark);
  crash_hook_.at("after-sign");
  heartbeat();

  if (out.transition) {
    // Before the interval row: the database checks that the row's key is in
    // its range (db/006), and the transition's reference to the row at COMMIT.
    store_.register_key(signer.public_key(), signer.key_id());
    store::KeyStore(conn_).insert_transition(*out.transition);
  }
  tx.write_interval(row, tree.levels(), new_nodes);
  tx.hold_lease();
  crash_hook_.at("before-commit");
  if (out.transition) crash_hook_.at("rotation-before-commit");
  tx.commit();
  if (out.transition) {
    key_ = *next_key_;
    next_key_.reset();
  }
  out.times.commit = ms_since(mark);
  out.times.commit_parts = tx.times();
  tip_ = store::ChainTip{row.index, row.ts_us, row.mth};
  range_ = std::move(next);
  loaded_ = true;
  crash_hook_.at("after-commit");
  return out;
}

}  // namespace ink::worker
