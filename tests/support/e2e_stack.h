#pragma once
// A whole stack on free ports (scripts/e2e-stack.sh: nginx, two backends, a
// worker, PostgreSQL, Redis) for suites that attack or fail parts of it, and
// the ledger of accepted submissions they check at the end.

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/sign.h"
#include "support/http_client.h"
#include "support/test_env.h"

namespace ink::test {

// The public keys a service lists at /api/v1/keys (base: its URL).
std::vector<core::PublicKey> published_keys(const std::string& base);

class E2eStack {
 public:
  // Reuses the stack in dir if it answers, else starts one with `settings`
  // (shell assignments, e.g. "INK_WEB=0 INK_PG_STANDBYS=2"). Throws if it
  // cannot be started.
  E2eStack(const std::string& dir, const std::string& settings);

  std::string base;                        // nginx
  std::map<std::string, std::string> env;  // DIR/stack.env
  std::string dir, source, build, bin;

  std::string backend(int i) const;             // backend i's own URL (1-based)
  pid_t pid_of(const std::string& name) const;  // from DIR/run/NAME.pid
  int64_t count(const std::string& sql) const;  // on the primary
  // Runs a stack.sh / services.sh command on this stack; true when it succeeded.
  bool script(const std::string& command) const;
  std::vector<core::PublicKey> keys() const;
  bool ready() const;
  // A second ink-worker on this stack (log DIR/NAME.log, no metrics
  // endpoint), returned once it waits for the worker lock; null if it does
  // not within 30 s.
  std::unique_ptr<Process> start_standby_worker(const std::string& name) const;
};

// Submissions answered 200, remembered with their data, to be verified at the end.
class Ledger {
 public:
  void add(const std::string& id, const std::string& data);
  size_t size() const;
  // POSTs {"data": data}; remembers it when answered 200. Returns the answer.
  HttpResponse stamp(const std::string& base, const std::string& data,
                     const std::string& query = "");
  // Every accepted id has a proof (waited for) that verifies for its data,
  // and no id was handed out twice.
  void verify_all(const E2eStack& s) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> accepted_;
};

// The end of every attack: the stack is ready again, `ink-worker --audit`
// passes, and every accepted submission verifies.
void expect_intact(const E2eStack& s, const Ledger& ledger);

}  // namespace ink::test
