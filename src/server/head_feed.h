#pragma once
// Follows the newest head and acts on each new one: sends it to every live
// subscriber (through the hub) and answers the ts waiting for it.
//
// Triggers: a message on Redis `mth-live` (on_message, any thread), and a
// slow poll of the newest interval in PostgreSQL that covers lost messages
// and Redis outages. Heads are always loaded from PostgreSQL, in order, so a
// missed one is filled in and subscribers see consecutive heads.
//
// Waiters: a ts with clock ts_us is in the first interval whose ts_us >= it.
// When a head covers waiting ts, their proofs are read in one batch
// (ProofService::ts_proofs), never one query each.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "pubsub/hub.h"
#include "server/notify.h"
#include "server/proofs.h"

namespace ink::server {

struct Waiter {
  std::string id;
  int64_t ts_us = 0;
  std::shared_ptr<Notify> done;
  // Written before done->fire(); read only by the one who saw it fired.
  std::optional<FoundProof> proof;
};

class HeadFeed : public std::enable_shared_from_this<HeadFeed> {
 public:
  HeadFeed(asio::io_context& io, store::ReadStore& store, ProofService& proofs, pubsub::Hub& hub,
           std::chrono::milliseconds poll_every);
  void start();
  void stop();  // ends the poll loop and answers every waiter (without proof)

  void on_message(const std::string& head_json);  // from the Redis subscriber thread

  // The newest head this process has seen (nullptr before the first).
  std::shared_ptr<const HeadEntry> latest() const;
  // Waits until a head covers the ts (clock ts_us) and its proof is read, or
  // the deadline passes, or stop(); nullopt unless a proof was found. Runs on
  // the caller's executor; any number may wait at once.
  asio::awaitable<std::optional<FoundProof>> wait_for_proof(
      std::string id, int64_t ts_us, std::chrono::steady_clock::time_point deadline);
  size_t waiting() const;
  // How waits ended: with a proof a head brought, at their deadline, or cut
  // short by stop(). (Tests tell notification from timeout by these.)
  struct WaitOutcomes {
    std::atomic<uint64_t> proven{0}, timed_out{0}, stopped{0};
  };
  const WaitOutcomes& wait_outcomes() const { return outcomes_; }
  bool database_reachable() const { return db_ok_; }
  // Clock of interval 0 (nullopt before the first interval): ids older than
  // the service cannot have been issued by it.
  std::optional<int64_t> first_clock() const;

 private:
  void add_waiter(const std::shared_ptr<Waiter>& waiter);
  void remove_waiter(const std::shared_ptr<Waiter>& waiter);
  void request(uint64_t idx);
  void kick();
  asio::awaitable<void> advance_loop();
  asio::awaitable<void> poll_loop();
  asio::awaitable<void> resolve(int64_t upto_ts_us);

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  store::ReadStore& store_;
  ProofService& proofs_;
  pubsub::Hub& hub_;
  std::chrono::milliseconds poll_every_;
  asio::steady_timer poll_timer_;

  mutable std::mutex mutex_;
  std::shared_ptr<const HeadEntry> latest_;
  std::optional<int64_t> first_clock_;
  std::optional<uint64_t> target_;  // newest index heard of
  bool resolve_pending_ = false;
  bool advancing_ = false;
  bool stopped_ = false;
  std::multimap<int64_t, std::shared_ptr<Waiter>> waiters_;  // by ts_us
  std::atomic<bool> db_ok_{false};
  WaitOutcomes outcomes_;
};

}  // namespace ink::server
