#include "pubsub/subscriber.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <stdexcept>

namespace ink::pubsub {

Subscriber::Subscriber(RedisAddress address, std::string channel, MessageHandler on_message,
                       StateHandler on_state)
    : address_(std::move(address)),
      channel_(std::move(channel)),
      on_message_(std::move(on_message)),
      on_state_(std::move(on_state)) {}

Subscriber::~Subscriber() { stop(); }

void Subscriber::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Subscriber::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(fd_mutex_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  if (thread_.joinable()) thread_.join();
}

void Subscriber::run() {
  auto backoff = std::chrono::milliseconds(100);
  while (!stopping_) {
    RedisContext ctx;
    std::string problem;
    try {
      // No command timeout: the subscription waits for messages for ever,
      // and stop() shuts the socket down to end the wait.
      ctx = redis_connect(address_, std::chrono::seconds(2), std::chrono::milliseconds(0));
    } catch (const RedisError& e) {
      problem = e.what();
    }
    redisContext* c = ctx.get();
    bool subscribed = false;
    if (c) {
      {
        std::lock_guard lock(fd_mutex_);
        fd_ = c->fd;
      }
      bool ok = true;
      if (ok && !stopping_) {
        auto* r = static_cast<redisReply*>(
            redisCommand(c, "SUBSCRIBE %b", channel_.data(), channel_.size()));
        ok = r && r->type == REDIS_REPLY_ARRAY;
        if (r) freeReplyObject(r);
      }
      if (ok && !stopping_) {
        subscribed = true;
        connected_ = true;
        backoff = std::chrono::milliseconds(100);
        if (on_state_) on_state_(true);
        // Blocking reads: no timeout is set, stop() shuts the socket down instead.
        while (!stopping_) {
          void* reply = nullptr;
          if (redisGetReply(c, &reply) != REDIS_OK || !reply) break;
          auto* r = static_cast<redisReply*>(reply);
          if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
              r->element[0]->type == REDIS_REPLY_STRING &&
              std::string(r->element[0]->str, r->element[0]->len) == "message" &&
              r->element[2]->type == REDIS_REPLY_STRING) {
            std::string message(r->element[2]->str, r->element[2]->len);
            freeReplyObject(r);
            on_message_(message);
          } else {
            freeReplyObject(r);
          }
        }
      }
    }
    {
      std::lock_guard lock(fd_mutex_);
      fd_ = -1;
    }
    ctx.reset();
    if (!problem.empty() && problem != last_problem_)
      spdlog::warn("Redis subscription: {}", problem);
    last_problem_ = problem;
    if (subscribed) {
      connected_ = false;
      if (on_state_) on_state_(false);
    }
    if (stopping_) break;
    // Back off (100 ms doubling to 5 s), in small steps so stop() is quick.
    auto until = std::chrono::steady_clock::now() + backoff;
    while (!stopping_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace ink::pubsub
