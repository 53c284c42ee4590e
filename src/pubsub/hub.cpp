#include "pubsub/hub.h"

namespace ink::pubsub {

void Hub::join(const std::shared_ptr<HubMember>& member) {
  std::lock_guard lock(mutex_);
  members_[member.get()] = member;
}

void Hub::leave(const HubMember* member) {
  std::lock_guard lock(mutex_);
  members_.erase(member);
}

std::vector<std::shared_ptr<HubMember>> Hub::snapshot() const {
  std::vector<std::shared_ptr<HubMember>> out;
  std::lock_guard lock(mutex_);
  out.reserve(members_.size());
  for (auto& [_, weak] : members_)
    if (auto m = weak.lock()) out.push_back(std::move(m));
  return out;
}

void Hub::broadcast(std::shared_ptr<const std::string> message) {
  for (auto& m : snapshot()) m->deliver(message);
}

void Hub::close_all() {
  for (auto& m : snapshot()) m->close();
}

size_t Hub::size() const {
  std::lock_guard lock(mutex_);
  return members_.size();
}

}  // namespace ink::pubsub
