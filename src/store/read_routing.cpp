#include "store/read_routing.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ink::store {

using asio::awaitable;
using Clock = std::chrono::steady_clock;

namespace {
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}
}  // namespace

ReadRouting::ReadRouting(asio::any_io_executor executor, std::shared_ptr<PgPool> primary,
                         std::shared_ptr<PgPool> standby, Options options)
    : executor_(std::move(executor)),
      primary_(std::move(primary)),
      standby_(std::move(standby)),
      options_(options) {}

void ReadRouting::rest() {
  resting_until_ns_ =
      now_ns() +
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.rest_after_failure).count();
}

bool ReadRouting::standby_up() const { return standby_ && now_ns() >= resting_until_ns_; }

ReadRouting::Choice ReadRouting::choose() {
  if (!standby_) return {*primary_, false};
  if (!standby_up()) {
    ++counts_.down;
    return {*primary_, false};
  }
  if (replayed_ < heard_) {
    ++counts_.behind;
    return {*primary_, false};
  }
  return {*standby_, true};
}

void ReadRouting::heard_of(uint64_t interval) {
  if (!standby_) return;
  int64_t idx = int64_t(interval);
  int64_t seen = heard_;
  while (seen < idx && !heard_.compare_exchange_weak(seen, idx)) {
  }
  if (replayed_ >= idx || probing_.exchange(true)) return;
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->probe_loop(); }, asio::detached);
}

awaitable<void> ReadRouting::settle(uint64_t interval, std::chrono::milliseconds at_most) {
  if (!standby_) co_return;
  heard_of(interval);
  const auto deadline = Clock::now() + at_most;
  asio::steady_timer timer(executor_);
  while (replayed_ < int64_t(interval) && standby_up() && Clock::now() < deadline) {
    timer.expires_after(options_.probe_every);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void ReadRouting::standby_failed(const std::string& why) {
  ++counts_.failures;
  bool was_up = standby_up();
  rest();
  if (was_up) spdlog::warn("reading from the primary for now: the standby failed ({})", why);
  // Once it rests, a probe decides when it is back.
  if (!probing_.exchange(true))
    asio::co_spawn(
        executor_, [self = shared_from_this()] { return self->probe_loop(); }, asio::detached);
}

awaitable<void> ReadRouting::probe_loop() {
  asio::steady_timer timer(executor_);
  for (;;) {
    while (replayed_ < heard_ || !standby_up()) {
      bool ok = false;
      try {
        PgParams none;
        auto r = co_await standby_->query("SELECT coalesce(max(idx), -1) FROM interval", none);
        replayed_ = r.int64(0, 0);
        ok = true;
      } catch (const std::exception& e) {
        ++counts_.failures;
        rest();
        spdlog::debug("standby probe failed: {}", e.what());
      }
      if (ok && !standby_up() && replayed_ >= heard_) {
        resting_until_ns_ = 0;  // answering and caught up: back in use
        spdlog::info("reading from the standby again (it has interval {})", int64_t(replayed_));
      }
      if (replayed_ >= heard_ && standby_up()) break;
      timer.expires_after(ok ? options_.probe_every : options_.rest_after_failure);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    probing_ = false;
    // heard_of may have raised the mark after the test above, and seen the
    // probe still running: look once more.
    if (replayed_ >= heard_ || probing_.exchange(true)) co_return;
  }
}

}  // namespace ink::store
