#include "store/interval_row.h"

#include <cstring>

#include "core/clock.h"
#include "store/pg.h"

namespace ink::store {

const char* const kIntervalColumns =
    "idx, ts_us, ts_count, ith, ihash, mth, inclusion_a, inclusion_nodes, consistency_nodes, "
    "signature, key_id, announced";

namespace {

std::string_view need(std::optional<std::string_view> v, const char* column) {
  if (!v) throw StoreError(std::string("interval.") + column + " is NULL");
  return *v;
}

int64_t be64(std::optional<std::string_view> v, const char* column) {
  auto s = need(v, column);
  if (s.size() != 8) throw StoreError(std::string("interval.") + column + " is not a bigint");
  uint64_t out = 0;
  for (unsigned char c : s) out = out << 8 | c;
  return static_cast<int64_t>(out);
}

core::Hash hash(std::optional<std::string_view> v, const char* column) {
  auto s = need(v, column);
  if (s.size() != 32) throw StoreError(std::string("interval.") + column + " is not 32 bytes");
  core::Hash h;
  std::memcpy(h.data(), s.data(), 32);
  return h;
}

std::vector<core::Hash> hashes(std::string_view s, const char* column) {
  if (s.size() % 32)
    throw StoreError(std::string("interval.") + column + " is not a list of 32-byte hashes");
  return sync::split_hashes(core::as_bytes(s));
}

}  // namespace

IntervalRow decode_interval_row(std::span<const std::optional<std::string_view>> c) {
  if (c.size() != kIntervalColumnCount) throw StoreError("interval row has the wrong column count");
  IntervalRow row;
  row.index = static_cast<uint64_t>(be64(c[0], "idx"));
  row.ts_us = be64(c[1], "ts_us");
  row.ts_count = static_cast<uint64_t>(be64(c[2], "ts_count"));
  row.ith = hash(c[3], "ith");
  row.ihash = hash(c[4], "ihash");
  row.mth = hash(c[5], "mth");
  row.inclusion_a = static_cast<uint64_t>(be64(c[6], "inclusion_a"));
  row.inclusion_nodes = hashes(need(c[7], "inclusion_nodes"), "inclusion_nodes");
  if (c[8]) row.consistency_nodes = hashes(*c[8], "consistency_nodes");
  auto sig = need(c[9], "signature");
  if (sig.size() != row.signature.size()) throw StoreError("interval.signature is not 64 bytes");
  std::memcpy(row.signature.data(), sig.data(), sig.size());
  row.key_id = std::string(need(c[10], "key_id"));
  auto announced = need(c[11], "announced");
  row.announced = announced.size() == 1 && announced[0] != 0;
  return row;
}

core::SignedHead to_signed_head(const IntervalRow& row, const std::string& authority) {
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

}  // namespace ink::store
