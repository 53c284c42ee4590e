#include "store/sequencer_store.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <limits>

#include "core/clock.h"

namespace ink::store {
namespace {

IntervalRow row_from_result(const sync::PgResult& r, int i) {
  std::array<std::optional<std::string_view>, kIntervalColumnCount> columns;
  for (size_t c = 0; c < columns.size(); ++c)
    if (!r.is_null(i, int(c))) {
      auto v = r.raw(i, int(c));
      columns[c] = std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
    }
  return decode_interval_row(columns);
}

uint16_t read_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t read_be64(const uint8_t* p) { return (uint64_t{read_be32(p)} << 32) | read_be32(p + 4); }

void write_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

// Milliseconds since construction or the previous call.
class Lap {
 public:
  void operator()(double& into) {
    auto now = std::chrono::steady_clock::now();
    into = std::chrono::duration<double, std::milli>(now - mark_).count();
    mark_ = now;
  }

 private:
  std::chrono::steady_clock::time_point mark_ = std::chrono::steady_clock::now();
};

}  // namespace

int64_t SequencerStore::close_clock() { return conn_.exec("SELECT ink_close_clock()").int64(0, 0); }

std::optional<ChainTip> SequencerStore::chain_tip() {
  sync::PgResult r = conn_.exec("SELECT idx, ts_us, mth FROM interval ORDER BY idx DESC LIMIT 1",
                                sync::Params{}, /*binary_result=*/true);
  if (r.rows() == 0) return std::nullopt;
  return ChainTip{static_cast<uint64_t>(r.binary_int64(0, 0)), r.binary_int64(0, 1),
                  r.binary_hash(0, 2)};
}

std::vector<PendingTs> SequencerStore::pending_ts(std::optional<int64_t> after_us,
                                                  int64_t up_to_us) {
  // A binary COPY streams the rows without building a result set of a
  // million tuples; COPY takes no parameters, but both bounds are integers.
  // Sorted here rather than by the server: a sort of a million fixed-size
  // keys in memory beats an ordered index scan or a server-side bytea sort.
  std::string sql = "COPY (SELECT id, ts_us, hash FROM ts WHERE ts_us > " +
                    std::to_string(after_us.value_or(std::numeric_limits<int64_t>::min())) +
                    " AND ts_us <= " + std::to_string(up_to_us) + ") TO STDOUT (FORMAT binary)";
  std::vector<PendingTs> fetched;
  bool header_seen = false;
  bool trailer_seen = false;
  conn_.copy_out(sql, [&](std::string_view message) {
    auto bad = [](const char* what) { return StoreError(std::string("pending ts COPY: ") + what); };
    const auto* p = reinterpret_cast<const uint8_t*>(message.data());
    const uint8_t* end = p + message.size();
    if (!header_seen) {
      static const char kSignature[] = "PGCOPY\n\377\r\n";
      if (message.size() < 19 || std::memcmp(p, kSignature, 11) != 0)
        throw bad("no binary COPY header");
      uint32_t extension = read_be32(p + 15);
      if (message.size() < 19 + size_t{extension}) throw bad("short header extension");
      p += 19 + extension;
      header_seen = true;
    }
    // Every row: 3 fields, uuid (16), bigint (8), bytea (32): 70 bytes.
    constexpr size_t kRow = 2 + 4 + 16 + 4 + 8 + 4 + 32;
    while (p < end) {
      if (end - p >= 2 && p[0] == 0xff && p[1] == 0xff) {  // trailer: field count -1
        trailer_seen = true;
        p += 2;
        continue;
      }
      if (trailer_seen) throw bad("data after the trailer");
      if (static_cast<size_t>(end - p) < kRow || read_be16(p) != 3 || read_be32(p + 2) != 16 ||
          read_be32(p + 22) != 8 || read_be32(p + 34) != 32)
        throw bad("row is not (16-byte uuid, bigint, 32-byte hash)");
      PendingTs& ts = fetched.emplace_back();
      std::memcpy(ts.id.data(), p + 6, 16);
      ts.ts_us = static_cast<int64_t>(read_be64(p + 26));
      std::memcpy(ts.hash.data(), p + 38, 32);
      p += kRow;
    }
  });
  if (!header_seen || !trailer_seen) throw StoreError("pending ts COPY: incomplete stream");
  if (fetched.size() > std::numeric_limits<uint32_t>::max())
    throw StoreError("more than 2^32 pending ts in one interval");

  // Sorts small keys (clock, first 8 hash bytes as a number, row) and only
  // looks at the whole rows on a tie: several times faster than sorting the
  // 56-byte rows with byte-wise comparisons.
  struct Key {
    int64_t ts_us;
    uint64_t hash_prefix;
    uint32_t row;
  };
  std::vector<Key> keys(fetched.size());
  for (size_t i = 0; i < fetched.size(); ++i)
    keys[i] = {fetched[i].ts_us, read_be64(fetched[i].hash.data()), static_cast<uint32_t>(i)};
  std::sort(keys.begin(), keys.end(), [&fetched](const Key& x, const Key& y) {
    if (x.ts_us != y.ts_us) return x.ts_us < y.ts_us;
    if (x.hash_prefix != y.hash_prefix) return x.hash_prefix < y.hash_prefix;
    const PendingTs& a = fetched[x.row];
    const PendingTs& b = fetched[y.row];
    if (int c = std::memcmp(a.hash.data(), b.hash.data(), 32); c != 0) return c < 0;
    return std::memcmp(a.id.data(), b.id.data(), 16) < 0;
  });
  std::vector<PendingTs> out(fetched.size());
  for (size_t i = 0; i < keys.size(); ++i) out[i] = fetched[keys[i].row];
  return out;
}

void SequencerStore::register_key(const core::PublicKey& public_key, const std::string& key_id) {
  sync::Params p;
  p.text(key_id).bytes(public_key);
  conn_.exec(
      "INSERT INTO signing_key (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO "
      "NOTHING",
      p);
}

IntervalTransaction::IntervalTransaction(sync::PgConnection& conn,
                                         const std::optional<ChainTip>& previous,
                                         std::optional<int64_t> lease_epoch)
    : conn_(conn), previous_(previous), lease_epoch_(lease_epoch), tx_(conn) {
  Lap lap;
  sync::PgResult tip =
      conn_.exec("SELECT idx, mth FROM interval ORDER BY idx DESC LIMIT 1 FOR UPDATE",
                 sync::Params{}, /*binary_result=*/true);
  bool matches = previous ? (tip.rows() == 1 &&
                             static_cast<uint64_t>(tip.binary_int64(0, 0)) == previous->index &&
                             tip.binary_hash(0, 1) == previous->mth)
                          : tip.rows() == 0;
  if (!matches)
    throw ChainMoved(
        "the newest stored interval is not the one this worker extends "
        "(another writer appended); nothing written");
  lap(times_.begin);
}

void IntervalTransaction::write_leaves(uint64_t index, std::span<const PendingTs> leaves) {
  Lap lap;
  if (leaves.size() > std::numeric_limits<uint32_t>::max())
    throw StoreError("more than 2^32 leaves in one interval");
  if (!leaves.empty()) {
    // Rows in id order: ids are time-ordered (UUIDv7), so the primary key
    // index grows at its right edge instead of taking random page writes.
    // The ids are sorted as pairs of numbers (byte order kept).
    struct ById {
      uint64_t high, low;
      uint32_t leaf;
    };
    std::vector<ById> by_id(leaves.size());
    for (size_t j = 0; j < leaves.size(); ++j)
      by_id[j] = {read_be64(leaves[j].id.data()), read_be64(leaves[j].id.data() + 8),
                  static_cast<uint32_t>(j)};
    std::sort(by_id.begin(), by_id.end(), [](const ById& x, const ById& y) {
      return x.high != y.high ? x.high < y.high : x.low < y.low;
    });

    // Every row is the same 46 bytes but for the id and the leaf: filled in
    // a template and sent in chunks, so the server starts inserting at once.
    std::string row_template;
    sync::copy_binary::tuple(row_template, 3);
    sync::copy_binary::field(row_template, leaves[0].id);
    sync::copy_binary::field_int64(row_template, static_cast<int64_t>(index));
    sync::copy_binary::field_int64(row_template, 0);
    constexpr size_t kRow = 46, kIdAt = 6, kLeafAt = 38, kRowsPerChunk = 8192;
    if (row_template.size() != kRow) throw StoreError("ts_leaf COPY row is not 46 bytes");

    conn_.copy_begin("COPY ts_leaf (id, idx, leaf) FROM STDIN (FORMAT binary)");
    std::string chunk;
    sync::copy_binary::header(chunk);
    for (size_t start = 0; start < by_id.size(); start += kRowsPerChunk) {
      size_t rows = std::min(kRowsPerChunk, by_id.size() - start);
      size_t at = chunk.size();
      chunk.resize(at + rows * kRow);
      char* out = chunk.data() + at;
      for (size_t r = 0; r < rows; ++r, out += kRow) {
        const ById& e = by_id[start + r];
        std::memcpy(out, row_template.data(), kRow);
        std::memcpy(out + kIdAt, leaves[e.leaf].id.data(), 16);
        write_be64(reinterpret_cast<uint8_t*>(out + kLeafAt), e.leaf);
      }
      conn_.copy_put(chunk);
      chunk.clear();
    }
    sync::copy_binary::trailer(chunk);
    conn_.copy_put(chunk);
    conn_.copy_end();
  }
  lap(times_.write_leaves);
}

void IntervalTransaction::write_interval(const IntervalRow& row,
                                         const std::vector<std::vector<core::Hash>>& levels,
                                         std::span<const core::CompactRange::NewNode> new_nodes) {
  Lap lap;
  sync::Params p;
  p.int64(static_cast<int64_t>(row.index));
  if (previous_)
    p.int64(static_cast<int64_t>(previous_->index));
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
  lap(times_.write_interval);

  if (!levels.empty()) {
    // One binary COPY for all levels, each sent straight from the tree's memory.
    conn_.copy_begin("COPY interval_level (idx, level, nodes) FROM STDIN (FORMAT binary)");
    std::string head;
    sync::copy_binary::header(head);
    for (size_t level = 0; level < levels.size(); ++level) {
      const auto& nodes = levels[level];
      sync::copy_binary::tuple(head, 3);
      sync::copy_binary::field_int64(head, static_cast<int64_t>(row.index));
      sync::copy_binary::field_int16(head, static_cast<int16_t>(level));
      sync::copy_binary::field_length(head, nodes.size() * sizeof(core::Hash));
      conn_.copy_put(head);
      head.clear();
      conn_.copy_put(
          {reinterpret_cast<const char*>(nodes.data()), nodes.size() * sizeof(core::Hash)});
    }
    sync::copy_binary::trailer(head);
    conn_.copy_put(head);
    conn_.copy_end();
  }
  lap(times_.write_levels);

  if (!new_nodes.empty()) {
    std::string sql = "INSERT INTO mth_node (level, k, hash) VALUES ";
    sync::Params np;
    for (size_t i = 0; i < new_nodes.size(); ++i) {
      size_t b = 3 * i;
      sql += i ? ", ($" : "($";
      sql += std::to_string(b + 1);
      sql += "::smallint, $";
      sql += std::to_string(b + 2);
      sql += "::bigint, $";
      sql += std::to_string(b + 3);
      sql += ")";
      np.int64(new_nodes[i].id.level)
          .int64(static_cast<int64_t>(new_nodes[i].id.index))
          .bytes(new_nodes[i].hash);
    }
    conn_.exec(sql, np);
  }
  lap(times_.write_nodes);
}

void IntervalTransaction::hold_lease() {
  if (!lease_epoch_) return;
  int64_t epoch = conn_.exec("SELECT epoch FROM worker_lease FOR SHARE").int64(0, 0);
  if (epoch != *lease_epoch_)
    throw Fenced("the worker lease is at epoch " + std::to_string(epoch) + ", this worker's was " +
                 std::to_string(*lease_epoch_) +
                 ": another worker took over; this interval is rolled back, nothing written");
}

void IntervalTransaction::commit() {
  Lap lap;
  tx_.commit();
  lap(times_.commit);
}

std::vector<IntervalRow> SequencerStore::unannounced(int limit) {
  sync::Params p;
  p.int64(limit);
  sync::PgResult r = conn_.exec(std::string("SELECT ") + kIntervalColumns +
                                    " FROM interval WHERE NOT announced ORDER BY idx LIMIT $1",
                                p, /*binary_result=*/true);
  std::vector<IntervalRow> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(row_from_result(r, i));
  return out;
}

std::vector<IntervalRow> SequencerStore::recent_announced(int count) {
  sync::Params p;
  p.int64(count);
  sync::PgResult r = conn_.exec(std::string("SELECT * FROM (SELECT ") + kIntervalColumns +
                                    " FROM interval WHERE announced ORDER BY idx DESC LIMIT $1) "
                                    "AS newest ORDER BY idx",
                                p, /*binary_result=*/true);
  std::vector<IntervalRow> out;
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
