#include "server/rate_limit.h"

#include <algorithm>

namespace ink::server {

size_t RateLimiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

bool RateLimiter::allow(const std::string& client, Clock::time_point now) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mutex_);
  if (!last_sweep_) last_sweep_ = now;
  // A full bucket carries no information: drop those now and then.
  if (now - *last_sweep_ > std::chrono::seconds(10)) {
    last_sweep_ = now;
    std::erase_if(buckets_, [&](auto& kv) {
      double refill = std::chrono::duration<double>(now - kv.second.at).count() * rate_;
      return kv.second.tokens + refill >= burst_;
    });
  }
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
  auto& b = it->second;
  if (!fresh) {
    b.tokens =
        std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.at).count() * rate_);
    b.at = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace ink::server
