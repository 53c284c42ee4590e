#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ink::test {

struct FaultProxy::Impl {
  int listen_fd = -1;
  int port = 0;
  int target_port = 0;
  std::atomic<Mode> mode{Mode::kPass};
  std::atomic<Mode> after_cut{Mode::kPass};
  std::atomic<int> cuts{0};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::vector<std::thread> threads;

  // Claims the one cut of the current mode; false when another took it.
  bool claim(Mode expected) {
    Mode m = expected;
    if (!mode.compare_exchange_strong(m, after_cut.load())) return false;
    ++cuts;
    return true;
  }

  void pump(int client) {
    int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(target_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (mode == Mode::kRefuse ||
        ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(server);
      ::close(client);
      return;
    }
    bool awaiting_commit_answer = false;
    char buf[65536];
    while (!stopping && mode != Mode::kRefuse) {
      pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(fds, 2, 100) < 0) break;
      bool done = false;
      for (int side = 0; side < 2 && !done; ++side) {
        if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        int from = side == 0 ? client : server, to = side == 0 ? server : client;
        ssize_t n = ::recv(from, buf, sizeof buf, 0);
        if (n <= 0) {
          done = true;
          break;
        }
        if (side == 0) {
          bool has_commit =
              std::string_view(buf, size_t(n)).find("COMMIT") != std::string_view::npos;
          if (has_commit && mode == Mode::kCutBeforeCommit && claim(Mode::kCutBeforeCommit)) {
            done = true;  // the server never sees the COMMIT
            break;
          }
          if (has_commit && mode == Mode::kCutAfterCommit && claim(Mode::kCutAfterCommit))
            awaiting_commit_answer = true;
        } else if (awaiting_commit_answer) {
          done = true;  // the server answered the COMMIT: the answer is lost
          break;
        }
        if (::send(to, buf, size_t(n), MSG_NOSIGNAL) != n) done = true;
      }
      if (done) break;
    }
    ::close(server);
    ::close(client);
  }
};

FaultProxy::FaultProxy(int target_port) : impl_(std::make_shared<Impl>()) {
  impl_->target_port = target_port;
  impl_->listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(impl_->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(impl_->listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(impl_->listen_fd, 64) != 0)
    throw std::runtime_error("fault proxy: cannot listen");
  socklen_t len = sizeof a;
  ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&a), &len);
  impl_->port = ntohs(a.sin_port);
  std::lock_guard lock(impl_->mutex);
  impl_->threads.emplace_back([impl = impl_] {
    while (!impl->stopping) {
      pollfd p{impl->listen_fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int client = ::accept(impl->listen_fd, nullptr, nullptr);
      if (client < 0) continue;
      std::lock_guard guard(impl->mutex);
      impl->threads.emplace_back([impl, client] { impl->pump(client); });
    }
  });
}

FaultProxy::~FaultProxy() {
  impl_->stopping = true;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mutex);
    threads.swap(impl_->threads);
  }
  for (auto& t : threads) t.join();
  // The accept thread may have started more pumps before it saw `stopping`.
  std::lock_guard lock(impl_->mutex);
  for (auto& t : impl_->threads) t.join();
  ::close(impl_->listen_fd);
}

int FaultProxy::port() const { return impl_->port; }
void FaultProxy::set_mode(Mode mode, Mode after_cut) {
  impl_->after_cut = after_cut;
  impl_->mode = mode;
}
int FaultProxy::cuts() const { return impl_->cuts; }

std::string with_port(const std::string& url, int port) {
  auto at = url.find('@');
  auto colon = url.find(':', at == std::string::npos ? url.find("//") + 2 : at);
  auto slash = url.find('/', colon);
  if (colon == std::string::npos || slash == std::string::npos)
    throw std::invalid_argument("cannot set the port of " + url);
  return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

}  // namespace ink::test
