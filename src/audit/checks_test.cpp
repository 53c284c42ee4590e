// The audit's checks on a log built in memory the way the worker builds it:
// a healthy one passes, and each kind of damage is found at the right row.
#include "audit/checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "core/clock.h"
#include "core/interval_tree.h"
#include "core/protocol.h"
#include "core/record_hash.h"

namespace ink::audit {
namespace {

constexpr const char* kAuthority = "audit.test";
constexpr int64_t kStart = 1'700'000'000'000'000;  // microseconds
constexpr int64_t kStep = 1'000'000;               // one interval per second

struct Log {
  std::vector<store::AuditKey> keys;
  std::vector<store::AuditInterval> intervals;
  std::vector<store::AuditTs> ts;
  std::vector<store::AuditLevel> levels;
  std::vector<store::AuditNode> nodes;
  core::SigningKey key;  // the key that signed every head
};

std::string raw(const std::vector<core::Hash>& hashes) {
  std::string out(hashes.size() * 32, '\0');
  if (!hashes.empty()) std::memcpy(out.data(), hashes.data(), out.size());
  return out;
}

// counts[i] ts in interval i; some share a clock reading and some a hash.
Log make_log(const std::vector<int>& counts, uint32_t seed = 1) {
  std::mt19937_64 rng(seed);
  auto key = core::SigningKey::generate();
  EXPECT_TRUE(key.ok());
  Log log;
  log.key = *key;
  log.keys.push_back(
      {key->key_id(), std::string(reinterpret_cast<const char*>(key->public_key().data()), 32)});
  core::Hasher hasher;
  core::CompactRange range;
  core::InMemoryNodeStore nodes;
  std::optional<core::Hash> previous_mth;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t t_i = kStart + static_cast<int64_t>(i + 1) * kStep;
    std::vector<store::AuditTs> in;
    for (int j = 0; j < counts[i]; ++j) {
      store::AuditTs t;
      for (auto& b : t.id) b = static_cast<uint8_t>(rng());
      t.ts_us = t_i - static_cast<int64_t>(rng() % 4) * 100;  // ties on the clock
      for (auto& b : t.hash) b = static_cast<uint8_t>(rng());
      if (j % 5 == 4) t.hash = in.back().hash;  // and identical leaves
      in.push_back(t);
    }
    std::sort(in.begin(), in.end(), [](const auto& a, const auto& b) {
      if (a.ts_us != b.ts_us) return a.ts_us < b.ts_us;
      if (a.hash != b.hash) return a.hash < b.hash;
      return a.id < b.id;
    });
    std::vector<core::Hash> hashes;
    for (size_t j = 0; j < in.size(); ++j) {
      in[j].leaf_idx = static_cast<int64_t>(i);
      in[j].leaf = static_cast<int64_t>(j);
      hashes.push_back(in[j].hash);
      log.ts.push_back(in[j]);
    }
    core::IntervalTree tree(hashes);
    for (size_t k = 0; k < tree.levels().size(); ++k)
      log.levels.push_back({i, static_cast<int>(k), raw(tree.levels()[k])});

    store::AuditInterval row;
    row.idx = i;
    if (i > 0) row.prev_idx = static_cast<int64_t>(i - 1);
    row.ts_us = t_i;
    row.ts_count = counts[i];
    row.ith = tree.root();
    row.ihash = core::ihash({i, core::format_clock(t_i), row.ith});
    for (const auto& n : range.append(row.ihash, hasher)) {
      nodes.put(n.id, n.hash);
      log.nodes.push_back({n.id, n.hash});
    }
    row.mth = range.root(hasher);
    row.inclusion_a = static_cast<int64_t>(core::inclusion_a(i, i + 1));
    row.inclusion_nodes = raw(*core::read_inclusion_proof(nodes, i, i + 1));
    if (i > 0) row.consistency_nodes = raw(*core::read_consistency_proof(nodes, i, i + 1));
    auto sig = key->sign(core::head_statement(kAuthority, i, row.mth));
    row.signature.assign(reinterpret_cast<const char*>(sig.data()), sig.size());
    row.key_id = key->key_id();
    log.intervals.push_back(row);
  }
  return log;
}

struct Outcome {
  bool ok;
  std::vector<Finding> findings;
  Tally tally;
  bool names(const std::string& where, const std::string& text = "") const {
    return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      return f.where == where && f.what.find(text) != std::string::npos;
    });
  }
  std::string dump() const {
    std::string out;
    for (const auto& f : findings) out += f.where + ": " + f.what + "\n";
    return out;
  }
};

// Feeds the log to an Auditor as audit.cpp does, `window` intervals at a time.
Outcome audit(const Log& log, size_t window = 1000, std::optional<int64_t> cutoff = {},
              const std::vector<core::ListedKey>* key_listing = nullptr) {
  AuditOptions options;
  options.authority = kAuthority;
  options.cutoff_us = cutoff;
  options.keep_findings = 100;
  Auditor auditor(options);
  auditor.check_keys(log.keys);
  if (key_listing) auditor.check_key_chain(*key_listing);
  std::optional<int64_t> lower;
  for (size_t begin = 0; begin < log.intervals.size(); begin += window) {
    std::span<const store::AuditInterval> rows(log.intervals.data() + begin,
                                               std::min(window, log.intervals.size() - begin));
    std::vector<core::NodeId> ids = auditor.check_intervals(rows);
    std::vector<store::AuditNode> stored;
    for (const auto& n : log.nodes)
      if (std::find(ids.begin(), ids.end(), n.id) != ids.end()) stored.push_back(n);
    auditor.check_mth_nodes(stored);
    std::vector<store::AuditTs> ts;
    for (const auto& t : log.ts)
      if ((!lower || t.ts_us > *lower) && t.ts_us <= rows.back().ts_us) ts.push_back(t);
    std::reverse(ts.begin(), ts.end());  // any order
    std::vector<store::AuditLevel> levels;
    for (const auto& l : log.levels)
      if (l.idx >= rows.front().idx && l.idx <= rows.back().idx) levels.push_back(l);
    auditor.check_interval_trees(rows, lower, ts, levels);
    lower = rows.back().ts_us;
  }
  return {auditor.ok(), auditor.findings(), auditor.tally()};
}

store::AuditTs& ts_at(Log& log, uint64_t idx, int64_t leaf) {
  for (auto& t : log.ts)
    if (t.leaf_idx == static_cast<int64_t>(idx) && t.leaf == leaf) return t;
  throw std::logic_error("no such ts");
}

std::string name(const store::AuditTs& t) { return "ts " + uuid_text(t.id); }

const std::vector<int> kCounts = {0, 1, 2, 3, 7, 0, 16, 33, 5, 1, 64, 0, 9};

TEST(Audit, AHealthyLogPasses) {
  Log log = make_log(kCounts);
  for (size_t window : {1000, 1, 3}) {
    Outcome out = audit(log, window);
    EXPECT_TRUE(out.ok) << "window " << window << "\n" << out.dump();
    EXPECT_EQ(out.tally.intervals, kCounts.size());
    EXPECT_EQ(out.tally.signatures, kCounts.size());
    EXPECT_EQ(out.tally.ts, log.ts.size());
    EXPECT_EQ(out.tally.trees_from_ts, 10u);  // the intervals with ts
    EXPECT_EQ(out.tally.mth_nodes, log.nodes.size());
  }
}

// The key chain (docs/keys.md): heads signed by the log's key after it handed
// over to another key are found, and so is a transition that does not hold.
TEST(Audit, HeadsOutsideTheirKeysRangeAndBrokenTransitionsAreFound) {
  Log log = make_log(kCounts);
  auto next = core::SigningKey::generate();
  ASSERT_TRUE(next.ok());
  auto transition_at = [&](uint64_t interval) {
    core::Bytes statement =
        core::key_transition_statement(kAuthority, interval, next->public_key());
    return core::KeyTransition{interval, log.key.public_key(), next->public_key(),
                               log.key.sign(statement), next->sign(statement)};
  };
  // The transition after the last head: every head in range.
  auto later =
      core::list_keys({log.key.public_key(), next->public_key()}, {transition_at(kCounts.size())},
                      {}, next->public_key(), log.key.public_key());
  Outcome fine = audit(log, 1000, {}, &later);
  EXPECT_TRUE(fine.ok) << fine.dump();
  // At interval 10: heads 10 to 12 by the old key are outside its range.
  auto early = core::list_keys({log.key.public_key(), next->public_key()}, {transition_at(10)}, {},
                               next->public_key(), log.key.public_key());
  Outcome retired = audit(log, 1000, {}, &early);
  EXPECT_FALSE(retired.ok);
  EXPECT_TRUE(retired.names("interval 10", "retired after interval 9")) << retired.dump();
  EXPECT_TRUE(retired.names("interval 12", "retired after interval 9")) << retired.dump();
  EXPECT_FALSE(retired.names("interval 9")) << retired.dump();
  // A countersignature that does not hold.
  auto broken = later;
  broken[1].transition->countersignature[0] ^= 1;
  Outcome bad = audit(log, 1000, {}, &broken);
  EXPECT_TRUE(bad.names("key_transition", "countersignature")) << bad.dump();
}

TEST(Audit, AChangedTsHashIsFoundAtTheTs) {
  Log log = make_log(kCounts);
  store::AuditTs& t = ts_at(log, 7, 12);
  t.hash[31] ^= 1;
  Outcome out = audit(log);
  EXPECT_FALSE(out.ok);
  EXPECT_TRUE(out.names(name(t), "interval_level (7, 0)")) << out.dump();
}

TEST(Audit, AMovedLeafIsFoundAtTheTs) {
  Log log = make_log(kCounts);
  store::AuditTs& t = ts_at(log, 10, 20);
  t.leaf = 21;
  Outcome out = audit(log);
  EXPECT_TRUE(out.names(name(t), "puts it at leaf 20")) << out.dump();

  Log swapped = make_log(kCounts);
  std::swap(ts_at(swapped, 6, 3).leaf, ts_at(swapped, 6, 9).leaf);
  EXPECT_FALSE(audit(swapped).ok);
}

TEST(Audit, ATsInAnotherIntervalOrNeverSequencedIsFound) {
  Log log = make_log(kCounts);
  store::AuditTs& moved = ts_at(log, 8, 2);
  moved.leaf_idx = 9;
  store::AuditTs& lost = ts_at(log, 4, 0);
  lost.leaf_idx.reset();
  Outcome out = audit(log);
  EXPECT_TRUE(out.names(name(moved), "ts_leaf puts it in interval 9")) << out.dump();
  EXPECT_TRUE(out.names(name(lost), "no ts_leaf row")) << out.dump();
}

TEST(Audit, AChangedIthIsFoundAtTheInterval) {
  Log log = make_log(kCounts);
  log.intervals[6].ith[0] ^= 0x80;
  Outcome out = audit(log);
  EXPECT_TRUE(out.names("interval 6", "ihash")) << out.dump();
  EXPECT_TRUE(out.names("interval 6", "ith")) << out.dump();
}

TEST(Audit, ABrokenSignatureIsFoundAtTheInterval) {
  Log log = make_log(kCounts);
  log.intervals[3].signature[10] ^= 1;
  Outcome out = audit(log);
  ASSERT_EQ(out.findings.size(), 1u) << out.dump();
  EXPECT_TRUE(out.names("interval 3", "signature does not verify")) << out.dump();

  // The same head checked for another authority fails everywhere.
  AuditOptions other;
  other.authority = "elsewhere";
  Auditor auditor(other);
  auditor.check_keys(log.keys);
  auditor.check_intervals(std::span(log.intervals).first(2));
  EXPECT_EQ(auditor.finding_count(), 2u);
}

TEST(Audit, AGapInTheChainIsFound) {
  Log log = make_log(kCounts);
  log.intervals.erase(log.intervals.begin() + 5);
  Outcome out = audit(log, 3);
  EXPECT_TRUE(out.names("interval 6", "interval 5 is missing")) << out.dump();
}

TEST(Audit, AChangedMainTreeNodeIsFound) {
  Log log = make_log(kCounts);
  auto it = std::find_if(log.nodes.begin(), log.nodes.end(),
                         [](const auto& n) { return n.id.level == 2 && n.id.index == 1; });
  ASSERT_NE(it, log.nodes.end());
  it->hash[5] ^= 4;
  Outcome out = audit(log, 4);
  ASSERT_EQ(out.findings.size(), 1u) << out.dump();
  EXPECT_TRUE(out.names("mth_node (2, 1)", "differs")) << out.dump();
  log.nodes.erase(it);
  EXPECT_TRUE(audit(log).names("mth_node (2, 1)", "missing"));
}

TEST(Audit, AChangedLevelProofOrHeadIsFound) {
  Log log = make_log(kCounts);
  for (auto& l : log.levels)
    if (l.idx == 10 && l.level == 3) l.nodes[32 * 2] ^= 1;
  EXPECT_TRUE(audit(log).names("interval_level (10, 3)", "node 2")) << audit(log).dump();

  Log proof = make_log(kCounts);
  proof.intervals[9].inclusion_nodes[0] ^= 1;
  proof.intervals[8].consistency_nodes->at(3) ^= 1;
  Outcome out = audit(proof);
  EXPECT_TRUE(out.names("interval 9", "inclusion proof")) << out.dump();
  EXPECT_TRUE(out.names("interval 8", "consistency proof")) << out.dump();

  Log mth = make_log(kCounts);
  mth.intervals[4].mth[0] ^= 1;
  EXPECT_TRUE(audit(mth).names("interval 4", "mth")) << audit(mth).dump();

  Log clock = make_log(kCounts);
  clock.intervals[2].ts_us = clock.intervals[1].ts_us;
  EXPECT_TRUE(audit(clock).names("interval 2", "is not after")) << audit(clock).dump();

  Log key = make_log(kCounts);
  key.keys[0].key_id = "0123456789abcdef";
  EXPECT_TRUE(audit(key).names("signing_key 0123456789abcdef"));
}

// Retention deletes the oldest ts first (within one clock reading, any of
// them) and the levels of the oldest intervals from level 0 up.
TEST(Audit, WhatRetentionLeavesPassesAndOtherDeletionsFail) {
  const std::vector<int> counts = {10, 12, 20, 30, 8};
  Log full = make_log(counts);
  int64_t cutoff = full.intervals[3].ts_us;  // intervals 0..2 closed before it

  // All ts before the first ts of interval 2 with the second-smallest clock
  // reading, plus one of the smallest reading there: a legitimate state.
  Log log = full;
  std::vector<store::AuditTs> kept;
  int64_t first_reading = ts_at(full, 2, 0).ts_us;
  bool dropped_one_tie = false;
  for (const auto& t : log.ts) {
    if (t.leaf_idx < 2) continue;
    if (t.leaf_idx == 2 && t.ts_us == first_reading && !dropped_one_tie && t.leaf > 0) {
      dropped_one_tie = true;
      continue;
    }
    kept.push_back(t);
  }
  log.ts = kept;
  std::erase_if(log.levels, [](const auto& l) { return l.idx < 1 || (l.idx == 1 && l.level < 2); });
  Outcome out = audit(log, 2, cutoff);
  EXPECT_TRUE(out.ok) << out.dump();
  EXPECT_EQ(out.tally.trees_from_levels, 2u);  // intervals 1 (from level 2) and 2 (level 0)
  EXPECT_TRUE(audit(log, 2).names("interval 0", "no retention")) << "without a retention period";

  // A ts deleted while an older one of the same interval is still there.
  Log holey = full;
  std::erase_if(holey.ts, [](const auto& t) { return t.leaf_idx == 1 && t.leaf == 5; });
  EXPECT_FALSE(audit(holey, 1000, cutoff).ok);
  // A newer interval missing a ts while an older interval still has all.
  Log newer = full;
  std::erase_if(newer.ts, [](const auto& t) { return t.leaf_idx == 3 && t.leaf == 0; });
  EXPECT_TRUE(audit(newer, 1000, cutoff).names("interval 3", "oldest first"));
  // Inside the retention window.
  Log inside = full;
  std::erase_if(inside.ts, [](const auto& t) { return t.leaf_idx <= 4; });
  EXPECT_TRUE(audit(inside, 1000, cutoff).names("interval 4", "retention window"))
      << audit(inside, 1000, cutoff).dump();
  // A level deleted above a kept one, and the levels of a newer interval.
  Log level_hole = full;
  std::erase_if(level_hole.levels, [](const auto& l) { return l.idx == 2 && l.level == 2; });
  EXPECT_TRUE(audit(level_hole, 1000, cutoff).names("interval 2", "between stored levels"));
  Log level_newer = full;
  std::erase_if(level_newer.levels, [](const auto& l) { return l.idx == 4 && l.level == 0; });
  EXPECT_FALSE(audit(level_newer, 1000, cutoff).ok);
}

}  // namespace
}  // namespace ink::audit
