#pragma once
// Test-only crash points. INK_WORKER_CRASH_AT=<phase>[:<n>] makes the worker
// kill itself with SIGKILL (as `kill -9` would) the n-th time (default 1st)
// it reaches <phase>. INK_WORKER_STOP_AT=<phase>[:<n>] instead stops it with
// SIGSTOP there (a hung worker; it continues where it stopped on SIGCONT).
// Phases, in the order of one interval:
//   after-clock    the interval's clock reading was taken (ink_close_clock)
//   after-fetch    the pending ts were read
//   after-build    interval tree, ihash, mth and proofs computed
//   after-sign     the head was signed
//   before-commit  everything written inside the transaction and the lease
//                  checked (its row locked), COMMIT not sent
//   after-commit   committed, not yet announced on Redis
//   after-publish  announced on Redis, not yet marked announced in PostgreSQL
// And in an interval that rotates the key (docs/keys.md):
//   rotation-before-commit  the transition and the new key's first head
//                           written, COMMIT not sent (after before-commit)
//   rotation-after-commit   committed, the key files not swapped yet
// Unset (the normal case): no effect.

#include <string>

namespace ink::worker {

class CrashHook {
 public:
  CrashHook() = default;
  static CrashHook from_env();  // reads INK_WORKER_CRASH_AT, else INK_WORKER_STOP_AT
  void at(const char* phase);   // SIGKILLs (or SIGSTOPs) the process at the configured point

 private:
  std::string phase_;
  int remaining_ = 0;
  bool stop_ = false;  // SIGSTOP instead of SIGKILL
};

}  // namespace ink::worker
