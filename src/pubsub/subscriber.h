#pragma once
// One Redis subscription per process: a dedicated thread holds a blocking
// SUBSCRIBE connection to a channel (hiredis) and hands every message to a
// callback, reconnecting with back-off when Redis goes away. The callback
// runs on the subscriber's thread: it should only post work elsewhere.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "pubsub/redis.h"

namespace ink::pubsub {

class Subscriber {
 public:
  using MessageHandler = std::function<void(const std::string& message)>;
  // Called with true after each (re)subscription, false after each loss.
  using StateHandler = std::function<void(bool connected)>;

  Subscriber(RedisAddress address, std::string channel, MessageHandler on_message,
             StateHandler on_state = {});
  ~Subscriber();  // stop()
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  void start();
  void stop();  // wakes the thread out of its blocking read and joins it
  bool connected() const { return connected_; }

 private:
  void run();

  RedisAddress address_;
  std::string channel_;
  MessageHandler on_message_;
  StateHandler on_state_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::mutex fd_mutex_;
  int fd_ = -1;
  std::string last_problem_;  // said once, not every retry  // the live connection's socket, to
                              // shut down from stop()
  std::thread thread_;
};

}  // namespace ink::pubsub
