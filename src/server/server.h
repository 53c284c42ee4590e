#pragma once
// The network side: a TCP listener and one coroutine per connection (HTTP/1.1
// keep-alive sessions, upgraded to WebSocket for the live feed). Each
// connection runs on one single-threaded io_context of the ones given, with a header/body limit, a
// deadline for reading a whole request, and for WebSockets a bounded send queue and ping/pong.
// Beast lives in server.cpp only.

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <vector>

#include "ops/listen.h"
#include "pubsub/hub.h"
#include "server/api.h"

namespace ink::server {

class Server {
 public:
  // The listener runs on `io`; each accepted connection is handed, in turn,
  // to one of `session_executors` (each must run on exactly one thread; empty:
  // `io` itself, which must then be single-threaded too).
  Server(asio::io_context& io, std::vector<asio::any_io_executor> session_executors,
         const Config& config, Api& api, pubsub::Hub& hub, Metrics& metrics);
  // Binds and starts accepting; throws std::runtime_error when it cannot bind.
  void start();
  // Stops accepting, closes every WebSocket with a close frame, and makes
  // keep-alive sessions close after their current answer.
  void stop();
  unsigned short port() const { return port_; }
  bool stopping() const { return stopping_; }

  struct Impl;  // server.cpp

 private:
  void listen_unix();

  std::shared_ptr<Impl> impl_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
};

using ops::parse_listen;

}  // namespace ink::server
