#pragma once
// A one-shot wake-up for a coroutine, fired from any thread. The timer lives
// on the waiting coroutine's executor (a strand), so fire() posts its cancel
// there and the wake-up can never slip between the check and the wait.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace ink::server {

namespace asio = boost::asio;

class Notify : public std::enable_shared_from_this<Notify> {
 public:
  explicit Notify(asio::any_io_executor executor) : timer_(std::move(executor)) {}

  // True when fired, false when the deadline passed first.
  asio::awaitable<bool> wait_until(asio::steady_timer::time_point deadline) {
    if (fired_) co_return true;
    timer_.expires_at(deadline);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return fired_.load();
  }
  asio::awaitable<void> wait() {
    for (;;) {  // (no co_await in a loop condition: GCC 12 miscompiles it)
      bool fired = co_await wait_until(asio::steady_timer::time_point::max());
      if (fired) co_return;
    }
  }
  void fire() {
    if (fired_.exchange(true)) return;
    asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
  }
  bool fired() const { return fired_; }

 private:
  asio::steady_timer timer_;
  std::atomic<bool> fired_{false};
};

}  // namespace ink::server
