#pragma once
// The backend's reads behind every answer. Its one write (new ts rows) is
// store/ts_writer.h; the worker's queries live in sequencer_store.h (one
// writer of intervals and the main tree).
//
// Reads go where ReadRouting says (a standby that has caught up, else the
// primary). An answer from a standby that lacks rows the caller asked for
// (a ts created a moment ago, an interval just announced elsewhere) is asked
// again of the primary, so lag never shows as "not found". The newest
// interval and ping always ask the primary (the keys: store/key_listing_store.h).
//
// Every function throws PgUnavailable when the database cannot be reached.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <array>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/proof_plan.h"
#include "core/protocol.h"
#include "core/sign.h"
#include "store/async_pg.h"
#include "store/interval_row.h"
#include "store/read_routing.h"

namespace ink::store {

struct TsRow {
  std::string id;  // canonical lower-case uuid text
  int64_t ts_us = 0;
  core::Hash hash{};
  std::optional<uint64_t> idx;  // set once the worker sequenced it (ts_leaf)
  std::optional<uint64_t> leaf;
};

// A node of one interval's tree (table interval_level).
struct IntervalNodeId {
  uint64_t idx = 0;
  uint8_t level = 0;
  uint64_t index = 0;
};

class ReadStore {
 public:
  explicit ReadStore(std::shared_ptr<ReadRouting> routing) : routing_(std::move(routing)) {}
  ReadRouting& routing() { return *routing_; }

  asio::awaitable<std::optional<IntervalRow>> newest_interval();
  asio::awaitable<std::optional<IntervalRow>> interval(uint64_t idx);
  // Intervals first..last inclusive that exist, ascending.
  asio::awaitable<std::vector<IntervalRow>> intervals(uint64_t first, uint64_t last);

  // The ts rows that exist among ids (any order), with their leaf if sequenced.
  asio::awaitable<std::vector<TsRow>> ts_rows(const std::vector<std::string>& ids);
  // The sequenced ts among ids (any order), lighter than ts_rows for callers
  // that know the rest: only id, idx and leaf are set.
  asio::awaitable<std::vector<TsRow>> ts_leaves(const std::vector<std::string>& ids);

  // Hashes of interval tree nodes, in the order asked. Throws PgQueryError
  // naming the problem if any is missing.
  asio::awaitable<std::vector<core::Hash>> interval_nodes(std::span<const IntervalNodeId> ids);
  // Every level of one interval's tree (levels[0] = leaf nodes).
  asio::awaitable<std::vector<std::vector<core::Hash>>> interval_levels(uint64_t idx);

  // Main-tree nodes, in the order asked; throws PgQueryError if any is missing.
  asio::awaitable<std::vector<core::Hash>> mth_nodes(std::span<const core::NodeId> ids);
  // Main-tree nodes (level, first) .. (level, end - 1), in order; throws
  // PgQueryError if any is missing.
  asio::awaitable<std::vector<core::Hash>> mth_level(uint8_t level, uint64_t first, uint64_t end);

  asio::awaitable<void> ping();

 private:
  // Runs a read where the routing says. `whole` tells whether a standby's
  // answer has everything asked for; if not, the primary answers instead.
  asio::awaitable<PgResult> read(std::string_view sql, const PgParams& params,
                                 std::function<bool(const PgResult&)> whole);

  std::shared_ptr<ReadRouting> routing_;
};

}  // namespace ink::store
