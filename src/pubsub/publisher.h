#pragma once
// Synchronous Redis publisher for the worker (hiredis): announces each new
// head on channel `mth-live` and replaces key `recent-mth` in one MULTI/EXEC,
// so a reader never sees the key without the head that was just published.
//
// Thread safety: one thread. Reconnects lazily: after a failure the next
// call connects again.

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "pubsub/redis.h"

namespace ink::pubsub {

inline constexpr const char* kLiveChannel = "mth-live";
inline constexpr const char* kRecentKey = "recent-mth";

class PublishError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HeadPublisher {
 public:
  explicit HeadPublisher(std::string redis_url,
                         std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~HeadPublisher();
  HeadPublisher(const HeadPublisher&) = delete;
  HeadPublisher& operator=(const HeadPublisher&) = delete;

  // PUBLISH mth-live head_json; SET recent-mth recent_json (a JSON array).
  // Throws PublishError when Redis is unreachable or refuses.
  void announce(const std::string& head_json, const std::string& recent_json);

  // PING; false when Redis is unreachable.
  bool ping();

 private:
  void ensure_connected();
  void drop();

  RedisAddress address_;
  std::chrono::milliseconds timeout_;
  RedisContext ctx_;
};

}  // namespace ink::pubsub
