#include "ops/clock_guard.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <stdexcept>

#include "store/pg.h"

namespace ink::ops {

using Steady = std::chrono::steady_clock;

ClockPolicy ClockPolicy::parse(const std::string& mode, double max_error_seconds) {
  ClockPolicy p;
  if (mode == "enforce")
    p.enforce = true;
  else if (mode != "warn")
    throw std::invalid_argument("INK_CLOCK_POLICY must be warn or enforce, not '" + mode + "'");
  if (!(max_error_seconds > 0) || !std::isfinite(max_error_seconds))
    throw std::invalid_argument("INK_MAX_CLOCK_ERROR must be a positive number of seconds");
  p.max_error_seconds = max_error_seconds;
  return p;
}

std::string clock_problem(const ClockState& local, const std::optional<DatabaseClockReading>& db,
                          double max_error_seconds) {
  auto secs = [](double s) { return fmt::format("{:.6g} s", s); };
  if (!local.readable) return "cannot read this host's clock state (" + local.problem + ")";
  if (!local.synchronized)
    return "this host's clock is not synchronised (" + local.source +
           " reports it unsynchronised): run chrony, see docs/operations.md";
  if (local.max_error_seconds > max_error_seconds)
    return "this host's clock may be off by up to " + secs(local.max_error_seconds) +
           " (kernel maxerror), above the bound of " + secs(max_error_seconds);
  if (local.offset_seconds && std::abs(*local.offset_seconds) > max_error_seconds)
    return "chrony measures this host's clock " + secs(*local.offset_seconds) +
           " off, above the bound of " + secs(max_error_seconds);
  if (db && std::abs(db->offset_seconds) - db->uncertainty_seconds > max_error_seconds)
    return "the database server's clock is " + secs(db->offset_seconds) +
           " from this host's, above the bound of " + secs(max_error_seconds);
  return "";
}

DatabaseClockReading database_clock_reading(int64_t before_us, int64_t db_us, int64_t after_us) {
  DatabaseClockReading r;
  double middle = (static_cast<double>(before_us) + static_cast<double>(after_us)) / 2;
  r.offset_seconds = (static_cast<double>(db_us) - middle) / 1e6;
  r.uncertainty_seconds = std::abs(static_cast<double>(after_us - before_us)) / 2e6;
  return r;
}

std::function<std::optional<DatabaseClockReading>()> database_clock_probe(std::string url) {
  auto conn = std::make_shared<store::sync::PgConnection>();
  return [url, conn]() -> std::optional<DatabaseClockReading> {
    auto now_us = [] {
      return std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    try {
      if (!conn->usable()) *conn = store::sync::PgConnection::connect(url, "ink-clock-probe");
      // Twice: the first round trip may pay for planning or a cold connection.
      std::optional<DatabaseClockReading> best;
      for (int i = 0; i < 2; ++i) {
        int64_t before = now_us();
        auto r = conn->exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::int8");
        int64_t after = now_us();
        auto reading = database_clock_reading(before, r.int64(0, 0), after);
        if (!best || reading.uncertainty_seconds < best->uncertainty_seconds) best = reading;
      }
      return best;
    } catch (const std::exception&) {
      *conn = store::sync::PgConnection();
      return std::nullopt;
    }
  };
}

ClockGuard::ClockGuard(ClockPolicy policy, ClockStateSource source, DatabaseProbe database_probe,
                       std::string program)
    : policy_(policy),
      source_(std::move(source)),
      database_probe_(std::move(database_probe)),
      program_(std::move(program)) {}

ClockGuard::~ClockGuard() { stop(); }

void ClockGuard::refresh(bool with_database) {
  ClockState local = source_();
  std::optional<DatabaseClockReading> database;
  bool ask_database = false;
  {
    std::lock_guard lock(mutex_);
    database = current_.database;
    ask_database = with_database && database_probe_ && Steady::now() >= database_due_;
    if (ask_database) database_due_ = Steady::now() + std::chrono::seconds(5);
  }
  if (ask_database) database = database_probe_();
  std::string problem = clock_problem(local, database, policy_.max_error_seconds);

  std::lock_guard lock(mutex_);
  bool changed = first_ || problem != current_.problem;
  bool was_ok = !first_ && current_.problem.empty();
  current_ = Snapshot{std::move(local), database, problem};
  refusing_ = policy_.enforce && !problem.empty();
  if (changed) {
    if (!problem.empty() && policy_.enforce)
      spdlog::critical(
          "clock: {}; {} refuses to date new timestamps until it holds (policy enforce)", problem,
          program_);
    else if (!problem.empty())
      spdlog::warn("clock: {} (INK_CLOCK_POLICY=warn: dating timestamps anyway)", problem);
    else if (!first_ && !was_ok)
      spdlog::warn("clock: within the bound of {} s again{}", policy_.max_error_seconds,
                   policy_.enforce ? "; dating timestamps again" : "");
  }
  first_ = false;
}

void ClockGuard::start(std::chrono::milliseconds period) {
  // This host's state before anything is dated; the database's on the thread.
  refresh(false);
  thread_ = std::thread([this, period] {
    std::unique_lock lock(thread_mutex_);
    do {
      lock.unlock();
      try {
        refresh();
      } catch (const std::exception& e) {
        spdlog::error("clock: reading the clock state failed: {}", e.what());
      }
      lock.lock();
    } while (!wake_.wait_for(lock, period, [this] { return stopping_; }));
  });
}

void ClockGuard::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> ClockGuard::refusal() const {
  if (!refusing_) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (current_.problem.empty()) return std::nullopt;
  return current_.problem;
}

std::string ClockGuard::problem() const {
  std::lock_guard lock(mutex_);
  return current_.problem;
}

ClockGuard::Snapshot ClockGuard::snapshot() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace ink::ops
