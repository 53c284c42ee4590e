#pragma once
// Per-client token buckets for POST /ts/: `rate` tokens per second, at most
// `burst` saved up. Idle buckets are forgotten. Thread safe. rate <= 0: off.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace ink::server {

class RateLimiter {
 public:
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst < 1 ? 1 : burst) {}
  using Clock = std::chrono::steady_clock;
  // True when the client may go ahead (and a token is taken).
  bool allow(const std::string& client) { return allow(client, Clock::now()); }
  // The same at a given time (tests); times must not go backwards.
  bool allow(const std::string& client, Clock::time_point now);
  // Clients with a bucket (full buckets are forgotten every 10 s).
  size_t tracked() const;

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double rate_, burst_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::optional<Clock::time_point> last_sweep_;
};

}  // namespace ink::server
