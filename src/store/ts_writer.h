#pragma once
// The backend's only write: a batch of new ts rows in one transaction (group
// commit), and what happens when the answer to its COMMIT is lost.
//
// A batch is three steps on one connection: `BEGIN; SELECT ink_ts_clock()`
// (db/004: the clock lock and the reading, which the ts hash covers), then the
// hashes are computed here, then INSERT and COMMIT in one pipeline (one round
// trip). Client bytes (ids, hashes, tags) travel as binary array parameters,
// never as SQL text.
//
// Outcomes, each mapped by the API to its own answer:
// * returns: committed, every row stored;
// * PgUnavailable: nothing was recorded (known: the COMMIT was never sent, or
//   the database says the transaction aborted);
// * CommitOutcomeUnknown: the connection broke after COMMIT may have reached
//   the server, and the transaction's fate could not be learnt before the
//   deadline (see resolve below);
// * PgQueryError: the statement failed on a healthy connection; nothing was
//   recorded (the batcher isolates the row that caused it).
//
// Thread safe (the pool is).

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/hash.h"
#include "store/async_pg.h"

namespace ink::store {

struct NewTs {
  std::string id;  // canonical uuid text
  std::string data;
  std::optional<std::string> tag;
};

struct InsertedTs {
  int64_t ts_us = 0;               // the one clock reading of the batch
  std::vector<core::Hash> hashes;  // ts hash of each row, in order
};

// The COMMIT's answer was lost and the database could not say in time
// whether the transaction committed: the rows may or may not exist.
struct CommitOutcomeUnknown : PgUnavailable {
  using PgUnavailable::PgUnavailable;
};

class TsWriter {
 public:
  // resolve_for: how long to keep asking the database for the fate of a
  // transaction whose COMMIT answer was lost (reconnecting as needed).
  TsWriter(std::shared_ptr<PgPool> pool, std::chrono::milliseconds resolve_for)
      : pool_(std::move(pool)), resolve_for_(resolve_for) {}

  asio::awaitable<InsertedTs> insert(const std::vector<NewTs>& batch);

  // Lost COMMIT answers, by what asking the database showed.
  struct Resolutions {
    std::atomic<uint64_t> committed{0}, rolled_back{0}, unknown{0};
  };
  const Resolutions& resolutions() const { return resolutions_; }

 private:
  // After a lost COMMIT answer: waits on a fresh connection until the
  // transaction is no longer in progress (pg_xact_status), then counts its
  // rows, which decide: after a crash its id may have been handed out again.
  // Returns true when the rows exist; false when none do (nothing recorded);
  // throws CommitOutcomeUnknown when the deadline passes first.
  asio::awaitable<bool> resolve(const std::string& xid, const std::vector<NewTs>& batch);

  std::shared_ptr<PgPool> pool_;
  std::chrono::milliseconds resolve_for_;
  Resolutions resolutions_;
};

}  // namespace ink::store
