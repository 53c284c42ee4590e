#pragma once
// One row of table interval (db/001): everything a signed head needs. The one
// type for it, written by the worker (sequencer_store.h) and read by the
// backend (read_store.h), with the one query column list and decoder both use.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "core/protocol.h"
#include "core/sign.h"

namespace ink::store {

struct IntervalRow {
  uint64_t index = 0;
  int64_t ts_us = 0;  // clock reading at which the interval closed
  uint64_t ts_count = 0;
  core::Hash ith{};
  core::Hash ihash{};
  core::Hash mth{};
  uint64_t inclusion_a = 0;
  std::vector<core::Hash> inclusion_nodes;
  std::optional<std::vector<core::Hash>> consistency_nodes;  // none for interval 0
  core::Signature signature{};
  std::string key_id;
  bool announced = false;  // published on Redis (the worker's bookkeeping)
};

// The head object of PROTOCOL.md for a stored interval.
core::SignedHead to_signed_head(const IntervalRow& row, const std::string& authority);

// The select list every reader of interval rows uses, in decode order.
extern const char* const kIntervalColumns;
inline constexpr size_t kIntervalColumnCount = 12;
// Decodes one row selected with kIntervalColumns in binary format (each value
// as its bytes, nullopt for NULL). Throws StoreError for a malformed row.
IntervalRow decode_interval_row(std::span<const std::optional<std::string_view>> columns);

}  // namespace ink::store
