#include "pubsub/publisher.h"

#include <hiredis/hiredis.h>

namespace ink::pubsub {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

HeadPublisher::HeadPublisher(std::string redis_url, std::chrono::milliseconds timeout)
    : address_(RedisAddress::parse(redis_url)), timeout_(timeout) {}

HeadPublisher::~HeadPublisher() { drop(); }

void HeadPublisher::drop() { ctx_.reset(); }

void HeadPublisher::ensure_connected() {
  if (ctx_) return;
  try {
    ctx_ = redis_connect(address_, timeout_, timeout_);
  } catch (const RedisError& e) {
    throw PublishError(e.what());
  }
}

void HeadPublisher::announce(const std::string& head_json, const std::string& recent_json) {
  ensure_connected();
  redisAppendCommand(ctx_.get(), "MULTI");
  redisAppendCommand(ctx_.get(), "PUBLISH %s %b", kLiveChannel, head_json.data(), head_json.size());
  redisAppendCommand(ctx_.get(), "SET %s %b", kRecentKey, recent_json.data(), recent_json.size());
  redisAppendCommand(ctx_.get(), "EXEC");
  std::string failure;
  for (int i = 0; i < 4; ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK) {
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
  Reply r(static_cast<redisReply*>(redisCommand(ctx_.get(), "PING")));
  if (!r || r->type == REDIS_REPLY_ERROR) {
    drop();
    return false;
  }
  return true;
}

}  // namespace ink::pubsub
