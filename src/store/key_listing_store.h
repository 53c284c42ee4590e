#pragma once
// The backend's read of the log's keys with their transitions and
// revocations (db/006), for GET /api/v1/keys (docs/keys.md).

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <vector>

#include "core/key_listing.h"
#include "store/async_pg.h"

namespace ink::store {

class KeyListingStore {
 public:
  explicit KeyListingStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  // Every key, oldest first, as core::list_keys orders them. Throws as PgPool::query.
  asio::awaitable<std::vector<core::ListedKey>> listing();

 private:
  std::shared_ptr<PgPool> pool_;
};

}  // namespace ink::store
