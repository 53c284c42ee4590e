// ink-backend: the public API. Configuration from flags or environment
// variables (docs/configuration.md); everything else is in src/server.

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <sstream>

#include "ops/logging.h"
#include "server/backend.h"

int main(int argc, char** argv) {
  ink::server::Config c;
  std::string trusted = "127.0.0.1,::1";
  std::string rate = "50:100";
  CLI::App app{"ink-backend: the unchanging.ink API server"};
  app.add_option("--database-url", c.database_url, "PostgreSQL connection URL")
      ->envname("DATABASE_URL")
      ->required();
  app.add_option("--database-read-url", c.database_read_url,
                 "PostgreSQL standby(s) for proof, head and interval reads (libpq URL)")
      ->envname("DATABASE_READ_URL");
  app.add_option("--redis-url", c.redis_url, "Redis URL")
      ->envname("REDIS_URL")
      ->capture_default_str();
  app.add_option("--authority", c.authority, "public name of this deployment (as the worker's)")
      ->envname("INK_AUTHORITY")
      ->capture_default_str();
  app.add_option("--listen", c.listen, "host:port to listen on")
      ->envname("INK_LISTEN")
      ->capture_default_str();
  app.add_option("--listen-unix", c.listen_unix,
                 "also listen on a Unix socket at this path (for a proxy on this host)")
      ->envname("INK_LISTEN_UNIX");
  app.add_option("--wait-seconds", c.wait_seconds, "longest hold of a `wait` request")
      ->envname("INK_WAIT_SECONDS")
      ->capture_default_str();
  app.add_option("--retention-hours", c.retention_hours, "how long ts proofs are kept")
      ->envname("INK_RETENTION_HOURS")
      ->capture_default_str();
  app.add_option("--trusted-proxies", trusted, "comma-separated peers whose X-Real-IP is believed")
      ->envname("INK_TRUSTED_PROXIES")
      ->capture_default_str();
  app.add_option("--max-connections", c.max_connections, "open connections at most")
      ->envname("INK_MAX_CONNECTIONS")
      ->capture_default_str();
  app.add_option("--max-body-bytes", c.max_body_bytes, "request body limit")
      ->envname("INK_MAX_BODY_BYTES")
      ->capture_default_str();
  app.add_option("--max-header-bytes", c.max_header_bytes, "request header limit")
      ->envname("INK_MAX_HEADER_BYTES")
      ->capture_default_str();
  app.add_option("--read-timeout", c.read_timeout_seconds, "seconds to read a whole request")
      ->envname("INK_READ_TIMEOUT")
      ->capture_default_str();
  app.add_option("--rate-limit", rate, "POSTs per second per client[:burst]; 0 disables")
      ->envname("INK_RATE_LIMIT")
      ->capture_default_str();
  app.add_option("--threads", c.threads,
                 "threads serving connections (0: one per core); the shared parts have one more")
      ->envname("INK_THREADS")
      ->capture_default_str();
  app.add_option("--db-connections", c.db_connections, "PostgreSQL pool size")
      ->envname("INK_DB_CONNECTIONS")
      ->capture_default_str();
  app.add_option("--commits-in-flight", c.batches_in_flight,
                 "group commits of new ts under way at once (each holds a connection)")
      ->envname("INK_COMMITS_IN_FLIGHT")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--commit-resolve-seconds", c.commit_resolve_seconds,
                 "how long to ask whether a commit whose answer was lost landed")
      ->envname("INK_COMMIT_RESOLVE_SECONDS")
      ->capture_default_str();
  app.add_option("--poll-seconds", c.poll_seconds, "fallback check of the newest head")
      ->envname("INK_POLL_SECONDS")
      ->capture_default_str();
  app.add_option("--interval", c.interval_seconds, "the worker's interval (estimates only)")
      ->envname("INK_INTERVAL")
      ->capture_default_str();
  app.add_option("--insert-queue", c.insert_queue,
                 "timestamps waiting for a group commit before new ones get 503")
      ->envname("INK_INSERT_QUEUE")
      ->capture_default_str();
  app.add_option("--ws-queue", c.ws_queue_limit, "heads queued per WebSocket before dropping it")
      ->envname("INK_WS_QUEUE")
      ->capture_default_str();
  app.add_option("--ws-idle-seconds", c.ws_idle_seconds, "WebSocket ping/pong idle timeout")
      ->envname("INK_WS_IDLE_SECONDS")
      ->capture_default_str();
  app.add_option("--drain-idle-seconds", c.drain_idle_seconds,
                 "on shutdown, keep-alive connections between requests stay open this long")
      ->envname("INK_DRAIN_IDLE_SECONDS")
      ->capture_default_str();
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error, critical")
      ->envname("INK_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", c.log_format, "text (for people) or json (one object per line)")
      ->envname("INK_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--clock-policy", c.clock_policy,
                 "warn: log a clock that is off; enforce: also refuse new timestamps")
      ->envname("INK_CLOCK_POLICY")
      ->check(CLI::IsMember({"warn", "enforce"}))
      ->capture_default_str();
  app.add_option("--max-clock-error", c.max_clock_error_seconds,
                 "seconds of clock error tolerated (kernel maxerror, chrony and database offsets)")
      ->envname("INK_MAX_CLOCK_ERROR")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--tsa-cert", c.tsa_cert,
                 "RFC 3161 TSA certificate chain (PEM, signing certificate first)")
      ->envname("INK_TSA_CERT");
  app.add_option("--tsa-key", c.tsa_key, "RFC 3161 TSA signing key (PEM)")->envname("INK_TSA_KEY");
  app.add_option("--tsa-policy", c.tsa_policy, "RFC 3161 TSA policy OID")
      ->envname("INK_TSA_POLICY")
      ->capture_default_str();
  app.add_option("--tsa-accuracy", c.tsa_accuracy_seconds,
                 "RFC 3161 token accuracy in seconds (0: none)")
      ->envname("INK_TSA_ACCURACY")
      ->capture_default_str();
  app.add_option("--witnesses", c.witnesses_path,
                 "JSON file of the witnesses whose cosignatures are accepted "
                 "([{\"name\", \"public_key\"}], docs/witness.md)")
      ->envname("INK_WITNESSES");
  CLI11_PARSE(app, argc, argv);

  c.trusted_proxies.clear();
  std::stringstream list(trusted);
  for (std::string item; std::getline(list, item, ',');)
    if (!item.empty()) c.trusted_proxies.push_back(item);
  try {
    auto colon = rate.find(':');
    c.rate_per_second = std::stod(rate.substr(0, colon));
    c.rate_burst = colon == std::string::npos ? std::max(1.0, 2 * c.rate_per_second)
                                              : std::stod(rate.substr(colon + 1));
  } catch (const std::exception&) {
    std::fprintf(stderr, "bad --rate-limit %s: want RATE or RATE:BURST\n", rate.c_str());
    return 2;
  }
  ink::ops::configure_logging("ink-backend", c.log_level, c.log_format);

  // Many held connections: use every descriptor the system allows.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  try {
    return ink::server::run_backend(c);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
