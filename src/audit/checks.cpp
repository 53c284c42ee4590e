#include "audit/checks.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/interval_tree.h"
#include "core/protocol.h"
#include "core/record_hash.h"
#include "core/verify.h"

namespace ink::audit {
namespace {

std::string interval_name(uint64_t idx) { return "interval " + std::to_string(idx); }

std::string ts_name(const store::AuditTs& t) { return "ts " + uuid_text(t.id); }

std::string level_name(uint64_t idx, int level) {
  return "interval_level (" + std::to_string(idx) + ", " + std::to_string(level) + ")";
}

std::string node_name(core::NodeId id) {
  return "mth_node (" + std::to_string(id.level) + ", " + std::to_string(id.index) + ")";
}

std::string clock_text(int64_t us) {
  // format_clock wants years 0001..9999; a corrupted reading may lie outside.
  constexpr int64_t kYear10000 = 253402300800000000;
  if (us <= -62135596800000000 || us >= kYear10000) return std::to_string(us) + " us";
  return core::format_clock(us);
}

// A bytea list of 32-byte hashes, or empty when the length is not a multiple of 32.
std::optional<std::vector<core::Hash>> hashes_of(const std::string& raw) {
  if (raw.size() % 32 != 0) return std::nullopt;
  std::vector<core::Hash> out(raw.size() / 32);
  if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

// Levels of an interval tree of n leaves (0 for an empty tree), and the
// number of nodes of level k.
int level_count(int64_t n) {
  return n <= 0 ? 0 : static_cast<int>(std::bit_width(static_cast<uint64_t>(n - 1))) + 1;
}
int64_t level_size(int64_t n, int k) { return ((n - 1) >> k) + 1; }

// First index at which stored (raw) and computed nodes differ, or -1.
int64_t first_difference(const std::string& stored, const std::vector<core::Hash>& computed) {
  size_t n = std::min(stored.size() / 32, computed.size());
  for (size_t j = 0; j < n; ++j)
    if (std::memcmp(stored.data() + 32 * j, computed[j].data(), 32) != 0)
      return static_cast<int64_t>(j);
  return stored.size() == computed.size() * 32 ? -1 : static_cast<int64_t>(n);
}

// Protocol order: clock, then hash bytewise; ties (the same leaf data) by
// their stored leaf, so that any order among equal leaves is accepted.
bool protocol_less(const store::AuditTs& a, const store::AuditTs& b) {
  if (a.ts_us != b.ts_us) return a.ts_us < b.ts_us;
  if (int c = std::memcmp(a.hash.data(), b.hash.data(), 32); c != 0) return c < 0;
  if (a.leaf_idx.has_value() != b.leaf_idx.has_value()) return a.leaf_idx.has_value();
  if (a.leaf != b.leaf) return a.leaf < b.leaf;
  return a.id < b.id;
}

}  // namespace

std::string uuid_text(const store::Uuid& id) {
  std::string hex = core::to_hex({id.data(), id.size()});
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string hash_hex(const core::Hash& h) { return core::to_hex(h); }

Auditor::Auditor(AuditOptions options) : options_(std::move(options)) {}

void Auditor::report(std::string where, std::string what) {
  ++finding_count_;
  if (findings_.size() < options_.keep_findings)
    findings_.push_back({std::move(where), std::move(what)});
}

void Auditor::check_keys(std::span<const store::AuditKey> keys) {
  for (const auto& k : keys) {
    ++tally_.keys;
    if (k.public_key.size() != 32) {
      report("signing_key " + k.key_id, "the public key is not 32 bytes");
      continue;
    }
    core::PublicKey pk;
    std::memcpy(pk.data(), k.public_key.data(), 32);
    if (core::key_id(pk) != k.key_id)
      report("signing_key " + k.key_id,
             "the key id is not the one its public key gives (" + core::key_id(pk) + ")");
    keys_.emplace_back(k.key_id, pk);
  }
}

void Auditor::check_key_chain(const std::vector<core::ListedKey>& listing) {
  auto chains = core::key_chains(listing, options_.authority);
  if (!chains) {
    report("key_transition", chains.error().message);
    return;
  }
  chains_ = std::move(*chains);
}

std::vector<core::NodeId> Auditor::check_intervals(std::span<const store::AuditInterval> rows) {
  expected_nodes_.clear();
  for (const auto& row : rows) check_interval(row);
  std::vector<core::NodeId> ids;
  ids.reserve(expected_nodes_.size());
  for (const auto& n : expected_nodes_) ids.push_back(n.id);
  return ids;
}

void Auditor::check_interval(const store::AuditInterval& row) {
  const uint64_t i = row.idx;
  const std::string where = interval_name(i);
  ++tally_.intervals;

  // Chain: contiguous, linked, clock strictly increasing.
  bool contiguous = i == next_idx_;
  if (!contiguous) {
    report(where, next_idx_ + 1 == i ? "interval " + std::to_string(next_idx_) + " is missing"
                                     : "intervals " + std::to_string(next_idx_) + " to " +
                                           std::to_string(i - 1) + " are missing");
    if (main_tree_ok_)
      report(where,
             "the main tree is not checked from here on: it cannot be recomputed past a gap");
    main_tree_ok_ = false;
  }
  std::optional<int64_t> expected_prev;
  if (i > 0) expected_prev = static_cast<int64_t>(i - 1);
  if (row.prev_idx != expected_prev)
    report(where, "prev_idx is " + (row.prev_idx ? std::to_string(*row.prev_idx) : "NULL") +
                      ", expected " + (expected_prev ? std::to_string(*expected_prev) : "NULL"));
  if (previous_ts_us_ && row.ts_us <= *previous_ts_us_)
    report(where, "clock " + clock_text(row.ts_us) + " is not after the previous interval's " +
                      clock_text(*previous_ts_us_));
  if (row.ts_count < 0) report(where, "ts_count is negative");

  // ihash = H(interval record).
  core::Hash ihash = core::ihash({i, core::format_clock(row.ts_us), row.ith});
  if (ihash != row.ihash)
    report(where, "ihash " + hash_hex(row.ihash) + " is not the hash of its interval record (" +
                      hash_hex(ihash) + ")");

  // The main tree, recomputed from the stored ihashes (a wrong ihash is
  // reported above; appending the stored one keeps later heads checkable).
  if (main_tree_ok_) {
    auto nodes = range_.append(row.ihash, hasher_);
    expected_nodes_.insert(expected_nodes_.end(), nodes.begin(), nodes.end());
    core::Hash mth = range_.root(hasher_);
    if (mth != row.mth)
      report(where, "mth " + hash_hex(row.mth) +
                        " is not the root of the main tree recomputed from intervals 0.." +
                        std::to_string(i) + " (" + hash_hex(mth) + ")");
  }

  // The proofs stored with the head.
  auto inclusion = hashes_of(row.inclusion_nodes);
  if (!inclusion) {
    report(where, "inclusion_nodes is not a list of 32-byte hashes");
  } else if (auto e = core::verify_inclusion_with_a(
                 row.ihash, i, i + 1, static_cast<uint64_t>(row.inclusion_a), *inclusion, row.mth);
             e != core::ProofError::kOk) {
    report(where, "the stored inclusion proof of interval " + std::to_string(i) + " in mth_" +
                      std::to_string(i) + " does not verify: " + core::describe(e));
  }
  if (i == 0) {
    if (row.consistency_nodes) report(where, "interval 0 has a consistency proof");
  } else if (!row.consistency_nodes) {
    report(where, "the consistency proof from mth_" + std::to_string(i - 1) + " is missing");
  } else if (auto consistency = hashes_of(*row.consistency_nodes); !consistency) {
    report(where, "consistency_nodes is not a list of 32-byte hashes");
  } else if (contiguous && previous_mth_) {
    if (auto e = core::verify_consistency(i, i + 1, *previous_mth_, row.mth, *consistency);
        e != core::ProofError::kOk)
      report(where, "the stored consistency proof from mth_" + std::to_string(i - 1) +
                        " does not verify: " + core::describe(e));
  }

  // The signature, with the stored key.
  auto key = std::find_if(keys_.begin(), keys_.end(),
                          [&](const auto& k) { return k.first == row.key_id; });
  if (key == keys_.end()) {
    report(where, "signed with key " + row.key_id + ", which is not in signing_key");
  } else if (row.signature.size() != 64) {
    report(where, "the signature is not 64 bytes");
  } else {
    core::Signature sig;
    std::memcpy(sig.data(), row.signature.data(), 64);
    ++tally_.signatures;
    if (!core::verify_signature(key->second, core::head_statement(options_.authority, i, row.mth),
                                sig))
      report(where, "the signature does not verify with key " + row.key_id + " for authority " +
                        options_.authority);
  }
  for (const core::KeyChain& chain : chains_) {
    if (!chain.find(row.key_id)) continue;
    // A revoked key's later heads were signed in its range, before the
    // operator revoked it: what verifiers refuse, not damage to the store.
    core::HeadKeyCheck in_range = chain.check_head_key(i, row.key_id);
    if (!in_range.valid() && in_range.verdict != core::KeyVerdict::kRevoked)
      report(where, in_range.message);
  }

  next_idx_ = i + 1;
  previous_mth_ = row.mth;
  previous_ts_us_ = row.ts_us;
}

void Auditor::check_mth_nodes(std::span<const store::AuditNode> stored) {
  std::map<std::pair<int, uint64_t>, const core::Hash*> found;
  for (const auto& n : stored) found[{n.id.level, n.id.index}] = &n.hash;
  for (const auto& e : expected_nodes_) {
    ++tally_.mth_nodes;
    auto it = found.find({e.id.level, e.id.index});
    if (it == found.end())
      report(node_name(e.id), "missing: the main tree recomputed from the intervals has it");
    else if (*it->second != e.hash)
      report(node_name(e.id), "hash " + hash_hex(*it->second) +
                                  " differs from the node recomputed from the intervals (" +
                                  hash_hex(e.hash) + ")");
  }
  expected_nodes_.clear();
}

void Auditor::check_interval_trees(std::span<const store::AuditInterval> rows,
                                   std::optional<int64_t> lower_us, std::vector<store::AuditTs> ts,
                                   std::span<const store::AuditLevel> levels) {
  std::sort(ts.begin(), ts.end(), protocol_less);
  size_t at = 0, level_at = 0;
  std::vector<const store::AuditLevel*> own_levels;
  for (const auto& row : rows) {
    // The slice of ts with lower < ts_us <= row.ts_us (sorted by clock first).
    size_t end = at;
    while (end < ts.size() && ts[end].ts_us <= row.ts_us) ++end;
    while (level_at < levels.size() && levels[level_at].idx < row.idx) ++level_at;
    own_levels.clear();
    for (; level_at < levels.size() && levels[level_at].idx == row.idx; ++level_at)
      own_levels.push_back(&levels[level_at]);
    check_tree(row, lower_us, std::span(ts).subspan(at, end - at), own_levels);
    at = end;
    lower_us = row.ts_us;
  }
  // Only with clock readings out of order (reported): ts past the last one.
  for (; at < ts.size(); ++at)
    report(ts_name(ts[at]),
           "clock " + clock_text(ts[at].ts_us) +
               " falls in no interval of this window (clock readings out of order)");
}

void Auditor::check_tree(const store::AuditInterval& row, std::optional<int64_t> lower_us,
                         std::span<const store::AuditTs> ts,
                         std::span<const store::AuditLevel* const> levels) {
  const uint64_t i = row.idx;
  const std::string where = interval_name(i);
  const int64_t n = std::max<int64_t>(row.ts_count, 0);
  const int64_t m = static_cast<int64_t>(ts.size());
  const std::string range = "(" + (lower_us ? clock_text(*lower_us) : std::string("-inf")) + ", " +
                            clock_text(row.ts_us) + "]";
  tally_.ts += m;

  // Every ts has its ts_leaf row in this interval.
  auto placed = [&](const store::AuditTs& t) {
    return t.leaf_idx && *t.leaf_idx == static_cast<int64_t>(i) && t.leaf >= 0 && t.leaf < n;
  };
  for (const auto& t : ts) {
    if (!t.leaf_idx)
      report(ts_name(t), "its clock " + clock_text(t.ts_us) + " puts it in interval " +
                             std::to_string(i) + " " + range +
                             ", but it has no ts_leaf row: it was never sequenced");
    else if (*t.leaf_idx != static_cast<int64_t>(i))
      report(ts_name(t), "its clock " + clock_text(t.ts_us) + " puts it in interval " +
                             std::to_string(i) + " " + range +
                             ", but ts_leaf puts it in interval " + std::to_string(*t.leaf_idx) +
                             " at leaf " + std::to_string(t.leaf));
    else if (!placed(t))
      report(ts_name(t), "ts_leaf puts it at leaf " + std::to_string(t.leaf) +
                             ", outside interval " + std::to_string(i) + "'s " + std::to_string(n) +
                             " leaves");
  }

  // How many ts are gone, and whether retention can have taken them: it
  // deletes the oldest ts first, and none inside the window.
  if (m > n) {
    report(where, std::to_string(m) + " ts have clock readings in its range " + range +
                      ", but ts_count is " + std::to_string(n));
  } else if (m < n) {
    std::string missing = std::to_string(n - m) + " of its " + std::to_string(n) + " ts are gone";
    if (kept_ts_since_)
      report(where, missing + ", but interval " + std::to_string(*kept_ts_since_) +
                        ", older, still has ts: retention deletes the oldest first");
    else if (!options_.cutoff_us)
      report(where, missing + " (no retention: none may be missing)");
    else if (lower_us && *lower_us >= *options_.cutoff_us - 1)
      report(where, missing + ", but all of them are inside the retention window (after " +
                        clock_text(*options_.cutoff_us) + ")");
  }
  if (n > 0 && m > 0 && !kept_ts_since_) kept_ts_since_ = i;

  // Leaves in protocol order. All there: the j-th ts at leaf j. Some gone
  // (the oldest, within the oldest clock reading left maybe only some of
  // those): every ts with a later reading than the first one left keeps its
  // place at the end, the others lie below in increasing order.
  int64_t later = 0;
  if (m > 0 && m < n)
    for (const auto& t : ts) later += t.ts_us > ts.front().ts_us ? 1 : 0;
  const int64_t exact_from = m == n ? 0 : m < n ? m - later : m;
  const int64_t below = m < n ? n - later : n;  // the others lie below this leaf
  int64_t out_of_place = 0, previous_leaf = -1;
  Finding first_out;
  for (int64_t j = 0; j < m; ++j) {
    const store::AuditTs& t = ts[j];
    if (!placed(t)) continue;
    int64_t expected = j >= exact_from ? (m == n ? j : n - (m - j)) : -1;
    bool wrong = expected >= 0 ? t.leaf != expected : t.leaf <= previous_leaf || t.leaf >= below;
    if (wrong && out_of_place++ == 0)
      first_out = {ts_name(t),
                   "is at leaf " + std::to_string(t.leaf) + " of interval " + std::to_string(i) +
                       ", but the protocol order of the interval's ts (clock, then hash) puts it " +
                       (expected >= 0 ? "at leaf " + std::to_string(expected)
                                      : "after leaf " + std::to_string(previous_leaf) +
                                            " and below leaf " + std::to_string(below))};
    previous_leaf = t.leaf;
  }
  if (out_of_place)
    report(first_out.where,
           first_out.what + (out_of_place > 1 ? " (" + std::to_string(out_of_place) +
                                                    " ts of this interval are out of place)"
                                              : ""));

  // The stored levels: which may be gone (retention deletes the levels of
  // the oldest intervals first, each from level 0 up), and their sizes.
  const int total_levels = level_count(n);
  std::vector<const store::AuditLevel*> by_level(total_levels, nullptr);
  for (const auto* l : levels) {
    if (l->level < 0 || l->level >= total_levels) {
      report(level_name(i, l->level), "should not exist: interval " + std::to_string(i) + " has " +
                                          std::to_string(n) + " ts, so " +
                                          std::to_string(total_levels) + " levels");
    } else if (static_cast<int64_t>(l->nodes.size()) != 32 * level_size(n, l->level)) {
      report(level_name(i, l->level), "holds " + std::to_string(l->nodes.size()) +
                                          " bytes, expected " +
                                          std::to_string(32 * level_size(n, l->level)) + " (" +
                                          std::to_string(level_size(n, l->level)) + " nodes)");
    } else {
      by_level[l->level] = l;
    }
  }
  int lowest = total_levels;  // lowest stored level
  while (lowest > 0 && by_level[lowest - 1]) --lowest;
  bool holes = false;
  for (int k = 0; k < lowest; ++k) holes |= by_level[k] != nullptr;
  if (holes) {
    lowest = 0;
    while (lowest < total_levels && !by_level[lowest]) ++lowest;
    report(where,
           "interval_level rows are missing between stored levels: retention deletes "
           "them from level 0 up");
  }
  if (lowest > 0) {
    std::string missing = "levels 0.." + std::to_string(lowest - 1) + " of " +
                          std::to_string(total_levels) + " are gone";
    if (kept_levels_since_)
      report(where, missing + ", but interval " + std::to_string(*kept_levels_since_) +
                        ", older, still has levels: retention deletes the oldest first");
    else if (!options_.cutoff_us)
      report(where, missing + " (no retention: none may be missing)");
    else if (row.ts_us >= *options_.cutoff_us)
      report(where, missing + ", but the interval closed inside the retention window (after " +
                        clock_text(*options_.cutoff_us) + ")");
  }
  if (n > 0 && lowest < total_levels && !kept_levels_since_) kept_levels_since_ = i;

  // Leaf nodes of the ts at their leaves, against level 0 when stored.
  std::vector<core::Hash> leaf_nodes;
  if (m == n && out_of_place == 0) leaf_nodes.resize(n);
  for (const auto& t : ts) {
    if (!placed(t)) continue;
    core::Hash node = hasher_.leaf(t.hash);
    if (!leaf_nodes.empty() && t.leaf < n) leaf_nodes[t.leaf] = node;
    if (by_level.empty() || !by_level[0]) continue;
    const char* stored = by_level[0]->nodes.data() + 32 * t.leaf;
    if (std::memcmp(stored, node.data(), 32) != 0) {
      core::Hash s;
      std::memcpy(s.data(), stored, 32);
      report(ts_name(t), "its hash gives leaf node " + hash_hex(node) + ", but " +
                             level_name(i, 0) + " holds " + hash_hex(s) + " at its leaf " +
                             std::to_string(t.leaf) + ": the ts row or the level row was changed");
    }
  }

  // The tree, recomputed from the ts when all are there (and in place), else
  // from the lowest stored level: its root is ith, its levels the stored ones.
  bool from_ts = m == n && out_of_place == 0 && std::all_of(ts.begin(), ts.end(), placed);
  if (!from_ts && lowest >= total_levels) {
    if (n > 0) ++tally_.trees_expired;
    return;
  }
  int base = from_ts ? 0 : lowest;
  std::vector<core::Hash> base_nodes;
  if (from_ts) {
    base_nodes = std::move(leaf_nodes);
    if (n > 0) ++tally_.trees_from_ts;
  } else {
    base_nodes = *hashes_of(by_level[base]->nodes);
    ++tally_.trees_from_levels;
  }
  core::IntervalTree tree = core::IntervalTree::from_leaf_nodes(std::move(base_nodes));
  if (tree.root() != row.ith)
    report(where, "ith " + hash_hex(row.ith) + " is not the root recomputed from its " +
                      (from_ts ? std::to_string(n) + " ts" : level_name(i, base)) + " (" +
                      hash_hex(tree.root()) + ")");
  for (int k = base; k < total_levels; ++k) {
    if (!by_level[k]) continue;
    ++tally_.levels;
    if (k == 0 && from_ts) continue;  // compared ts by ts above
    if (int64_t j = first_difference(by_level[k]->nodes, tree.levels()[k - base]); j >= 0)
      report(level_name(i, k), "node " + std::to_string(j) + " differs from the tree recomputed " +
                                   "from " + (from_ts ? "the interval's ts" : level_name(i, base)));
  }
}

}  // namespace ink::audit
