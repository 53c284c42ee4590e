#include "store/audit_store.h"

#include <cstring>
#include <limits>

namespace ink::store {
namespace {

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t read_be64(const uint8_t* p) { return (uint64_t{read_be32(p)} << 32) | read_be32(p + 4); }

std::string raw_string(const sync::PgResult& r, int row, int col) {
  auto v = r.raw(row, col);
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

// Reads the rows of a binary COPY ... TO STDOUT: each row as a list of
// fields (empty optional for NULL), views into the message.
class BinaryCopyReader {
 public:
  using Field = std::optional<std::string_view>;

  // Calls on_row(fields) for every row of `message`.
  template <class OnRow>
  void feed(std::string_view message, OnRow&& on_row) {
    const auto* p = reinterpret_cast<const uint8_t*>(message.data());
    const uint8_t* end = p + message.size();
    auto bad = [](const char* what) { return StoreError(std::string("audit COPY: ") + what); };
    if (!header_seen_) {
      static const char kSignature[] = "PGCOPY\n\377\r\n";
      if (message.size() < 19 || std::memcmp(p, kSignature, 11) != 0)
        throw bad("no binary COPY header");
      uint32_t extension = read_be32(p + 15);
      if (message.size() < 19 + size_t{extension}) throw bad("short header extension");
      p += 19 + extension;
      header_seen_ = true;
    }
    while (p < end) {
      if (end - p < 2) throw bad("truncated row");
      int16_t count = static_cast<int16_t>((p[0] << 8) | p[1]);
      p += 2;
      if (count == -1) {
        trailer_seen_ = true;
        continue;
      }
      if (trailer_seen_) throw bad("data after the trailer");
      fields_.clear();
      for (int f = 0; f < count; ++f) {
        if (end - p < 4) throw bad("truncated field");
        int32_t length = static_cast<int32_t>(read_be32(p));
        p += 4;
        if (length < 0) {
          fields_.emplace_back();
          continue;
        }
        if (end - p < length) throw bad("truncated field");
        fields_.emplace_back(std::string_view(reinterpret_cast<const char*>(p), length));
        p += length;
      }
      on_row(fields_);
    }
  }
  bool complete() const { return header_seen_ && trailer_seen_; }

 private:
  bool header_seen_ = false;
  bool trailer_seen_ = false;
  std::vector<Field> fields_;
};

int64_t be64_field(const std::optional<std::string_view>& f) {
  if (!f || f->size() != 8) throw StoreError("audit COPY: expected an 8-byte integer");
  return static_cast<int64_t>(read_be64(reinterpret_cast<const uint8_t*>(f->data())));
}

template <size_t N>
std::array<uint8_t, N> fixed_field(const std::optional<std::string_view>& f, const char* what) {
  if (!f || f->size() != N) throw StoreError(std::string("audit COPY: unexpected ") + what);
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), f->data(), N);
  return out;
}

std::string bound(std::optional<int64_t> after_us) {
  return std::to_string(after_us.value_or(std::numeric_limits<int64_t>::min()));
}

AuditLeafRef leaf_ref(const sync::PgResult& r, int i) {
  AuditLeafRef ref;
  auto id = r.raw(i, 0);
  if (id.size() == ref.id.size()) std::memcpy(ref.id.data(), id.data(), id.size());
  ref.ts_us = r.is_null(i, 1) ? 0 : r.binary_int64(i, 1);
  ref.idx = r.binary_int64(i, 2);
  ref.leaf = r.binary_int64(i, 3);
  return ref;
}

}  // namespace

void AuditStore::begin_snapshot() {
  conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

void AuditStore::end_snapshot() { conn_.exec("COMMIT"); }

int64_t AuditStore::now_us() {
  return conn_.exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint").int64(0, 0);
}

std::string AuditStore::database_name() {
  return conn_.exec("SELECT current_database()").text(0, 0);
}

AuditCounts AuditStore::counts() {
  sync::PgResult r = conn_.exec(
      "SELECT (SELECT count(*) FROM interval), (SELECT count(*) FROM ts), "
      "(SELECT count(*) FROM ts_leaf), (SELECT count(*) FROM interval_level), "
      "(SELECT count(*) FROM mth_node), (SELECT count(*) FROM signing_key)");
  return {r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.int64(0, 3), r.int64(0, 4), r.int64(0, 5)};
}

std::optional<int64_t> AuditStore::clock_floor() {
  sync::PgResult r = conn_.exec("SELECT ts_us FROM clock_floor");
  if (r.rows() == 0) return std::nullopt;
  return r.int64(0, 0);
}

std::vector<AuditKey> AuditStore::keys() {
  sync::PgResult r =
      conn_.exec("SELECT key_id, public_key FROM signing_key ORDER BY key_id", sync::Params{},
                 /*binary_result=*/true);
  std::vector<AuditKey> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({raw_string(r, i, 0), raw_string(r, i, 1)});
  return out;
}

std::vector<AuditInterval> AuditStore::intervals(std::optional<uint64_t> after, int limit) {
  sync::Params p;
  p.int64(after ? static_cast<int64_t>(*after) : -1).int64(limit);
  sync::PgResult r = conn_.exec(
      "SELECT idx, prev_idx, ts_us, ts_count, ith, ihash, mth, inclusion_a, inclusion_nodes, "
      "consistency_nodes, signature, key_id FROM interval WHERE idx > $1 ORDER BY idx LIMIT $2",
      p, /*binary_result=*/true);
  std::vector<AuditInterval> out(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    AuditInterval& v = out[i];
    v.idx = static_cast<uint64_t>(r.binary_int64(i, 0));
    if (!r.is_null(i, 1)) v.prev_idx = r.binary_int64(i, 1);
    v.ts_us = r.binary_int64(i, 2);
    v.ts_count = r.binary_int64(i, 3);
    v.ith = r.binary_hash(i, 4);
    v.ihash = r.binary_hash(i, 5);
    v.mth = r.binary_hash(i, 6);
    v.inclusion_a = r.binary_int64(i, 7);
    v.inclusion_nodes = raw_string(r, i, 8);
    if (!r.is_null(i, 9)) v.consistency_nodes = raw_string(r, i, 9);
    v.signature = raw_string(r, i, 10);
    v.key_id = raw_string(r, i, 11);
  }
  return out;
}

std::vector<AuditTs> AuditStore::ts_in_range(std::optional<int64_t> after_us, int64_t up_to_us) {
  // COPY takes no parameters; both bounds are integers.
  std::string sql =
      "COPY (SELECT t.id, t.ts_us, t.hash, l.idx, l.leaf FROM ts t "
      "LEFT JOIN ts_leaf l ON l.id = t.id WHERE t.ts_us > " +
      bound(after_us) + " AND t.ts_us <= " + std::to_string(up_to_us) +
      ") TO STDOUT (FORMAT binary)";
  std::vector<AuditTs> out;
  BinaryCopyReader reader;
  conn_.copy_out(sql, [&](std::string_view message) {
    reader.feed(message, [&](const std::vector<BinaryCopyReader::Field>& f) {
      if (f.size() != 5) throw StoreError("audit COPY: expected 5 fields");
      AuditTs& ts = out.emplace_back();
      ts.id = fixed_field<16>(f[0], "ts id");
      ts.ts_us = be64_field(f[1]);
      ts.hash = fixed_field<32>(f[2], "ts hash length");
      if (f[3]) {
        ts.leaf_idx = be64_field(f[3]);
        ts.leaf = be64_field(f[4]);
      }
    });
  });
  if (!reader.complete()) throw StoreError("audit COPY: incomplete stream");
  return out;
}

std::vector<AuditLevel> AuditStore::levels(uint64_t first, uint64_t last) {
  sync::Params p;
  p.int64(static_cast<int64_t>(first)).int64(static_cast<int64_t>(last));
  sync::PgResult r = conn_.exec(
      "SELECT idx, level::bigint, nodes FROM interval_level WHERE idx BETWEEN $1 AND $2 "
      "ORDER BY idx, level",
      p, /*binary_result=*/true);
  std::vector<AuditLevel> out(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    out[i].idx = static_cast<uint64_t>(r.binary_int64(i, 0));
    out[i].level = static_cast<int>(r.binary_int64(i, 1));
    out[i].nodes = raw_string(r, i, 2);
  }
  return out;
}

std::vector<AuditNode> AuditStore::mth_nodes(std::span<const core::NodeId> ids) {
  if (ids.empty()) return {};
  std::string levels = "{", ks = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) {
      levels += ',';
      ks += ',';
    }
    levels += std::to_string(ids[i].level);
    ks += std::to_string(ids[i].index);
  }
  sync::Params p;
  p.text(levels + "}").text(ks + "}");
  sync::PgResult r = conn_.exec(
      "SELECT n.level::bigint, n.k, n.hash FROM unnest($1::int[], $2::bigint[]) AS w(level, k) "
      "JOIN mth_node n ON n.level = w.level AND n.k = w.k",
      p, /*binary_result=*/true);
  std::vector<AuditNode> out(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    out[i].id = {static_cast<uint8_t>(r.binary_int64(i, 0)),
                 static_cast<uint64_t>(r.binary_int64(i, 1))};
    out[i].hash = r.binary_hash(i, 2);
  }
  return out;
}

int64_t AuditStore::count_unsequenced(std::optional<int64_t> after_us) {
  sync::Params p;
  p.text(bound(after_us));
  return conn_.exec("SELECT count(*) FROM ts WHERE ts_us > $1::bigint", p).int64(0, 0);
}

std::vector<AuditLeafRef> AuditStore::unsequenced_with_leaf(std::optional<int64_t> after_us,
                                                            int limit) {
  sync::Params p;
  p.text(bound(after_us)).int64(limit);
  sync::PgResult r = conn_.exec(
      "SELECT t.id, t.ts_us, l.idx, l.leaf FROM ts t JOIN ts_leaf l ON l.id = t.id "
      "WHERE t.ts_us > $1::bigint ORDER BY t.ts_us, t.id LIMIT $2",
      p, /*binary_result=*/true);
  std::vector<AuditLeafRef> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(leaf_ref(r, i));
  return out;
}

std::vector<AuditLeafRef> AuditStore::orphan_leaves(int limit) {
  sync::Params p;
  p.int64(limit);
  sync::PgResult r = conn_.exec(
      "SELECT l.id, NULL::bigint, l.idx, l.leaf FROM ts_leaf l "
      "WHERE NOT EXISTS (SELECT 1 FROM ts t WHERE t.id = l.id) ORDER BY l.idx, l.leaf LIMIT $1",
      p, /*binary_result=*/true);
  std::vector<AuditLeafRef> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(leaf_ref(r, i));
  return out;
}

std::vector<core::NodeId> AuditStore::foreign_mth_nodes(uint64_t size, int limit) {
  sync::Params p;
  p.int64(static_cast<int64_t>(size)).int64(limit);
  sync::PgResult r = conn_.exec(
      "SELECT level::bigint, k FROM mth_node WHERE CASE WHEN level BETWEEN 0 AND 62 "
      "THEN k < 0 OR k >= ($1::bigint >> level::int) ELSE true END ORDER BY level, k LIMIT $2",
      p, /*binary_result=*/true);
  std::vector<core::NodeId> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(
        {static_cast<uint8_t>(r.binary_int64(i, 0)), static_cast<uint64_t>(r.binary_int64(i, 1))});
  return out;
}

}  // namespace ink::store
