#pragma once
// Group commit of new ts rows: concurrent submissions queue up, and up to
// `in_flight` flush loops each take everything queued (at most `batch_max`)
// into one ink_insert_ts call. Under light load a ts costs one round trip;
// under heavy load batches grow instead of queueing round trips.
// Thread safe. Bounded: when `queue_limit` rows wait, insert() refuses (503).

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>

#include "server/notify.h"
#include "store/read_store.h"

namespace ink::server {

class InsertBatcher : public std::enable_shared_from_this<InsertBatcher> {
 public:
  InsertBatcher(asio::any_io_executor executor, store::ReadStore& store, size_t batch_max,
                size_t in_flight, size_t queue_limit);
  struct Inserted {
    int64_t ts_us = 0;
    core::Hash hash{};
  };
  // Returns the ts's clock reading and hash once its row is committed. Throws
  // store::PgUnavailable (nothing recorded, or the outcome is unknown).
  asio::awaitable<Inserted> insert(store::NewTs ts);
  size_t queued() const;

 private:
  struct Pending {
    store::NewTs ts;
    std::shared_ptr<Notify> done;
    Inserted result;
    std::exception_ptr error;
  };
  asio::awaitable<void> flush_loop();

  asio::any_io_executor executor_;
  store::ReadStore& store_;
  size_t batch_max_, in_flight_max_, queue_limit_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<Pending>> queue_;
  size_t in_flight_ = 0;
};

}  // namespace ink::server
