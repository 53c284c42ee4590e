#pragma once
// Witness cosignatures of heads (table cosignature, db/005): the backend's
// reads and its idempotent write. Signatures are checked before they get here.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/sign.h"
#include "store/async_pg.h"

namespace ink::store {

struct StoredCosignature {
  std::string witness_key;  // key id
  core::Signature signature{};
};

class CosignatureStore {
 public:
  explicit CosignatureStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  // Stores it unless that witness's cosignature of head idx is there
  // already; true if it was new.
  asio::awaitable<bool> insert(uint64_t idx, const std::string& witness_key,
                               const core::Signature& signature);
  // Head idx's cosignatures by the given witness keys, ordered by key id.
  asio::awaitable<std::vector<StoredCosignature>> of_head(uint64_t idx,
                                                          const std::vector<std::string>& keys);
  // The newest head each of the given keys cosigned (keys that cosigned nothing are absent).
  asio::awaitable<std::vector<std::pair<std::string, uint64_t>>> newest_by_witness(
      const std::vector<std::string>& keys);
  // The newest head with at least `quorum` cosignatures by the given keys.
  asio::awaitable<std::optional<uint64_t>> newest_with_quorum(const std::vector<std::string>& keys,
                                                              size_t quorum);

 private:
  std::shared_ptr<PgPool> pool_;
};

}  // namespace ink::store
