#pragma once
// Answers built from stored, immutable data: heads (cached by index), main
// tree proofs (plan -> nodes from memory or PostgreSQL -> assemble) and ts
// proofs for many ts at once (one query for the nodes of all of them).
// Thread safe.
//
// Main-tree nodes come from the upper levels held in memory (MainTreeCache:
// every perfect node at or above a base level chosen at the first load so the
// tree takes a few MB, grown from each announced head), then from a small
// cache of recently read nodes, then from PostgreSQL (the few nodes below the
// base level), where the reads of concurrent proofs share one query. Until
// the upper levels are loaded, and for nodes newer than they cover, every
// node comes from the last two.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/json_fast.h"
#include "core/protocol.h"
#include "server/main_tree_cache.h"
#include "store/read_store.h"

namespace ink::server {

namespace asio = boost::asio;

struct HeadEntry {
  store::IntervalRow row;
  core::SignedHead head;
  std::shared_ptr<const std::string> json;      // the head object as sent on the live feed
  std::optional<core::SharedHeadJson> answers;  // JSON answers of the ts under this head
};

// A ts's proof as the backend holds it: its own (a, path) and the cached head
// it shares with every other ts of the interval (not a copy per ts).
struct FoundProof {
  uint64_t a = 0;
  std::vector<core::Hash> path;
  std::shared_ptr<const HeadEntry> head;
  core::TsProof to_core() const { return core::TsProof{a, path, head->head}; }
};

class ProofService {
 public:
  ProofService(store::ReadStore& store, std::string authority, size_t node_cache_max);

  const std::string& authority() const { return authority_; }
  // nullptr when interval idx does not exist (yet).
  asio::awaitable<std::shared_ptr<const HeadEntry>> head(uint64_t idx);
  std::shared_ptr<const HeadEntry> remember(store::IntervalRow row);

  // Preconditions (else std::invalid_argument): x <= y, head y exists.
  asio::awaitable<core::InclusionProof> inclusion(uint64_t x, uint64_t y);
  asio::awaitable<core::ConsistencyProof> consistency(uint64_t x, uint64_t y);

  // The PROOF of each sequenced row (nullopt for rows without a leaf yet), in order.
  asio::awaitable<std::vector<std::optional<FoundProof>>> ts_proofs(
      const std::vector<store::TsRow>& rows);

  // Makes the upper levels cover the main tree of `size` leaves (its
  // perfect nodes are stored once head size - 1 is visible): the first call
  // loads them (one query), later ones read the base-level nodes completed
  // since. A call while another grows hands its size to that one and returns
  // at once. Errors are logged, not thrown: the next head tries again.
  asio::awaitable<void> grow_main_tree(uint64_t size);

  size_t cached_nodes() const;     // upper levels and recently read nodes
  size_t main_tree_bytes() const;  // memory held by the upper levels' hashes

 private:
  asio::awaitable<std::vector<core::Hash>> main_nodes(const std::vector<core::NodeId>& ids);
  // Main-tree nodes from PostgreSQL, many callers' in one query (group
  // read): up to kNodeQueriesInFlight queries run at once, and each takes
  // every read queued when it starts. Throws what ReadStore::mth_nodes throws.
  struct NodeRead;
  asio::awaitable<std::vector<core::Hash>> read_nodes(std::vector<core::NodeId> ids);
  asio::awaitable<void> node_query_loop();

  store::ReadStore& store_;
  std::string authority_;
  size_t node_cache_max_;
  mutable std::mutex mutex_;
  std::map<uint64_t, std::shared_ptr<const HeadEntry>> heads_;
  std::unordered_map<uint64_t, core::Hash> nodes_;    // key: level << 58 | index
  std::shared_ptr<MainTreeCache> upper_;              // set once, by the first growth
  bool growing_ = false;                              // a grow_main_tree() is running
  uint64_t grow_to_ = 0;                              // the largest size asked for
  std::deque<std::shared_ptr<NodeRead>> node_reads_;  // queued for the next query
  size_t node_queries_ = 0;                           // node_query_loop()s running
};

}  // namespace ink::server
