#pragma once
// A loopback HTTP endpoint answering GET /metrics, on a thread of its own,
// for processes that serve nothing else (the worker).

#include <functional>
#include <memory>
#include <string>

namespace ink::ops {

class MetricsEndpoint {
 public:
  // Listens on `listen` ("127.0.0.1:9464"; port 0 picks one) at once; throws
  // std::runtime_error if it cannot.
  MetricsEndpoint(const std::string& listen, std::function<std::string()> render);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;
  unsigned short port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ink::ops
