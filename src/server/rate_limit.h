#pragma once
// Per-client token buckets for POST /ts/: `rate` tokens per second, at most
// `burst` saved up. Idle buckets are forgotten. Thread safe. rate <= 0: off.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ink::server {

class RateLimiter {
 public:
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst < 1 ? 1 : burst) {}
  // True when the client may go ahead (and a token is taken).
  bool allow(const std::string& client);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double rate_, burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::chrono::steady_clock::time_point last_sweep_ = std::chrono::steady_clock::now();
};

}  // namespace ink::server
