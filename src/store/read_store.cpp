#include "store/read_store.h"

#include <cstring>
#include <unordered_map>

#include "core/clock.h"
#include "core/uuid.h"
#include "store/node_reader.h"

namespace ink::store {

using asio::awaitable;

namespace {

// A uuid column (binary: 16 bytes) as canonical text.
std::string uuid_column(std::string_view v) {
  if (v.size() != 16) throw PgQueryError("stored uuid is not 16 bytes", "");
  core::Uuid id;
  std::memcpy(id.data(), v.data(), 16);
  return core::format_uuid(id);
}

core::Hash to_hash(std::string_view v) {
  if (v.size() != 32) throw PgQueryError("stored hash is not 32 bytes", "");
  core::Hash h;
  std::memcpy(h.data(), v.data(), 32);
  return h;
}

std::vector<core::Hash> to_hashes(std::string_view v) {
  if (v.size() % 32) throw PgQueryError("stored node list is not a multiple of 32 bytes", "");
  std::vector<core::Hash> out(v.size() / 32);
  for (size_t i = 0; i < out.size(); ++i) std::memcpy(out[i].data(), v.data() + 32 * i, 32);
  return out;
}

IntervalRow interval_row(const PgResult& r, int i) {
  std::array<std::optional<std::string_view>, kIntervalColumnCount> columns;
  for (size_t c = 0; c < columns.size(); ++c)
    if (!r.is_null(i, int(c))) columns[c] = r.bytes(i, int(c));
  return decode_interval_row(columns);
}

std::string join_numbers(auto begin, auto end, auto get) {
  std::string out = "{";
  for (auto it = begin; it != end; ++it) {
    if (out.size() > 1) out += ',';
    out += std::to_string(get(*it));
  }
  return out + "}";
}

}  // namespace

awaitable<PgResult> ReadStore::read(std::string_view sql, const PgParams& params,
                                    std::function<bool(const PgResult&)> whole) {
  auto choice = routing_->choose();
  if (choice.standby) {
    std::optional<PgResult> answer;
    try {
      answer = co_await choice.pool.query(sql, params);
    } catch (const PgUnavailable& e) {
      routing_->standby_failed(e.what());
    }
    if (answer && (!whole || whole(*answer))) {
      routing_->standby_answered();
      co_return std::move(*answer);
    }
    if (answer) routing_->standby_incomplete();
  }
  co_return co_await routing_->primary().query(sql, params);
}

awaitable<std::optional<IntervalRow>> ReadStore::newest_interval() {
  PgParams none;
  std::string sql =
      std::string("SELECT ") + kIntervalColumns + " FROM interval ORDER BY idx DESC LIMIT 1";
  auto r = co_await routing_->primary().query(sql, none);
  if (r.rows() == 0) co_return std::nullopt;
  co_return interval_row(r, 0);
}

awaitable<std::optional<IntervalRow>> ReadStore::interval(uint64_t idx) {
  PgParams params{std::to_string(idx)};
  std::string sql =
      std::string("SELECT ") + kIntervalColumns + " FROM interval WHERE idx = $1::bigint";
  auto r = co_await read(sql, params, [](const PgResult& answer) { return answer.rows() == 1; });
  if (r.rows() == 0) co_return std::nullopt;
  co_return interval_row(r, 0);
}

awaitable<std::vector<IntervalRow>> ReadStore::intervals(uint64_t first, uint64_t last) {
  PgParams params{std::to_string(first), std::to_string(last)};
  std::string sql = std::string("SELECT ") + kIntervalColumns +
                    " FROM interval WHERE idx BETWEEN $1::bigint AND "
                    "$2::bigint ORDER BY idx";
  auto r = co_await read(sql, params, [first, last](const PgResult& answer) {
    return last < first || uint64_t(answer.rows()) == last - first + 1;
  });
  std::vector<IntervalRow> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(interval_row(r, i));
  co_return out;
}

awaitable<std::vector<TsRow>> ReadStore::ts_rows(const std::vector<std::string>& ids) {
  std::vector<std::optional<std::string>> items(ids.begin(), ids.end());
  PgParams params{pg_text_array(items)};
  auto r = co_await read(
      "SELECT t.id, t.ts_us, t.hash, l.idx, l.leaf FROM ts t LEFT JOIN ts_leaf l ON l.id = t.id "
      "WHERE t.id = ANY($1::uuid[])",
      params, [n = ids.size()](const PgResult& answer) { return size_t(answer.rows()) == n; });
  std::vector<TsRow> out(size_t(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    auto& row = out[size_t(i)];
    row.id = uuid_column(r.bytes(i, 0));
    row.ts_us = r.int64(i, 1);
    row.hash = to_hash(r.bytes(i, 2));
    if (!r.is_null(i, 3)) {
      row.idx = uint64_t(r.int64(i, 3));
      row.leaf = uint64_t(r.int64(i, 4));
    }
  }
  co_return out;
}

awaitable<std::vector<TsRow>> ReadStore::ts_leaves(const std::vector<std::string>& ids) {
  std::vector<std::optional<std::string>> items(ids.begin(), ids.end());
  PgParams params{pg_text_array(items)};
  // Unsequenced ids are simply absent: the routing's lag check alone keeps
  // a head this process announced from looking unsequenced.
  auto r = co_await read("SELECT id, idx, leaf FROM ts_leaf WHERE id = ANY($1::uuid[])", params,
                         nullptr);
  std::vector<TsRow> out(size_t(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    auto& row = out[size_t(i)];
    row.id = uuid_column(r.bytes(i, 0));
    row.idx = uint64_t(r.int64(i, 1));
    row.leaf = uint64_t(r.int64(i, 2));
  }
  co_return out;
}

awaitable<std::vector<core::Hash>> ReadStore::interval_nodes(std::span<const IntervalNodeId> ids) {
  if (ids.empty()) co_return std::vector<core::Hash>{};
  PgParams params{join_numbers(ids.begin(), ids.end(), [](auto& n) { return n.idx; }),
                  join_numbers(ids.begin(), ids.end(), [](auto& n) { return unsigned(n.level); }),
                  join_numbers(ids.begin(), ids.end(), [](auto& n) { return n.index; })};
  auto r = co_await read(
      "SELECT substring(l.nodes FROM (x.k * 32 + 1)::int FOR 32) "
      "FROM unnest($1::bigint[], $2::smallint[], $3::bigint[]) WITH ORDINALITY AS x(idx, lvl, k, "
      "o) "
      "JOIN interval_level l ON l.idx = x.idx AND l.level = x.lvl ORDER BY x.o",
      params, [n = ids.size()](const PgResult& answer) { return size_t(answer.rows()) == n; });
  if (size_t(r.rows()) != ids.size()) throw PgQueryError("interval tree nodes missing", "");
  std::vector<core::Hash> out;
  out.reserve(ids.size());
  for (int i = 0; i < r.rows(); ++i) {
    auto v = r.bytes(i, 0);
    if (v.size() != 32) throw PgQueryError("interval tree node out of range", "");
    out.push_back(to_hash(v));
  }
  co_return out;
}

awaitable<std::vector<std::vector<core::Hash>>> ReadStore::interval_levels(uint64_t idx) {
  PgParams params{std::to_string(idx)};
  auto r =
      co_await read("SELECT level, nodes FROM interval_level WHERE idx = $1::bigint ORDER BY level",
                    params, [](const PgResult& answer) { return answer.rows() > 0; });
  std::vector<std::vector<core::Hash>> levels;
  for (int i = 0; i < r.rows(); ++i) {
    if (r.int16(i, 0) != i) throw PgQueryError("interval tree levels not contiguous", "");
    levels.push_back(to_hashes(r.bytes(i, 1)));
  }
  co_return levels;
}

awaitable<std::vector<core::Hash>> ReadStore::mth_nodes(std::span<const core::NodeId> ids) {
  if (ids.empty()) co_return std::vector<core::Hash>{};
  auto [levels, indexes] = node_query_params(ids);
  PgParams params{std::move(levels), std::move(indexes)};
  auto r = co_await read(kReadNodesQuery, params, [](const PgResult& answer) {
    for (int i = 0; i < answer.rows(); ++i)
      if (answer.is_null(i, 0)) return false;
    return true;
  });
  std::vector<std::optional<std::string_view>> hashes(size_t(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    if (!r.is_null(i, 0)) hashes[size_t(i)] = r.bytes(i, 0);
  auto nodes = decode_nodes(hashes, ids);
  if (!nodes) throw PgQueryError(nodes.error().message, "");
  co_return std::move(nodes).value();
}

awaitable<std::vector<core::Hash>> ReadStore::mth_level(uint8_t level, uint64_t first,
                                                        uint64_t end) {
  if (end <= first) co_return std::vector<core::Hash>{};
  PgParams params{std::to_string(level), std::to_string(first), std::to_string(end)};
  auto r = co_await read(
      "SELECT hash FROM mth_node WHERE level = $1::smallint AND k >= $2::bigint AND k < $3::bigint "
      "ORDER BY k",
      params, [n = end - first](const PgResult& answer) { return uint64_t(answer.rows()) == n; });
  if (uint64_t(r.rows()) != end - first)
    throw PgQueryError("main tree level " + std::to_string(level) + " nodes " +
                           std::to_string(first) + ".." + std::to_string(end - 1) +
                           " are not all stored",
                       "");
  std::vector<core::Hash> out;
  out.reserve(size_t(end - first));
  for (int i = 0; i < r.rows(); ++i) out.push_back(to_hash(r.bytes(i, 0)));
  co_return out;
}

awaitable<void> ReadStore::ping() {
  PgParams none;
  co_await routing_->primary().query("SELECT 1", none);
}

}  // namespace ink::store
