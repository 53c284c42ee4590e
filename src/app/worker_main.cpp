// ink-worker: reads configuration, loads the signing key, runs the worker.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "audit/audit.h"
#include "ops/logging.h"
#include "worker/key_file.h"
#include "worker/key_rotation.h"
#include "worker/worker.h"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  ink::worker::WorkerConfig config;
  std::string log_level = "info";
  std::string log_format = "text";
  bool audit = false;
  std::string rotate_key;
  double rotate_wait = 60;
  std::string revoke_key;
  uint64_t revoke_after = 0;
  CLI::App app{
      "unchanging.ink worker: sequences timestamps into intervals and signs main tree heads"};
  app.add_flag("--audit", audit,
               "check everything stored in the database instead of running (read-only; exit 0: "
               "all holds, 1: something does not, 2: cannot audit); uses --database-url, "
               "--authority and --retention-hours");
  app.add_option("--rotate-key", rotate_key,
                 "rotate the signing key to this PEM key (docs/keys.md): installs it as the next "
                 "key beside --key and waits until the running worker has signed its first head "
                 "with it and the transition statement (exit 0: rotated, 1: refused, 3: no worker "
                 "took it in time)");
  app.add_option("--rotate-wait", rotate_wait, "seconds --rotate-key waits for the worker")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  auto* revoke = app.add_option("--revoke-key", revoke_key,
                                "record, signed by the active key (--key), that heads after "
                                "--after signed by this retired key id are not to be trusted");
  app.add_option("--after", revoke_after, "the last interval the revoked key is trusted for")
      ->needs(revoke);
  app.add_option("--database-url", config.database_url, "PostgreSQL URL")
      ->envname("DATABASE_URL")
      ->required();
  app.add_option("--redis-url", config.redis_url, "Redis URL")
      ->envname("REDIS_URL")
      ->capture_default_str();
  app.add_option("--authority", config.authority, "public name of this deployment")
      ->envname("INK_AUTHORITY")
      ->capture_default_str();
  app.add_option("--interval", config.interval_seconds, "seconds between intervals (0.2 to 60)")
      ->envname("INK_INTERVAL")
      ->check(CLI::Range(0.2, 60.0))
      ->capture_default_str();
  app.add_option("--retention-hours", config.retention_hours,
                 "hours ts proof records are kept (0: for ever)")
      ->envname("INK_RETENTION_HOURS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--lease", config.lease_seconds,
                 "seconds without a heartbeat after which a standby fences the active worker "
                 "(default: 30, or three intervals if longer; at least three intervals)")
      ->envname("INK_WORKER_LEASE")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--key", config.key_path, "Ed25519 signing key (PEM), generated if absent")
      ->envname("INK_KEY_PATH")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical")
      ->envname("INK_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", log_format, "text (for people) or json (one object per line)")
      ->envname("INK_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--metrics-listen", config.metrics_listen,
                 "loopback host:port of the worker's /metrics (empty: none)")
      ->envname("INK_WORKER_METRICS_LISTEN")
      ->capture_default_str();
  app.add_option("--clock-policy", config.clock_policy,
                 "warn: log a clock that is off; enforce: also close no interval meanwhile")
      ->envname("INK_CLOCK_POLICY")
      ->check(CLI::IsMember({"warn", "enforce"}))
      ->capture_default_str();
  app.add_option("--max-clock-error", config.max_clock_error_seconds,
                 "seconds of clock error tolerated (kernel maxerror, chrony and database offsets)")
      ->envname("INK_MAX_CLOCK_ERROR")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (audit) {
    ink::audit::AuditConfig audit_config;
    audit_config.database_url = config.database_url;
    audit_config.authority = config.authority;
    audit_config.retention_hours = config.retention_hours;
    return ink::audit::run_audit(audit_config, std::cout);
  }

  if (!rotate_key.empty())
    return ink::worker::rotate_key_command(config, rotate_key, rotate_wait, std::cout, std::cerr);
  if (!revoke_key.empty()) {
    if (app.count("--after") == 0) {
      std::cerr << "ink-worker --revoke-key needs --after INDEX\n";
      return 1;
    }
    return ink::worker::revoke_key_command(config, revoke_key, revoke_after, std::cout, std::cerr);
  }

  ink::ops::configure_logging("ink-worker", log_level, log_format);

  ink::worker::LoadedKey loaded;
  try {
    loaded = ink::worker::load_or_create_key(config.key_path);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  if (loaded.created)
    spdlog::warn("generated a new signing key: {} key id {}", config.key_path, loaded.key.key_id());
  spdlog::info("signing key {} from {}", loaded.key.key_id(), config.key_path);
  spdlog::info("authority {}, interval {} s, retention {} h, clock policy {} (bound {} s)",
               config.authority, config.interval_seconds, config.retention_hours,
               config.clock_policy, config.max_clock_error_seconds);

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  try {
    ink::worker::Worker worker(config, loaded.key);
    return worker.run(g_stop);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
