#include "store/sequencer_store.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/clock.h"

namespace ink::store {
namespace {

constexpr const char* kIntervalColumns =
    "idx, ts_us, ts_count, ith, ihash, mth, inclusion_a, inclusion_nodes, consistency_nodes, "
    "signature, key_id, announced";

StoredInterval row_from_result(const sync::PgResult& r, int i) {
  StoredInterval row;
  row.index = static_cast<uint64_t>(r.binary_int64(i, 0));
  row.ts_us = r.binary_int64(i, 1);
  row.ts_count = static_cast<uint64_t>(r.binary_int64(i, 2));
  row.ith = r.binary_hash(i, 3);
  row.ihash = r.binary_hash(i, 4);
  row.mth = r.binary_hash(i, 5);
  row.inclusion_a = static_cast<uint64_t>(r.binary_int64(i, 6));
  row.inclusion_nodes = sync::split_hashes(r.raw(i, 7));
  if (!r.is_null(i, 8)) row.consistency_nodes = sync::split_hashes(r.raw(i, 8));
  auto sig = r.raw(i, 9);
  if (sig.size() != row.signature.size()) throw StoreError("stored signature is not 64 bytes");
  std::memcpy(row.signature.data(), sig.data(), sig.size());
  auto key = r.raw(i, 10);
  row.key_id.assign(reinterpret_cast<const char*>(key.data()), key.size());
  row.announced = r.raw(i, 11).size() == 1 && r.raw(i, 11)[0] != 0;
  return row;
}

}  // namespace

core::SignedHead to_signed_head(const StoredInterval& row, const std::string& authority) {
  core::SignedHead head;
  head.authority = authority;
  head.mth = row.mth;
  head.interval = {row.index, core::format_clock(row.ts_us), row.ith};
  head.inclusion = {row.index, row.index, row.inclusion_a, row.inclusion_nodes};
  if (row.consistency_nodes)
    head.consistency = core::ConsistencyProof{row.index - 1, row.index, *row.consistency_nodes};
  head.signature = row.signature;
  head.key = row.key_id;
  return head;
}

int64_t SequencerStore::close_clock() {
  return conn_.exec("SELECT ink_close_clock()").int64(0, 0);
}

std::optional<ChainTip> SequencerStore::chain_tip() {
  sync::PgResult r = conn_.exec("SELECT idx, ts_us, mth FROM interval ORDER BY idx DESC LIMIT 1",
                          sync::Params{}, /*binary_result=*/true);
  if (r.rows() == 0) return std::nullopt;
  return ChainTip{static_cast<uint64_t>(r.binary_int64(0, 0)), r.binary_int64(0, 1),
                  r.binary_hash(0, 2)};
}

std::vector<PendingTs> SequencerStore::pending_ts(std::optional<int64_t> after_us,
                                                  int64_t up_to_us) {
  // Sorted here rather than by the server: a sort of a million fixed-size
  // keys in memory beats an ordered index scan or a server-side bytea sort.
  sync::Params p;
  p.int64(after_us.value_or(std::numeric_limits<int64_t>::min())).int64(up_to_us);
  sync::PgResult r = conn_.exec("SELECT id, ts_us, hash FROM ts WHERE ts_us > $1 AND ts_us <= $2", p,
                          /*binary_result=*/true);
  std::vector<PendingTs> out(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    auto id = r.raw(i, 0);
    if (id.size() != 16) throw StoreError("ts id is not a 16-byte uuid");
    std::memcpy(out[i].id.data(), id.data(), 16);
    out[i].ts_us = r.binary_int64(i, 1);
    out[i].hash = r.binary_hash(i, 2);
  }
  std::sort(out.begin(), out.end(), [](const PendingTs& x, const PendingTs& y) {
    if (x.ts_us != y.ts_us) return x.ts_us < y.ts_us;
    if (int c = std::memcmp(x.hash.data(), y.hash.data(), 32); c != 0) return c < 0;
    return x.id < y.id;
  });
  return out;
}

void SequencerStore::register_key(const core::PublicKey& public_key, const std::string& key_id) {
  sync::Params p;
  p.text(key_id).bytes(public_key);
  conn_.exec(
      "INSERT INTO signing_key (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING",
      p);
}

CommitTimes SequencerStore::commit_interval(const StoredInterval& row,
                                            const std::optional<ChainTip>& previous,
                                            const std::vector<std::vector<core::Hash>>& levels,
                                            std::span<const PendingTs> leaves,
                                            std::span<const core::CompactRange::NewNode> new_nodes,
                                            const std::function<void()>& before_commit) {
  CommitTimes times;
  auto mark = std::chrono::steady_clock::now();
  auto lap = [&mark](double& into) {
    auto now = std::chrono::steady_clock::now();
    into = std::chrono::duration<double, std::milli>(now - mark).count();
    mark = now;
  };
  sync::Transaction tx(conn_);
  // The check of the previous head, in the transaction that appends: with
  // the primary key on idx and the unique prev_idx it makes a fork impossible.
  sync::PgResult tip = conn_.exec("SELECT idx, mth FROM interval ORDER BY idx DESC LIMIT 1 FOR UPDATE",
                            sync::Params{}, /*binary_result=*/true);
  bool matches = previous ? (tip.rows() == 1 &&
                             static_cast<uint64_t>(tip.binary_int64(0, 0)) == previous->index &&
                             tip.binary_hash(0, 1) == previous->mth)
                          : tip.rows() == 0;
  if (!matches)
    throw ChainMoved("the newest stored interval is not the one this worker extends "
                     "(another writer appended); nothing written");

  sync::Params p;
  p.int64(static_cast<int64_t>(row.index));
  if (previous)
    p.int64(static_cast<int64_t>(previous->index));
  else
    p.null();
  p.int64(row.ts_us)
      .int64(static_cast<int64_t>(row.ts_count))
      .bytes(row.ith)
      .bytes(row.ihash)
      .bytes(row.mth)
      .int64(static_cast<int64_t>(row.inclusion_a));
  std::string inclusion = sync::concat_hashes(row.inclusion_nodes);
  p.bytes(core::as_bytes(inclusion));
  std::string consistency;
  if (row.consistency_nodes) {
    consistency = sync::concat_hashes(*row.consistency_nodes);
    p.bytes(core::as_bytes(consistency));
  } else {
    p.null();
  }
  p.bytes(row.signature).text(row.key_id);
  conn_.exec(
      "INSERT INTO interval (idx, prev_idx, ts_us, ts_count, ith, ihash, mth, inclusion_a, "
      "inclusion_nodes, consistency_nodes, signature, key_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      p);
  lap(times.write_interval);

  for (size_t level = 0; level < levels.size(); ++level) {
    std::string nodes = sync::concat_hashes(levels[level]);
    sync::Params lp;
    lp.int64(static_cast<int64_t>(row.index))
        .int64(static_cast<int64_t>(level))
        .bytes(core::as_bytes(nodes));
    conn_.exec("INSERT INTO interval_level (idx, level, nodes) VALUES ($1, $2, $3)", lp);
  }

  lap(times.write_levels);

  if (!leaves.empty()) {
    std::string payload;
    payload.reserve(19 + leaves.size() * 46 + 2);
    sync::copy_binary::header(payload);
    // Rows in id order: ids are time-ordered (UUIDv7), so the primary key
    // index grows at its right edge instead of taking random page writes.
    std::vector<uint32_t> by_id(leaves.size());
    for (size_t j = 0; j < leaves.size(); ++j) by_id[j] = static_cast<uint32_t>(j);
    std::sort(by_id.begin(), by_id.end(),
              [&](uint32_t x, uint32_t y) { return leaves[x].id < leaves[y].id; });
    for (uint32_t j : by_id) {
      sync::copy_binary::tuple(payload, 3);
      sync::copy_binary::field(payload, leaves[j].id);
      sync::copy_binary::field_int64(payload, static_cast<int64_t>(row.index));
      sync::copy_binary::field_int64(payload, static_cast<int64_t>(j));
    }
    sync::copy_binary::trailer(payload);
    conn_.copy_in("COPY ts_leaf (id, idx, leaf) FROM STDIN (FORMAT binary)", payload);
  }

  lap(times.write_leaves);

  if (!new_nodes.empty()) {
    std::string sql = "INSERT INTO mth_node (level, k, hash) VALUES ";
    sync::Params np;
    for (size_t i = 0; i < new_nodes.size(); ++i) {
      size_t b = 3 * i;
      sql += (i ? ", (" : "(") + ("$" + std::to_string(b + 1)) + "::smallint, $" +
             std::to_string(b + 2) + "::bigint, $" + std::to_string(b + 3) + ")";
      np.int64(new_nodes[i].id.level)
          .int64(static_cast<int64_t>(new_nodes[i].id.index))
          .bytes(new_nodes[i].hash);
    }
    conn_.exec(sql, np);
  }

  lap(times.write_nodes);

  if (before_commit) before_commit();
  tx.commit();
  lap(times.commit);
  return times;
}

std::vector<StoredInterval> SequencerStore::unannounced(int limit) {
  sync::Params p;
  p.int64(limit);
  sync::PgResult r = conn_.exec(std::string("SELECT ") + kIntervalColumns +
                              " FROM interval WHERE NOT announced ORDER BY idx LIMIT $1",
                          p, /*binary_result=*/true);
  std::vector<StoredInterval> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(row_from_result(r, i));
  return out;
}

std::vector<StoredInterval> SequencerStore::recent_announced(int count) {
  sync::Params p;
  p.int64(count);
  sync::PgResult r = conn_.exec(std::string("SELECT * FROM (SELECT ") + kIntervalColumns +
                              " FROM interval WHERE announced ORDER BY idx DESC LIMIT $1) "
                              "AS newest ORDER BY idx",
                          p, /*binary_result=*/true);
  std::vector<StoredInterval> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(row_from_result(r, i));
  return out;
}

void SequencerStore::mark_announced(uint64_t index) {
  sync::Params p;
  p.int64(static_cast<int64_t>(index));
  conn_.exec("UPDATE interval SET announced = true WHERE idx = $1 AND NOT announced", p);
}

RetentionResult SequencerStore::delete_expired(int64_t cutoff_us, int batch, int level_batch) {
  RetentionResult result;
  sync::Params p;
  p.int64(cutoff_us).int64(batch);
  // Only ts already in a committed interval: a ts the worker has not yet
  // sequenced (after an outage longer than the retention) is never deleted.
  sync::PgResult r = conn_.exec(
      "WITH tip AS (SELECT coalesce(max(ts_us), -1) AS t FROM interval), "
      "doomed AS (SELECT id FROM ts, tip WHERE ts_us < $1 AND ts_us <= tip.t "
      "           ORDER BY ts_us LIMIT $2), "
      "gone AS (DELETE FROM ts USING doomed WHERE ts.id = doomed.id RETURNING ts.id), "
      "leaves AS (DELETE FROM ts_leaf USING gone WHERE ts_leaf.id = gone.id RETURNING 1) "
      "SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM leaves)",
      p);
  result.ts_deleted = r.int64(0, 0);
  sync::Params lp;
  lp.int64(cutoff_us).int64(level_batch);
  sync::PgResult l = conn_.exec(
      "WITH last AS (SELECT max(idx) AS idx FROM interval WHERE ts_us < $1), "
      "doomed AS (SELECT l.idx, l.level FROM interval_level l, last WHERE l.idx <= last.idx "
      "           ORDER BY l.idx, l.level LIMIT $2), "
      "gone AS (DELETE FROM interval_level l USING doomed "
      "         WHERE l.idx = doomed.idx AND l.level = doomed.level RETURNING 1) "
      "SELECT count(*) FROM gone",
      lp);
  result.levels_deleted = l.int64(0, 0);
  return result;
}

}  // namespace ink::store
