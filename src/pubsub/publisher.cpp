#include "pubsub/publisher.h"

#include <hiredis/hiredis.h>

#include <sys/time.h>

namespace ink::pubsub {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = ms.count() / 1000;
  tv.tv_usec = (ms.count() % 1000) * 1000;
  return tv;
}

}  // namespace

RedisAddress RedisAddress::parse(const std::string& url) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0)
    throw std::invalid_argument("Redis URL must start with redis://: " + url);
  RedisAddress a;
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      try {
        a.db = std::stoi(db);
      } catch (const std::exception&) {
        throw std::invalid_argument("bad database number in Redis URL: " + url);
      }
    }
  }
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = cred.find(':'); colon != std::string::npos) {
      a.user = cred.substr(0, colon);
      a.password = cred.substr(colon + 1);
    } else {
      a.password = cred;
    }
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    try {
      a.port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      throw std::invalid_argument("bad port in Redis URL: " + url);
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) a.host = rest;
  if (a.port <= 0 || a.port > 65535) throw std::invalid_argument("bad port in Redis URL: " + url);
  return a;
}

HeadPublisher::HeadPublisher(std::string redis_url, std::chrono::milliseconds timeout)
    : address_(RedisAddress::parse(redis_url)), timeout_(timeout) {}

HeadPublisher::~HeadPublisher() { drop(); }

void HeadPublisher::drop() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
}

void HeadPublisher::ensure_connected() {
  if (ctx_) return;
  redisContext* c = redisConnectWithTimeout(address_.host.c_str(), address_.port,
                                            to_timeval(timeout_));
  if (!c || c->err) {
    std::string why = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    throw PublishError("cannot connect to Redis at " + address_.host + ":" +
                       std::to_string(address_.port) + ": " + why);
  }
  redisSetTimeout(c, to_timeval(timeout_));
  ctx_ = c;
  auto command = [this](Reply r, const std::string& what) {
    if (!r || r->type == REDIS_REPLY_ERROR) {
      std::string why = r ? std::string(r->str, r->len) : ctx_->errstr;
      drop();
      throw PublishError("Redis " + what + " failed: " + why);
    }
  };
  if (!address_.password.empty()) {
    if (address_.user.empty())
      command(Reply(static_cast<redisReply*>(
                  redisCommand(ctx_, "AUTH %b", address_.password.data(), address_.password.size()))),
              "AUTH");
    else
      command(Reply(static_cast<redisReply*>(
                  redisCommand(ctx_, "AUTH %b %b", address_.user.data(), address_.user.size(),
                               address_.password.data(), address_.password.size()))),
              "AUTH");
  }
  if (address_.db != 0)
    command(Reply(static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", address_.db))),
            "SELECT");
}

void HeadPublisher::announce(const std::string& head_json, const std::string& recent_json) {
  ensure_connected();
  redisAppendCommand(ctx_, "MULTI");
  redisAppendCommand(ctx_, "PUBLISH %s %b", kLiveChannel, head_json.data(), head_json.size());
  redisAppendCommand(ctx_, "SET %s %b", kRecentKey, recent_json.data(), recent_json.size());
  redisAppendCommand(ctx_, "EXEC");
  std::string failure;
  for (int i = 0; i < 4; ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK) {
      failure = ctx_->errstr[0] ? ctx_->errstr : "connection lost";
      break;
    }
    Reply r(static_cast<redisReply*>(raw));
    if (r->type == REDIS_REPLY_ERROR && failure.empty()) failure.assign(r->str, r->len);
    if (i == 3 && failure.empty() && r->type != REDIS_REPLY_ARRAY)
      failure = "EXEC did not run the transaction";
  }
  if (!failure.empty()) {
    drop();
    throw PublishError("Redis announce failed: " + failure);
  }
}

bool HeadPublisher::ping() {
  try {
    ensure_connected();
  } catch (const PublishError&) {
    return false;
  }
  Reply r(static_cast<redisReply*>(redisCommand(ctx_, "PING")));
  if (!r || r->type == REDIS_REPLY_ERROR) {
    drop();
    return false;
  }
  return true;
}

}  // namespace ink::pubsub
