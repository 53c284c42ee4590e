#pragma once
// Answers built from stored, immutable data: heads (cached by index), main
// tree proofs (plan -> nodes from an in-process cache or PostgreSQL ->
// assemble, so O(log n) reads each) and ts proofs for many ts at once (one
// query for the nodes of all of them). Thread safe.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/json_fast.h"
#include "core/protocol.h"
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

  size_t cached_nodes() const;

 private:
  asio::awaitable<std::vector<core::Hash>> main_nodes(const std::vector<core::NodeId>& ids);

  store::ReadStore& store_;
  std::string authority_;
  size_t node_cache_max_;
  mutable std::mutex mutex_;
  std::map<uint64_t, std::shared_ptr<const HeadEntry>> heads_;
  std::unordered_map<uint64_t, core::Hash> nodes_;  // key: level << 58 | index
};

}  // namespace ink::server
