#pragma once
// A TCP proxy on loopback that injects network faults between a program and
// a real server (PostgreSQL here): it forwards bytes both ways, and on a rule
// cuts a connection at a chosen moment of the PostgreSQL protocol. The
// server stays real; only the wire between them fails, as a network or a
// crashed machine would make it fail. Test-only.

#include <atomic>
#include <memory>
#include <string>

namespace ink::test {

class FaultProxy {
 public:
  enum class Mode {
    kPass,             // forward everything
    kCutBeforeCommit,  // a client message containing COMMIT is dropped, both sides closed
    kCutAfterCommit,   // COMMIT is forwarded; the server's answer is dropped, both sides closed
    kRefuse,           // new connections are closed at once (the server "is down")
  };
  // Listens on a free loopback port and forwards to 127.0.0.1:target_port.
  explicit FaultProxy(int target_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const;
  // The mode applies to connections open now and later. A cut fires once,
  // then the mode falls back to `after_cut` (default kPass).
  void set_mode(Mode mode, Mode after_cut = Mode::kPass);
  int cuts() const;  // how many cuts happened

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// `url` (postgresql://user@host:port/db) with the port replaced.
std::string with_port(const std::string& url, int port);

}  // namespace ink::test
