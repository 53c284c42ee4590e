#pragma once
// The worker lease (db/003): which ink-worker may sequence, and the fencing
// of one that hangs. The active worker holds the session advisory lock
// 7300100 and the lease, a fencing token (epoch) it renews with the database
// clock; a standby that finds the lease expired terminates the holder's
// recorded sessions and claims the next epoch. Every interval transaction
// checks the epoch before COMMIT (IntervalTransaction::hold_lease), so a
// fenced worker never commits.
//
// Every method is one statement on the given connection and throws
// StoreError on a database failure. Thread safety: one thread per connection.

#include <cstdint>
#include <optional>
#include <string>

#include "store/pg.h"

namespace ink::store {

// This worker's lease epoch is no longer the lease's: another worker took
// over. Whatever the worker was doing is abandoned; it writes nothing more.
class Fenced : public StoreError {
 public:
  using StoreError::StoreError;
};

struct LeaseClaim {
  int64_t epoch = 0;           // the epoch this worker now holds
  int64_t previous_epoch = 0;  // the one before (0: the lease was never claimed)
  std::string previous_holder;
};

struct LeaseState {
  int64_t epoch = 0;
  std::string holder;
  int64_t expires_us = 0;  // database clock
  int64_t now_us = 0;      // database clock when read
  bool expired() const { return expires_us < now_us; }
};

class WorkerLease {
 public:
  explicit WorkerLease(sync::PgConnection& conn) : conn_(conn) {}

  // Takes the worker lock and the next epoch in one statement, after
  // terminating the previous holder's remaining sessions; records this
  // session as the holder's. Empty when another session holds the lock.
  // After a StoreError the connection may hold the lock: close it.
  std::optional<LeaseClaim> try_claim(const std::string& holder, int64_t lease_us);

  // Records this session as one of the holder's (the sequencing connection),
  // so that a fence terminates it too. False when `epoch` is not the lease's.
  bool join(int64_t epoch);

  // The heartbeat: the lease now expires lease_us after the database clock's
  // now. False when `epoch` is not the lease's (fenced).
  bool renew(int64_t epoch, int64_t lease_us);

  LeaseState read();

  // If the lease of `seen_epoch` is still current and expired, terminates its
  // holder's sessions (releasing the worker lock) and returns how many; empty
  // when it was renewed or claimed meanwhile.
  std::optional<int> fence(int64_t seen_epoch);

 private:
  sync::PgConnection& conn_;
};

}  // namespace ink::store
