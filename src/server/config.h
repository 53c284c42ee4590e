#pragma once
// The backend's configuration (environment variables or flags, see
// docs/configuration.md). Plain values; src/app/backend_main.cpp fills it.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "rfc3161/tsa.h"

namespace ink::server {

struct Config {
  std::string database_url;
  std::string database_read_url;  // a standby for reads (empty: the primary serves them)
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string authority = "localhost:23230";  // must match the worker's
  std::string listen = "127.0.0.1:8081";      // host:port, [v6]:port
  std::string listen_unix;      // also a Unix socket at this path, for a proxy on this host
  double wait_seconds = 30;     // longest hold of a `wait` request
  double retention_hours = 24;  // ts proof records kept (404 vs 410)
  std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};  // X-Real-IP honoured from these
  size_t max_connections = 50000;
  size_t max_body_bytes = 16 * 1024;
  size_t max_header_bytes = 8 * 1024;
  double read_timeout_seconds = 10;  // whole request (header + body), also keep-alive idle
  double rate_per_second = 50;       // POST /ts/ per client; 0 disables
  double rate_burst = 100;
  unsigned threads = 0;  // 0: number of cores
  size_t db_connections = 16;
  size_t batch_max = 1000;             // ts rows per group commit
  size_t batches_in_flight = 1;        // concurrent group commits (docs/performance.md)
  size_t insert_queue = 100000;        // ts waiting for a group commit before new ones get 503
  double commit_resolve_seconds = 10;  // asking for a commit whose answer was lost
  double poll_seconds = 2;             // fallback check of the newest head in PostgreSQL
  double interval_seconds = 2;         // the worker's interval, for Retry-After estimates only
  size_t ws_queue_limit = 64;          // heads queued per WebSocket before it is dropped
  double ws_idle_seconds = 60;         // ping after half of it, close if no pong by its end
  // On shutdown, how long a keep-alive connection between requests may stay
  // open. Longer than the proxy's upstream keepalive_timeout, so the proxy
  // closes it first: a close from our side can cross a request the proxy has
  // just sent, which it cannot retry when it is a POST.
  double drain_idle_seconds = 3;
  std::string log_level = "info";
  std::string log_format = "text";  // or "json" (docs/operations.md)
  // Clock policy (docs/operations.md): "warn" or "enforce", and the bound on
  // the clock's error beyond which `enforce` refuses new timestamps.
  std::string clock_policy = "warn";
  double max_clock_error_seconds = 1;
  // RFC 3161 TSA (docs/rfc3161.md): served when both files are given.
  std::string tsa_cert;  // PEM chain, the signing certificate first
  std::string tsa_key;   // PEM private key of the signing certificate
  std::string tsa_policy = rfc3161::kDefaultPolicy;
  double tsa_accuracy_seconds = 1;  // TSTInfo accuracy; 0 leaves it out
  // Witnesses whose cosignatures this log accepts (docs/witness.md): a JSON
  // file of [{"name", "public_key"}]; empty: none.
  std::string witnesses_path;
};

}  // namespace ink::server
