// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include "server/backend.h"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "ops/clock_guard.h"
#include "ops/common_metrics.h"
#include "pubsub/hub.h"
#include "pubsub/subscriber.h"
#include "server/api.h"
#include "server/key_routes.h"
#include "server/rfc3161_routes.h"
#include "server/server.h"
#include "server/witness_routes.h"
#include "store/schema.h"

namespace ink::server {

namespace {

// The RFC 3161 TSA when configured (nullopt if not); throws
// rfc3161::TsaConfigError for a half or bad configuration.
std::optional<rfc3161::Tsa> load_tsa(const Config& config) {
  if (config.tsa_cert.empty() && config.tsa_key.empty()) return std::nullopt;
  if (config.tsa_cert.empty() || config.tsa_key.empty())
    throw rfc3161::TsaConfigError("give both INK_TSA_CERT and INK_TSA_KEY, or neither");
  rfc3161::TsaOptions options;
  options.policy = config.tsa_policy;
  options.accuracy_micros = std::llround(config.tsa_accuracy_seconds * 1e6);
  // Enforced, the clock is held to the bound: the tokens say so (0 leaves accuracy out).
  if (config.clock_policy == "enforce" && options.accuracy_micros > 0)
    options.accuracy_micros = std::llround(config.max_clock_error_seconds * 1e6);
  auto tsa = rfc3161::Tsa::load(config.tsa_cert, config.tsa_key, options);
  spdlog::info("RFC 3161 TSA: certificate {} (sha256 {}), policy {}", config.tsa_cert,
               tsa.fingerprint(), tsa.policy());
  return tsa;
}

}  // namespace

int run_backend(const Config& config) {
  // Before waiting for the database: a bad clock policy or TSA setup fails at once.
  std::optional<ops::ClockPolicy> clock_policy;
  try {
    clock_policy = ops::ClockPolicy::parse(config.clock_policy, config.max_clock_error_seconds);
  } catch (const std::invalid_argument& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  std::vector<core::Witness> witnesses;
  if (!config.witnesses_path.empty()) {
    std::ifstream in(config.witnesses_path);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = core::parse_witness_list(text.str());
    if (!in || !parsed.ok()) {
      spdlog::critical("INK_WITNESSES {}: {}", config.witnesses_path,
                       in ? parsed.error().message : "cannot read it");
      return 1;
    }
    witnesses = std::move(*parsed);
    spdlog::info("accepting cosignatures from {} witness(es)", witnesses.size());
  }
  std::optional<rfc3161::Tsa> tsa;
  try {
    tsa = load_tsa(config);
  } catch (const rfc3161::TsaConfigError& e) {
    spdlog::critical("RFC 3161 TSA refused: {}", e.what());
    return 1;
  }
  // Blocking is fine here: nothing is served yet. The worker applies the
  // migrations, so a backend started alongside it waits for them.
  bool schema_ready = store::wait_for_schema(
      config.database_url, std::chrono::seconds(120), [](const std::string& problem, bool fatal) {
        if (fatal)
          spdlog::critical("{}", problem);
        else
          spdlog::warn("waiting for the database: {}", problem);
      });
  if (!schema_ready) return 1;
  unsigned threads =
      config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  // One io_context per thread, each run by that thread alone: the shared
  // parts (pools, head feed, group commit, Redis, listener) on a thread of
  // their own, connections dealt out to the `threads` others. A
  // connection's handlers then never wake another thread (a multi-threaded
  // io_context cost 14% of the CPU in futex and scheduling under load), and
  // the database's answers never queue behind HTTP work: with the group
  // commit on a connection thread, each of its round trips waited for that
  // thread's requests (durable POSTs at 16 connections +28%, docs/performance.md).
  std::vector<std::unique_ptr<asio::io_context>> contexts;  // [0]: the shared parts
  for (unsigned i = 0; i <= threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  asio::io_context& io = *contexts.front();
  std::vector<asio::any_io_executor> session_executors;
  for (size_t i = 1; i < contexts.size(); ++i)
    session_executors.push_back(contexts[i]->get_executor());

  store::PgPool::Options pool_options;
  pool_options.conninfo = config.database_url;
  pool_options.max_size = config.db_connections;
  auto pool = std::make_shared<store::PgPool>(io.get_executor(), pool_options);
  std::shared_ptr<store::PgPool> standby_pool;
  if (!config.database_read_url.empty()) {
    store::PgPool::Options standby_options = pool_options;
    standby_options.conninfo = config.database_read_url;
    // A standby that does not answer is skipped, not waited for.
    standby_options.connect_timeout = std::chrono::milliseconds(1000);
    standby_options.acquire_timeout = std::chrono::milliseconds(1000);
    standby_options.query_timeout = std::chrono::milliseconds(2000);
    standby_pool = std::make_shared<store::PgPool>(io.get_executor(), standby_options);
    spdlog::info("reads from the standby at DATABASE_READ_URL when it has caught up");
  }
  auto routing = std::make_shared<store::ReadRouting>(io.get_executor(), pool, standby_pool,
                                                      store::ReadRouting::Options{});
  store::ReadStore store(routing);
  store::TsWriter writer(pool,
                         std::chrono::milliseconds(int64_t(config.commit_resolve_seconds * 1000)));
  ProofService proofs(store, config.authority, size_t(1) << 18);
  pubsub::Hub hub;
  Metrics metrics;
  auto feed = std::make_shared<HeadFeed>(
      io, store, proofs, hub, std::chrono::milliseconds(int64_t(config.poll_seconds * 1000)));
  auto batcher = std::make_shared<InsertBatcher>(io.get_executor(), writer, config.batch_max,
                                                 config.batches_in_flight, config.insert_queue);
  RateLimiter rate_limiter(config.rate_per_second, config.rate_burst);
  pubsub::Subscriber subscriber(
      pubsub::RedisAddress::parse(config.redis_url), "mth-live",
      [feed](const std::string& message) { feed->on_message(message); },
      [](bool connected) {
        if (connected)
          spdlog::info("subscribed to mth-live");
        else
          spdlog::warn("lost the Redis subscription; reconnecting");
      });
  // The database's clock dates every ts: it is measured against ours too.
  ops::ClockGuard clock(*clock_policy, ops::clock_state_source_from_env(),
                        ops::database_clock_probe(config.database_url), "ink-backend");
  clock.start();
  Api api(Api::Parts{config, store, proofs, *feed, *batcher, rate_limiter, metrics,
                     [&subscriber] { return subscriber.connected(); },
                     [&clock] { return clock.refusal(); }, [&clock] { return clock.problem(); }});
  if (tsa) add_rfc3161_routes(api, *tsa, *batcher);
  store::KeyListingStore key_listing(pool);
  add_key_routes(api, key_listing);
  store::CosignatureStore cosignatures(pool);
  add_witness_metrics(io.get_executor(), witnesses, cosignatures, *feed, metrics,
                      std::chrono::seconds(5));
  add_witness_routes(api, std::move(witnesses), cosignatures, proofs, config.max_body_bytes);
  Server server(io, session_executors, config, api, hub, metrics);

  metrics.add_gauge("ink_waiting_clients", "Requests held by `wait` for their proof.",
                    [feed] { return double(feed->waiting()); });
  metrics.add_gauge("ink_websocket_clients", "Live-feed WebSocket subscribers.",
                    [&hub] { return double(hub.size()); });
  metrics.add_gauge("ink_newest_interval", "Index of the newest head this process has seen.",
                    [feed] {
                      auto h = feed->latest();
                      return h ? double(h->row.index) : -1.0;
                    });
  metrics.add_gauge("ink_db_pool_connections", "Open PostgreSQL connections.",
                    [pool] { return double(pool->stats().size); });
  metrics.add_gauge("ink_db_pool_in_use", "PostgreSQL connections leased.",
                    [pool] { return double(pool->stats().in_use); });
  metrics.add_gauge("ink_db_pool_waiting", "Coroutines waiting for a PostgreSQL connection.",
                    [pool] { return double(pool->stats().waiting); });
  metrics.add_gauge("ink_db_pool_max", "Configured PostgreSQL pool size.",
                    [pool] { return double(pool->stats().max_size); });
  if (routing->has_standby()) {
    auto& counts = routing->counts();
    metrics.add_counter("ink_db_standby_reads_total", "Reads answered by the standby.",
                        [&counts] { return double(counts.standby); });
    metrics.add_counter("ink_db_standby_skipped_behind_total",
                        "Reads sent to the primary: the standby had not replayed the newest head.",
                        [&counts] { return double(counts.behind); });
    metrics.add_counter("ink_db_standby_skipped_down_total",
                        "Reads sent to the primary: the standby was failing.",
                        [&counts] { return double(counts.down); });
    metrics.add_counter("ink_db_standby_incomplete_total",
                        "Standby answers that lacked rows and were asked of the primary again.",
                        [&counts] { return double(counts.incomplete); });
    metrics.add_counter("ink_db_standby_failures_total", "Standby queries and probes that failed.",
                        [&counts] { return double(counts.failures); });
    metrics.add_gauge("ink_db_standby_up", "1 while reads may go to the standby.",
                      [routing] { return routing->standby_up() ? 1.0 : 0.0; });
    metrics.add_gauge("ink_db_standby_interval", "Newest interval the standby has shown.",
                      [routing] { return double(routing->standby_interval()); });
  }
  metrics.add_gauge("ink_insert_queue", "Timestamps queued for the next group commit.",
                    [batcher] { return double(batcher->queued()); });
  metrics.add_gauge("ink_insert_oldest_wait_seconds",
                    "Age of the oldest submission not yet committed (0 when none waits).",
                    [batcher] { return batcher->oldest_wait_seconds(); });
  metrics.add_counter("ink_waits_proven_total",
                      "Held requests answered with the proof a new head brought.",
                      [feed] { return double(feed->wait_outcomes().proven); });
  metrics.add_counter("ink_waits_timed_out_total",
                      "Held requests whose wait ran out before a head covered them.",
                      [feed] { return double(feed->wait_outcomes().timed_out); });
  metrics.add_counter("ink_waits_stopped_total",
                      "Held requests answered early because the backend was stopping.",
                      [feed] { return double(feed->wait_outcomes().stopped); });
  metrics.add_counter("ink_insert_batch_splits_total",
                      "Group commits split to isolate a row whose statement failed.",
                      [batcher] { return double(batcher->splits()); });
  metrics.add_counter("ink_commit_lost_committed_total",
                      "Lost COMMIT answers that the database said had committed (answered 200).",
                      [&writer] { return double(writer.resolutions().committed); });
  metrics.add_counter("ink_commit_lost_rolled_back_total",
                      "Lost COMMIT answers that the database said had rolled back (answered 503).",
                      [&writer] { return double(writer.resolutions().rolled_back); });
  metrics.add_counter("ink_commit_lost_unknown_total",
                      "Lost COMMIT answers whose fate was not learnt in time (outcome_unknown).",
                      [&writer] { return double(writer.resolutions().unknown); });
  metrics.add_gauge("ink_cached_main_tree_nodes", "Main-tree nodes held in memory.",
                    [&proofs] { return double(proofs.cached_nodes()); });
  metrics.add_gauge("ink_main_tree_memory_bytes", "Bytes of main-tree levels held in memory.",
                    [&proofs] { return double(proofs.main_tree_bytes()); });
  metrics.add_gauge("ink_redis_subscribed", "1 while the mth-live subscription is up.",
                    [&subscriber] { return subscriber.connected() ? 1.0 : 0.0; });
  auto add_gauge = [&metrics](std::string name, std::string help, std::function<double()> read) {
    metrics.add_gauge(std::move(name), std::move(help), std::move(read));
  };
  ops::add_clock_gauges(add_gauge, clock);
  ops::add_head_gauges(
      add_gauge,
      [feed]() -> std::optional<int64_t> {
        auto h = feed->latest();
        if (!h) return std::nullopt;
        return h->row.ts_us;
      },
      config.interval_seconds);

  try {
    server.start();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  feed->start();
  subscriber.start();
  spdlog::info("ink-backend listening on {} (port {}), {} connection threads, authority {}",
               config.listen, server.port(), threads, config.authority);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain(io);
  auto drain_deadline = std::chrono::steady_clock::now();
  std::function<void(boost::system::error_code)> check_drained;
  check_drained = [&](boost::system::error_code) {
    if (metrics.open_connections.load() == 0) {
      spdlog::info("drained: every connection closed");
      io.stop();
      return;
    }
    if (std::chrono::steady_clock::now() >= drain_deadline) {
      spdlog::warn("drain deadline passed with {} connections open; closing them",
                   metrics.open_connections.load());
      io.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(50));
    drain.async_wait(check_drained);
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping (answering {} waiters, closing {} live subscribers)", sig,
                 feed->waiting(), hub.size());
    server.stop();
    feed->stop();
    drain_deadline = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(int64_t((config.drain_idle_seconds + 5) * 1000));
    drain.expires_after(std::chrono::milliseconds(50));
    drain.async_wait(check_drained);
  });

  // The other contexts run until the first one is done: keep them from
  // returning while they have no connection.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> session_threads;
  for (size_t i = 1; i < contexts.size(); ++i) {
    keep_running.emplace_back(contexts[i]->get_executor());
    session_threads.emplace_back([&context = *contexts[i]] { context.run(); });
  }
  io.run();
  for (size_t i = 1; i < contexts.size(); ++i) contexts[i]->stop();
  for (auto& t : session_threads) t.join();
  subscriber.stop();
  spdlog::info("ink-backend stopped");
  return 0;
}

}  // namespace ink::server
