#pragma once
// Group commit of new ts rows: concurrent submissions queue up, and up to
// `in_flight` flush loops each take everything queued (at most `batch_max`)
// into one transaction (store::TsWriter). Under light load a ts costs one
// transaction; under heavy load batches grow instead of queueing round trips.
// Thread safe. Bounded: when `queue_limit` rows wait, insert() refuses (503).
//
// One client cannot fail another's submission: a batch that fails for a
// reason other than the database being unavailable (a statement error) is
// split in halves and retried until the row that causes it stands alone;
// only that row gets the error.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>

#include "server/notify.h"
#include "store/ts_writer.h"

namespace ink::server {

// Refused before anything was written: too many submissions already wait.
struct Overloaded : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class InsertBatcher : public std::enable_shared_from_this<InsertBatcher> {
 public:
  InsertBatcher(asio::any_io_executor executor, store::TsWriter& writer, size_t batch_max,
                size_t in_flight, size_t queue_limit);
  struct Inserted {
    int64_t ts_us = 0;
    core::Hash hash{};
  };
  // Returns the ts's clock reading and hash once its row is committed.
  // Throws Overloaded when `queue_limit` rows wait already, else what
  // store::TsWriter::insert throws for its batch: PgUnavailable
  // (nothing recorded), store::CommitOutcomeUnknown, PgQueryError (this row
  // could not be stored).
  asio::awaitable<Inserted> insert(store::NewTs ts);
  size_t queued() const;
  // Seconds the oldest submission not yet answered (queued, or in a
  // transaction not yet committed) has waited; 0 when none waits. Seconds
  // here mean the database accepts reads but not commits (a synchronous
  // standby gone, a full disk, a lock).
  double oldest_wait_seconds() const;
  // Batches split to isolate a row whose statement failed.
  uint64_t splits() const { return splits_; }

 private:
  struct Pending {
    store::NewTs ts;
    std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
    std::shared_ptr<Notify> done;
    Inserted result;
    std::exception_ptr error;
  };
  asio::awaitable<void> flush_loop();
  // Writes the rows, isolating any row whose statement fails; fills in each
  // Pending's result or error.
  asio::awaitable<void> write(std::span<const std::shared_ptr<Pending>> batch);

  asio::any_io_executor executor_;
  store::TsWriter& writer_;
  size_t batch_max_, in_flight_max_, queue_limit_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<Pending>> queue_;
  size_t in_flight_ = 0;
  // Arrival of the oldest row of each batch being written.
  std::multiset<std::chrono::steady_clock::time_point> writing_since_;
  std::atomic<uint64_t> splits_{0};
};

}  // namespace ink::server
