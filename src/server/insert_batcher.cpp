#include "server/insert_batcher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>

namespace ink::server {

InsertBatcher::InsertBatcher(asio::any_io_executor executor, store::TsWriter& writer,
                             size_t batch_max, size_t in_flight, size_t queue_limit)
    : executor_(std::move(executor)),
      writer_(writer),
      batch_max_(batch_max),
      in_flight_max_(in_flight),
      queue_limit_(queue_limit) {}

size_t InsertBatcher::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

double InsertBatcher::oldest_wait_seconds() const {
  std::lock_guard lock(mutex_);
  // Batches are taken from the queue's front, so a row being written arrived
  // before every queued one.
  std::chrono::steady_clock::time_point oldest;
  if (!writing_since_.empty())
    oldest = *writing_since_.begin();
  else if (!queue_.empty())
    oldest = queue_.front()->since;
  else
    return 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - oldest).count();
}

asio::awaitable<InsertBatcher::Inserted> InsertBatcher::insert(store::NewTs ts) {
  auto pending = std::make_shared<Pending>();
  pending->ts = std::move(ts);
  asio::any_io_executor executor = co_await asio::this_coro::executor;
  pending->done = std::make_shared<Notify>(executor);
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= queue_limit_)
      throw Overloaded("too many timestamps waiting to be written");
    queue_.push_back(pending);
    if (in_flight_ < in_flight_max_) {
      ++in_flight_;
      start = true;
    }
  }
  if (start)
    asio::co_spawn(
        asio::make_strand(executor_), [self = shared_from_this()] { return self->flush_loop(); },
        asio::detached);
  co_await pending->done->wait();
  if (pending->error) std::rethrow_exception(pending->error);
  co_return pending->result;
}

asio::awaitable<void> InsertBatcher::flush_loop() {
  for (;;) {
    std::vector<std::shared_ptr<Pending>> batch;
    std::multiset<std::chrono::steady_clock::time_point>::iterator writing;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        --in_flight_;
        co_return;
      }
      while (!queue_.empty() && batch.size() < batch_max_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      writing = writing_since_.insert(batch.front()->since);
    }
    co_await write(batch);
    {
      std::lock_guard lock(mutex_);
      writing_since_.erase(writing);
    }
    for (auto& p : batch) p->done->fire();
  }
}

asio::awaitable<void> InsertBatcher::write(std::span<const std::shared_ptr<Pending>> batch) {
  std::vector<store::NewTs> rows;
  rows.reserve(batch.size());
  for (auto& p : batch) rows.push_back(p->ts);
  bool statement_failed = false;
  try {
    auto inserted = co_await writer_.insert(rows);
    for (size_t i = 0; i < batch.size(); ++i)
      batch[i]->result = Inserted{inserted.ts_us, inserted.hashes[i]};
    co_return;
  } catch (const store::PgQueryError&) {
    if (batch.size() == 1) {
      batch[0]->error = std::current_exception();
      co_return;
    }
    statement_failed = true;  // nothing recorded; find the row that causes it
  } catch (...) {
    auto error = std::current_exception();
    for (auto& p : batch) p->error = error;
    co_return;
  }
  if (statement_failed) {
    ++splits_;
    const size_t half = batch.size() / 2;
    co_await write(batch.subspan(0, half));
    co_await write(batch.subspan(half));
  }
}

}  // namespace ink::server
