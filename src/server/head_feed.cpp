#include "server/head_feed.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/parse.h"

namespace ink::server {

using asio::awaitable;

namespace {
constexpr uint64_t kMaxCatchUp = 256;   // heads fetched per step when far behind
constexpr size_t kIdsPerQuery = 10000;  // waiter ids per ts_leaf query

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

HeadFeed::HeadFeed(asio::io_context& io, store::ReadStore& store, ProofService& proofs,
                   pubsub::Hub& hub, std::chrono::milliseconds poll_every)
    : io_(io),
      strand_(asio::make_strand(io)),
      store_(store),
      proofs_(proofs),
      hub_(hub),
      poll_every_(poll_every),
      poll_timer_(strand_) {}

void HeadFeed::start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->poll_loop(); }, asio::detached);
}

void HeadFeed::stop() {
  std::multimap<int64_t, std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    waiters.swap(waiters_);
  }
  asio::post(strand_, [self = shared_from_this()] { self->poll_timer_.cancel(); });
  for (auto& [_, w] : waiters) w->done->fire();
}

std::shared_ptr<const HeadEntry> HeadFeed::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::optional<int64_t> HeadFeed::first_clock() const {
  std::lock_guard lock(mutex_);
  return first_clock_;
}

size_t HeadFeed::waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

void HeadFeed::on_message(const std::string& head_json) {
  auto parsed = core::Json::parse(head_json, nullptr, false);
  if (parsed.is_discarded()) {
    spdlog::warn("ignoring a malformed message on mth-live");
    return;
  }
  auto head = core::head_from_json(parsed);
  if (!head.ok()) {
    spdlog::warn("ignoring a malformed head on mth-live: {}", head.error().message);
    return;
  }
  request(head->interval.index);
}

void HeadFeed::request(uint64_t idx) {
  store_.routing().heard_of(idx);  // before any read of it: a lagging standby is skipped
  {
    std::lock_guard lock(mutex_);
    if (target_ && *target_ >= idx) return;
    target_ = idx;
  }
  kick();
}

void HeadFeed::kick() {
  {
    std::lock_guard lock(mutex_);
    if (advancing_ || stopped_) return;
    advancing_ = true;
  }
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->advance_loop(); }, asio::detached);
}

awaitable<std::optional<FoundProof>> HeadFeed::wait_for_proof(
    std::string id, int64_t ts_us, std::chrono::steady_clock::time_point deadline) {
  auto waiter = std::make_shared<Waiter>();
  waiter->id = std::move(id);
  waiter->ts_us = ts_us;
  waiter->done = std::make_shared<Notify>(co_await asio::this_coro::executor);
  add_waiter(waiter);
  bool fired = co_await waiter->done->wait_until(deadline);
  if (!fired) {
    remove_waiter(waiter);
    ++outcomes_.timed_out;
  } else if (waiter->proof) {
    ++outcomes_.proven;
    co_return std::move(waiter->proof);
  } else {
    ++outcomes_.stopped;
  }
  co_return std::nullopt;
}

void HeadFeed::add_waiter(const std::shared_ptr<Waiter>& waiter) {
  bool covered = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      waiter->done->fire();
      return;
    }
    waiters_.emplace(waiter->ts_us, waiter);
    if (latest_ && latest_->row.ts_us >= waiter->ts_us) {
      resolve_pending_ = true;
      covered = true;
    }
  }
  if (covered) kick();
}

void HeadFeed::remove_waiter(const std::shared_ptr<Waiter>& waiter) {
  std::lock_guard lock(mutex_);
  auto [begin, end] = waiters_.equal_range(waiter->ts_us);
  for (auto it = begin; it != end; ++it)
    if (it->second == waiter) {
      waiters_.erase(it);
      return;
    }
}

awaitable<void> HeadFeed::advance_loop() {
  for (;;) {
    uint64_t want = 0;
    bool have_target = false, resolve_now = false;
    std::optional<uint64_t> last;
    {
      std::lock_guard lock(mutex_);
      if (latest_) last = latest_->row.index;
      have_target = target_ && (!last || *target_ > *last);
      if (have_target) want = *target_;
      resolve_now = resolve_pending_;
      resolve_pending_ = false;
      if (stopped_ || (!have_target && !resolve_now)) {
        advancing_ = false;
        co_return;
      }
    }
    bool failed = false;
    try {
      if (have_target) {
        uint64_t first = last ? *last + 1 : want;
        if (want - first >= kMaxCatchUp) first = want - kMaxCatchUp + 1;
        auto rows = co_await store_.intervals(first, want);
        db_ok_ = true;
        uint64_t want_size = 0;
        for (auto& row : rows) {
          auto entry = proofs_.remember(std::move(row));
          want_size = entry->row.index + 1;
          {
            std::lock_guard lock(mutex_);
            if (entry->row.index == 0) first_clock_ = entry->row.ts_us;
            latest_ = entry;
          }
          hub_.broadcast(entry->json);
        }
        if (!rows.empty()) {
          // The main tree's upper levels follow the heads, off this strand:
          // their first load must not hold up the heads.
          asio::co_spawn(
              io_,
              [self = shared_from_this(), size = want_size] {
                return self->proofs_.grow_main_tree(size);
              },
              asio::detached);
        }
        if (rows.empty() || rows.back().index != want) {
          // Announced but not visible yet (or gone): try again at the next poll.
          std::lock_guard lock(mutex_);
          target_ = latest_ ? std::optional<uint64_t>(latest_->row.index) : std::nullopt;
        }
      }
      std::shared_ptr<const HeadEntry> newest = latest();
      if (newest) {
        int64_t upto = newest->row.ts_us;
        // The waiters' proofs from the standby, if it replays this head
        // within a moment; from the primary otherwise.
        co_await store_.routing().settle(newest->row.index, std::chrono::milliseconds(50));
        co_await resolve(upto);
      }
    } catch (const std::exception& e) {
      db_ok_ = false;
      spdlog::warn("head feed: {}", e.what());
      failed = true;
    }
    if (failed) {
      // Retry after a short pause, so a database outage does not spin.
      asio::steady_timer pause(strand_, std::chrono::milliseconds(500));
      boost::system::error_code ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      std::lock_guard lock(mutex_);
      resolve_pending_ = true;
    }
  }
}

awaitable<void> HeadFeed::resolve(int64_t upto_ts_us) {
  std::vector<std::shared_ptr<Waiter>> covered;
  {
    std::lock_guard lock(mutex_);
    auto end = waiters_.upper_bound(upto_ts_us);
    for (auto it = waiters_.begin(); it != end;) {
      covered.push_back(std::move(it->second));
      it = waiters_.erase(it);
    }
  }
  if (covered.empty()) co_return;
  // Every covered waiter's leaf is read before any is answered: the answers
  // run on the threads that also take the query results, so answering batch
  // by batch would leave each later query waiting behind earlier answers.
  const auto started = std::chrono::steady_clock::now();
  double leaves_ms = 0, proofs_ms = 0;
  std::vector<store::TsRow> rows;
  std::vector<std::optional<FoundProof>> proofs;
  try {
    for (size_t at = 0; at < covered.size(); at += kIdsPerQuery) {
      std::vector<std::string> ids;
      for (size_t i = at; i < std::min(covered.size(), at + kIdsPerQuery); ++i)
        ids.push_back(covered[i]->id);
      auto part = co_await store_.ts_leaves(ids);
      rows.insert(rows.end(), std::make_move_iterator(part.begin()),
                  std::make_move_iterator(part.end()));
    }
    leaves_ms = ms_since(started);
    proofs = co_await proofs_.ts_proofs(rows);
    proofs_ms = ms_since(started);
  } catch (...) {
    std::lock_guard lock(mutex_);
    for (auto& w : covered) waiters_.emplace(w->ts_us, w);
    throw;
  }
  std::unordered_map<std::string_view, size_t> by_id;
  for (size_t i = 0; i < rows.size(); ++i) by_id.emplace(rows[i].id, i);
  std::vector<std::shared_ptr<Waiter>> later;
  for (auto& w : covered) {
    auto it = by_id.find(w->id);
    if (it != by_id.end() && proofs[it->second]) {
      w->proof = proofs[it->second];  // (a copy: two clients may wait for one id)
      w->done->fire();
    } else {
      later.push_back(w);  // not sequenced yet: a later head will have it
    }
  }
  spdlog::debug(
      "head feed: {} waiters covered; leaves read in {:.1f} ms, proofs ready {:.1f} ms, woken "
      "{:.1f} ms",
      covered.size(), leaves_ms, proofs_ms, ms_since(started));
  if (!later.empty()) {
    std::lock_guard lock(mutex_);
    for (auto& w : later) waiters_.emplace(w->ts_us, w);
  }
}

awaitable<void> HeadFeed::poll_loop() {
  auto self = shared_from_this();
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) co_return;
    }
    try {
      auto newest = co_await store_.newest_interval();
      db_ok_ = true;
      if (newest) {
        if (!first_clock()) {
          auto first = co_await proofs_.head(0);
          std::lock_guard lock(mutex_);
          if (first) first_clock_ = first->row.ts_us;
        }
        request(newest->index);
      }
    } catch (const std::exception& e) {
      db_ok_ = false;
      spdlog::warn("head poll: {}", e.what());
    }
    poll_timer_.expires_after(poll_every_);
    boost::system::error_code ec;
    co_await poll_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace ink::server
