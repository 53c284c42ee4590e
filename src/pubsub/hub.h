#pragma once
// In-process fan-out of live messages to many subscribers (WebSocket
// sessions). broadcast() copies the member list under the lock and delivers
// after releasing it; each member queues the message on its own strand and
// drops itself if it falls too far behind, so no member can delay another.
// Thread safe.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ink::pubsub {

class HubMember {
 public:
  virtual ~HubMember() = default;
  // Must not block: queue and return.
  virtual void deliver(std::shared_ptr<const std::string> message) = 0;
  // Shutdown: say goodbye (e.g. a WebSocket close frame) and end.
  virtual void close() = 0;
};

class Hub {
 public:
  void join(const std::shared_ptr<HubMember>& member);
  void leave(const HubMember* member);
  void broadcast(std::shared_ptr<const std::string> message);
  void close_all();
  size_t size() const;

 private:
  std::vector<std::shared_ptr<HubMember>> snapshot() const;

  mutable std::mutex mutex_;
  std::unordered_map<const HubMember*, std::weak_ptr<HubMember>> members_;
};

}  // namespace ink::pubsub
