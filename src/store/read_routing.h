#pragma once
// Where the backend's reads go when a standby is configured (DATABASE_READ_URL):
// to the standby while it is up and has replayed every interval this process
// has heard of, to the primary otherwise. A standby replays the primary's WAL
// a moment later; a waiter woken by head i, or a client that was just shown
// head i, must never be told "not sequenced yet" or 404 because of that lag.
//
// How the lag is known without polling in the request path: when this
// process hears of interval i (heard_of, from the head feed) and the standby
// is not known to have it, one probe coroutine asks the standby for its
// newest interval, again every `probe_every` until it has caught up. Until
// then reads go to the primary. A standby that fails a query or a probe is
// left alone for `rest_after_failure`.
//
// Thread safety: every member may be called from any thread.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "store/async_pg.h"

namespace ink::store {

class ReadRouting : public std::enable_shared_from_this<ReadRouting> {
 public:
  struct Options {
    std::chrono::milliseconds probe_every{5};
    std::chrono::milliseconds rest_after_failure{2000};
  };
  // standby may be null: every read then goes to the primary.
  ReadRouting(asio::any_io_executor executor, std::shared_ptr<PgPool> primary,
              std::shared_ptr<PgPool> standby, Options options);

  // The pool for the next read, and whether it is the standby.
  struct Choice {
    PgPool& pool;
    bool standby;
  };
  Choice choose();
  PgPool& primary() { return *primary_; }

  // The newest interval index this process knows exists (from a head).
  void heard_of(uint64_t interval);
  // Waits up to at_most for the standby to show interval idx (no wait when
  // it has, or there is none, or it is failing). Reads after it go to the
  // standby if it got there in time.
  asio::awaitable<void> settle(uint64_t interval, std::chrono::milliseconds at_most);
  // A read on the standby failed (connection, timeout): use the primary for a while.
  void standby_failed(const std::string& why);
  // What became of a read sent to the standby (counted; see metrics).
  void standby_answered() { ++counts_.standby; }
  void standby_incomplete() { ++counts_.incomplete; }

  struct Counts {
    std::atomic<uint64_t> standby{0};     // reads answered by the standby
    std::atomic<uint64_t> behind{0};      // sent to the primary: standby not caught up
    std::atomic<uint64_t> down{0};        // sent to the primary: standby failing
    std::atomic<uint64_t> incomplete{0};  // standby answer retried on the primary
    std::atomic<uint64_t> failures{0};    // standby queries or probes that failed
  };
  const Counts& counts() const { return counts_; }
  bool has_standby() const { return standby_ != nullptr; }
  // Newest interval the standby has shown (-1: none yet), and whether it is in use.
  int64_t standby_interval() const { return replayed_; }
  bool standby_up() const;

 private:
  asio::awaitable<void> probe_loop();
  void rest();  // no standby reads for rest_after_failure

  asio::any_io_executor executor_;
  std::shared_ptr<PgPool> primary_, standby_;
  Options options_;
  std::atomic<int64_t> heard_{-1}, replayed_{-1};
  std::atomic<int64_t> resting_until_ns_{0};  // steady clock
  std::atomic<bool> probing_{false};
  Counts counts_;
};

}  // namespace ink::store
