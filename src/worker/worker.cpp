#include "worker/worker.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "core/json_write.h"
#include "core/protocol.h"
#include "ops/common_metrics.h"
#include "store/key_store.h"
#include "store/schema.h"
#include "store/worker_lease.h"
#include "worker/key_rotation.h"

namespace ink::worker {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kRecentHeads = 10;
constexpr int kBacklogBatch = 1000;
constexpr int kRetentionBatch = 10000;
constexpr int kRetentionLevelBatch = 16;

std::string recent_array(const std::deque<std::string>& heads) {
  std::string out = "[";
  for (size_t i = 0; i < heads.size(); ++i) {
    if (i) out += ',';
    out += heads[i];
  }
  return out + "]";
}

}  // namespace

std::string head_json(const store::IntervalRow& row, const std::string& authority) {
  return core::to_wire_json(core::to_json(store::to_signed_head(row, authority))).dump();
}

double default_lease_seconds(double interval_seconds) {
  return std::max(30.0, 3 * interval_seconds);
}

double min_lease_seconds(double interval_seconds) { return 3 * interval_seconds; }

namespace {

std::string this_host_and_pid() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown");
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

Worker::Worker(WorkerConfig config, core::SigningKey key, CrashHook crash_hook)
    : config_(std::move(config)),
      key_(std::move(key)),
      crash_hook_(std::move(crash_hook)),
      holder_(this_host_and_pid()),
      publisher_(config_.redis_url, milliseconds(500)),
      clock_(ops::ClockPolicy::parse(config_.clock_policy, config_.max_clock_error_seconds),
             ops::clock_state_source_from_env(), ops::database_clock_probe(config_.database_url),
             "ink-worker") {
  double lease = config_.lease_seconds > 0 ? config_.lease_seconds
                                           : default_lease_seconds(config_.interval_seconds);
  if (lease < min_lease_seconds(config_.interval_seconds))
    throw std::invalid_argument("the worker lease (" + std::to_string(lease) +
                                " s) must be at least three intervals");
  lease_us_ = static_cast<int64_t>(lease * 1e6);

  auto add_gauge = [this](std::string name, std::string help, std::function<double()> read) {
    metrics_.registry.add_gauge(std::move(name), std::move(help), std::move(read));
  };
  ops::add_clock_gauges(add_gauge, clock_);
  ops::add_head_gauges(
      add_gauge,
      [this]() -> std::optional<int64_t> {
        auto ts = metrics_.newest_ts_us.load();
        if (ts == WorkerMetrics::kUnknown) return std::nullopt;
        return ts;
      },
      config_.interval_seconds);
  clock_.start();
  if (!config_.metrics_listen.empty()) {
    // Metrics are for the operator: sequencing goes on without them.
    try {
      metrics_endpoint_ = std::make_unique<ops::MetricsEndpoint>(
          config_.metrics_listen, [this] { return metrics_.registry.render(); });
      spdlog::info("metrics on http://{}/metrics", config_.metrics_listen);
    } catch (const std::exception& e) {
      spdlog::error("{}; running without a metrics endpoint", e.what());
    }
  }
}

Worker::~Worker() = default;

void Worker::sleep_until(Clock::time_point t, const std::atomic<bool>& stop) {
  while (!stop && Clock::now() < t)
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(20), t - Clock::now()));
}

void Worker::drop_connection() {
  sequencer_.reset();
  conn_ = store::sync::PgConnection();
}

void Worker::lose_role() {
  drop_connection();
  epoch_.reset();
  metrics_.set_role(false);
  // Closing the lock connection releases the worker lock if it still holds it.
  lock_conn_ = store::sync::PgConnection();
}

void Worker::connect_lock() {
  lock_conn_ = store::sync::PgConnection::connect(config_.database_url, "ink-worker-lock");
  auto applied = store::migrate(lock_conn_.get());
  for (int v : applied) spdlog::info("applied schema migration version {}", v);
  // A claim waits at most this long for the lease row (held by a session
  // that the claim terminates); then it fails and is retried.
  lock_conn_.exec("SET lock_timeout = '10s'");
  // The lease's writes need no WAL flush of their own: a renewal lost in a
  // crash only makes the lease look older, and an interval's commit (flushed)
  // flushes the claim that precedes it in the WAL.
  lock_conn_.exec("SET synchronous_commit = off");
}

bool Worker::ensure_role(const std::atomic<bool>& stop) {
  if (epoch_) return true;
  auto poll =
      milliseconds(static_cast<int64_t>(std::clamp(config_.interval_seconds * 250, 20.0, 250.0)));
  bool told_waiting = false;
  std::optional<int64_t> told_expired;
  while (!stop) {
    if (!lock_conn_.usable()) connect_lock();
    store::WorkerLease lease(lock_conn_);
    std::optional<store::LeaseClaim> claim;
    try {
      claim = lease.try_claim(holder_, lease_us_);
    } catch (const store::StoreError&) {
      lock_conn_ = store::sync::PgConnection();  // it may hold the lock without the lease
      throw;
    }
    if (claim) {
      if (last_epoch_ && claim->previous_epoch != *last_epoch_)
        spdlog::critical(
            "FENCED: ink-worker {} held the lease after this worker's epoch {}; this worker "
            "wrote nothing since",
            claim->previous_holder, *last_epoch_);
      epoch_ = last_epoch_ = claim->epoch;
      renewed_at_ = Clock::now();
      metrics_.set_role(true);
      spdlog::info(
          "acquired the worker lock: this ink-worker ({}) is the active sequencer, lease epoch "
          "{} of {} s (previous holder: {})",
          holder_, claim->epoch, lease_us_ / 1e6,
          claim->previous_holder.empty() ? "none" : claim->previous_holder);
      return true;
    }
    store::LeaseState state = lease.read();
    if (last_epoch_ && state.epoch != *last_epoch_) {
      spdlog::critical(
          "FENCED: ink-worker {} took over (lease epoch {}; this worker's was {}); this worker "
          "wrote nothing since and is now a standby",
          state.holder, state.epoch, *last_epoch_);
      last_epoch_.reset();
    }
    bool fenced_now = false;
    if (state.expired()) {
      if (told_expired != state.epoch)
        spdlog::warn(
            "the lease of ink-worker {} (epoch {}) expired {} ms ago by the database clock: "
            "fencing it",
            state.holder, state.epoch, (state.now_us - state.expires_us) / 1000);
      told_expired = state.epoch;
      if (auto n = lease.fence(state.epoch)) {
        spdlog::warn("terminated {} database session(s) of ink-worker {}", *n, state.holder);
        fenced_now = *n > 0;
      }
    }
    if (!told_waiting)
      spdlog::warn("another ink-worker holds the worker lock; waiting to take over");
    told_waiting = true;
    if (!fenced_now) std::this_thread::sleep_for(poll);
  }
  return false;
}

void Worker::renew_lease() {
  if (!store::WorkerLease(lock_conn_).renew(*epoch_, lease_us_))
    throw store::Fenced("the lease is no longer at this worker's epoch " + std::to_string(*epoch_));
  renewed_at_ = Clock::now();
}

void Worker::heartbeat() {
  // Within an interval: only when a good part of the lease has gone by, so
  // that a small interval costs no extra round trip. A failure propagates
  // out of the interval (rolled back) to run().
  if (Clock::now() - renewed_at_ >= std::chrono::microseconds(lease_us_ / 6)) renew_lease();
}

void Worker::ensure_connection() {
  if (sequencer_) return;
  conn_ = store::sync::PgConnection::connect(config_.database_url, "ink-worker");
  store::check_schema(conn_.get());
  if (!store::WorkerLease(conn_).join(*epoch_))
    throw store::Fenced("the lease moved on before this worker's sequencing connection joined it");
  Fencing fencing{*epoch_, [this] { heartbeat(); }};
  sequencer_ =
      std::make_unique<Sequencer>(conn_, key_, config_.authority, crash_hook_, std::move(fencing));
  if (auto next = read_next_key(config_.key_path)) sequencer_->set_next_key(*next);
  sequencer_->load();
  if (sequencer_->key().public_key() != key_.public_key()) finish_rotation();
  if (auto newest = store::KeyStore(conn_).newest_head_key();
      newest && *newest != key_.public_key()) {
    spdlog::warn(
        "signing with key {} although the newest head is signed by key {}, without a key "
        "transition: monitors and witnesses will report an unknown key; rotate with "
        "ink-worker --rotate-key instead (docs/keys.md)",
        key_.key_id(), core::key_id(*newest));
  }
  const auto& tip = sequencer_->tip();
  if (tip) {
    metrics_.newest_index = static_cast<int64_t>(tip->index);
    metrics_.newest_ts_us = tip->ts_us;
  }
  if (tip)
    spdlog::info("continuing the main tree after interval {} (clock {})", tip->index, tip->ts_us);
  else
    spdlog::info("empty database: the next interval is interval 0");
  store::SequencerStore store(conn_);
  recent_.clear();
  for (const auto& row : store.recent_announced(kRecentHeads))
    recent_.push_back(head_json(row, config_.authority));
  backlog_ = true;
}

bool Worker::announce(const store::IntervalRow& row) {
  if (Clock::now() < redis_retry_at_) return false;
  std::string json = head_json(row, config_.authority);
  std::deque<std::string> recent = recent_;
  recent.push_back(json);
  while (recent.size() > kRecentHeads) recent.pop_front();
  try {
    publisher_.announce(json, recent_array(recent));
  } catch (const pubsub::PublishError& e) {
    metrics_.errors.add("redis");
    spdlog::error("cannot announce head {}: {}; retrying in {} ms", row.index, e.what(),
                  redis_backoff_.count());
    redis_retry_at_ = Clock::now() + redis_backoff_;
    redis_backoff_ = std::min(redis_backoff_ * 2, milliseconds(5000));
    return false;
  }
  if (redis_backoff_ > milliseconds(100)) spdlog::info("Redis reachable again");
  redis_backoff_ = milliseconds(100);
  recent_ = std::move(recent);
  crash_hook_.at("after-publish");
  store::SequencerStore(conn_).mark_announced(row.index);
  return true;
}

void Worker::announce_backlog() {
  store::SequencerStore store(conn_);
  while (true) {
    auto rows = store.unannounced(kBacklogBatch);
    for (const auto& row : rows) {
      if (!announce(row)) return;
      spdlog::info("announced head {} committed earlier", row.index);
    }
    if (rows.size() < static_cast<size_t>(kBacklogBatch)) break;
  }
  backlog_ = false;
}

void Worker::retention(int64_t now_us, Clock::time_point deadline) {
  if (config_.retention_hours <= 0 || Clock::now() < retention_at_) return;
  int64_t cutoff = now_us - static_cast<int64_t>(config_.retention_hours * 3600e6);
  store::SequencerStore store(conn_);
  store::RetentionResult total;
  bool more = true;
  while (more && Clock::now() < deadline) {
    auto r = store.delete_expired(cutoff, kRetentionBatch, kRetentionLevelBatch);
    total.ts_deleted += r.ts_deleted;
    total.levels_deleted += r.levels_deleted;
    more = r.ts_deleted == kRetentionBatch || r.levels_deleted == kRetentionLevelBatch;
  }
  metrics_.retention_deleted.add("ts", double(total.ts_deleted));
  metrics_.retention_deleted.add("levels", double(total.levels_deleted));
  if (total.ts_deleted || total.levels_deleted)
    spdlog::info("retention: deleted {} ts and {} interval tree levels older than {} h",
                 total.ts_deleted, total.levels_deleted, config_.retention_hours);
  // Nothing left: look again in a while rather than every interval.
  if (!more) {
    double wait_s = std::clamp(config_.retention_hours * 360.0, config_.interval_seconds, 10.0);
    retention_at_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(wait_s));
  }
}

bool Worker::clock_allows_interval() {
  auto why = clock_.refusal();
  if (!why) {
    if (clock_refusal_logged_ != Clock::time_point{})
      spdlog::warn("clock holds again: closing intervals again");
    clock_refusal_logged_ = {};
    return true;
  }
  ++metrics_.clock_refusals;
  // Pending ts stay pending: the first interval after the clock holds again takes them.
  if (Clock::now() - clock_refusal_logged_ >= std::chrono::seconds(30)) {
    metrics_.errors.add("clock");
    spdlog::critical("NOT CLOSING INTERVALS: {} (INK_CLOCK_POLICY=enforce)", *why);
    clock_refusal_logged_ = Clock::now();
  }
  return false;
}

void Worker::record_interval(const IntervalOutcome& outcome, double announce_seconds,
                             bool announced) {
  const auto& t = outcome.times;
  metrics_.phases.observe("clock", t.clock / 1000);
  metrics_.phases.observe("fetch", t.fetch / 1000);
  metrics_.phases.observe("leaves", t.leaves / 1000);
  metrics_.phases.observe("build", t.build / 1000);
  metrics_.phases.observe("sign", t.sign / 1000);
  metrics_.phases.observe("commit", t.commit / 1000);
  metrics_.phases.observe("announce", announce_seconds);
  metrics_.phases.observe("total", t.total() / 1000 + announce_seconds);
  ++metrics_.intervals;
  metrics_.timestamps += outcome.row.ts_count;
  metrics_.last_interval_timestamps = static_cast<int64_t>(outcome.row.ts_count);
  metrics_.newest_index = static_cast<int64_t>(outcome.row.index);
  metrics_.newest_ts_us = outcome.row.ts_us;
  if (announced) {
    auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    metrics_.announce_lag_seconds = static_cast<double>(now_us - outcome.row.ts_us) / 1e6;
  }
}

void Worker::take_next_key() {
  try {
    auto next = read_next_key(config_.key_path);
    if (!next || sequencer_->next_key()) return;
    // The key rotated to already, its files not swapped (logged then): the
    // next start swaps them (Sequencer::load decides from the database).
    if (next->public_key() == sequencer_->key().public_key()) return;
    spdlog::warn("next signing key {} found ({}): rotating to it with this interval",
                 next->key_id(), next_key_path(config_.key_path));
    sequencer_->set_next_key(*next);
  } catch (const std::runtime_error& e) {
    spdlog::error("cannot take the next signing key: {}", e.what());
  }
}

void Worker::finish_rotation() {
  const std::string old_id = key_.key_id();
  key_ = sequencer_->key();
  spdlog::warn("KEY ROTATED: key {} retired, key {} signs from now on (docs/keys.md)", old_id,
               key_.key_id());
  try {
    swap_key_files(config_.key_path, old_id);
    spdlog::info("{} is now key {}; the old key is kept as {}", config_.key_path, key_.key_id(),
                 retired_key_path(config_.key_path, old_id));
  } catch (const std::runtime_error& e) {
    spdlog::error("the key files were not swapped ({}); the database decides at the next start",
                  e.what());
  }
}

int Worker::run(const std::atomic<bool>& stop) {
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(config_.interval_seconds));
  milliseconds backoff(100);
  auto next_tick = Clock::now();
  bool clock_behind_logged = false;
  while (!stop) {
    try {
      if (!ensure_role(stop)) break;
      ensure_connection();
      if (backlog_) announce_backlog();
      sleep_until(next_tick, stop);
      if (stop) break;
      auto start = Clock::now();
      next_tick = std::max(next_tick + interval, start);
      renew_lease();  // the heartbeat, once per interval
      // The lease stays renewed while the clock is off: no standby takes over
      // a worker that is right to wait.
      if (!clock_allows_interval()) continue;

      take_next_key();
      IntervalOutcome outcome = sequencer_->run_interval();
      if (outcome.transition) {
        sequencer_->crash_hook().at("rotation-after-commit");
        finish_rotation();
      }
      if (outcome.kind == IntervalOutcome::Kind::kClockBehind) {
        spdlog::critical(
            "CLOCK STEPPED BACKWARDS: the database clock reads {} us, not after the previous "
            "interval's {} us; refusing to sign a head dated before the previous one, waiting",
            outcome.clock_us, outcome.previous_us);
        clock_behind_logged = true;
        continue;
      }
      if (clock_behind_logged) spdlog::warn("clock is past the previous interval again; resuming");
      clock_behind_logged = false;
      backoff = milliseconds(100);

      auto publish_start = Clock::now();
      if (backlog_) {
        announce_backlog();
      } else if (!announce(outcome.row)) {
        backlog_ = true;
      }
      double publish_ms =
          std::chrono::duration<double, std::milli>(Clock::now() - publish_start).count();
      record_interval(outcome, publish_ms / 1000, !backlog_);
      const auto& t = outcome.times;
      spdlog::info(
          "interval={} ts={} clock_ms={:.2f} fetch_ms={:.2f} leaves_ms={:.2f} build_ms={:.2f} "
          "sign_ms={:.2f} commit_ms={:.2f} publish_ms={:.2f} total_ms={:.2f}{}",
          outcome.row.index, outcome.row.ts_count, t.clock, t.fetch, t.leaves, t.build, t.sign,
          t.commit, publish_ms, t.total() + publish_ms, backlog_ ? " announced=no" : "");
      // Retention uses what is left of this interval, at most a quarter of it.
      retention(outcome.clock_us, std::min(next_tick, start + interval / 4));
    } catch (const store::SchemaMismatch& e) {
      spdlog::critical("refusing to run: {}", e.what());
      return 2;
    } catch (const KeyNotActive& e) {
      spdlog::critical("refusing to sign: {}", e.what());
      return 1;
    } catch (const store::Fenced& e) {
      metrics_.errors.add("fenced");
      spdlog::critical("FENCED: {}; this worker wrote nothing since and is now a standby",
                       e.what());
      last_epoch_.reset();  // told already
      lose_role();
    } catch (const store::ChainMoved& e) {
      metrics_.errors.add("chain_moved");
      spdlog::critical("{}; reloading the chain from the database", e.what());
      drop_connection();
    } catch (const store::StoreError& e) {
      metrics_.errors.add("database");
      spdlog::error("PostgreSQL: {}; retrying in {} ms", e.what(), backoff.count());
      drop_connection();
      if (epoch_ && !lock_conn_.usable()) {
        spdlog::error(
            "lost the worker lock connection; sequencing stops until the lock is re-acquired");
        lose_role();
      }
      sleep_until(Clock::now() + backoff, stop);
      backoff = std::min(backoff * 2, milliseconds(5000));
    }
  }
  spdlog::info("ink-worker stopping");
  return 0;
}

}  // namespace ink::worker
