#include "pubsub/subscriber.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <stdexcept>

namespace ink::pubsub {

RedisAddress parse_redis_url(const std::string& url) {
  RedisAddress a;
  std::string rest = url;
  const std::string scheme = "redis://";
  if (rest.rfind(scheme, 0) != 0) throw std::invalid_argument("REDIS_URL must start with redis://");
  rest = rest.substr(scheme.size());
  auto at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string auth = rest.substr(0, at);
    auto colon = auth.find(':');
    a.password = colon == std::string::npos ? auth : auth.substr(colon + 1);
    rest = rest.substr(at + 1);
  }
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    if (!db.empty()) a.db = std::stoi(db);
    rest = rest.substr(0, slash);
  }
  std::string host = rest;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) throw std::invalid_argument("bad IPv6 host in REDIS_URL");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':')
      a.port = std::stoi(rest.substr(close + 2));
  } else {
    auto colon = rest.rfind(':');
    if (colon != std::string::npos) {
      host = rest.substr(0, colon);
      a.port = std::stoi(rest.substr(colon + 1));
    }
  }
  if (!host.empty()) a.host = host;
  if (a.port <= 0 || a.port > 65535) throw std::invalid_argument("bad port in REDIS_URL");
  return a;
}

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
    timeval connect_timeout{2, 0};
    redisContext* c =
        redisConnectWithTimeout(address_.host.c_str(), address_.port, connect_timeout);
    bool subscribed = false;
    if (c && !c->err) {
      {
        std::lock_guard lock(fd_mutex_);
        fd_ = c->fd;
      }
      bool ok = true;
      if (!address_.password.empty()) {
        auto* r = static_cast<redisReply*>(redisCommand(c, "AUTH %s", address_.password.c_str()));
        ok = r && r->type != REDIS_REPLY_ERROR;
        if (r) freeReplyObject(r);
      }
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
    if (c) redisFree(c);
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
