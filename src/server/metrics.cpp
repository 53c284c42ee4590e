#include "server/metrics.h"

#include <cstdio>
#include <sstream>

namespace ink::server {

Metrics::Metrics() = default;

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  registry_.add_gauge(std::move(name), std::move(help), std::move(read));
}

void Metrics::add_counter(std::string name, std::string help, std::function<double()> read) {
  registry_.add_counter(std::move(name), std::move(help), std::move(read));
}

std::string Metrics::render() const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP ink_http_requests_total HTTP requests answered, by route and status.\n"
         "# TYPE ink_http_requests_total counter\n";
  for (auto& [key, n] : requests_)
    out << "ink_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} "
        << n << "\n";
  out << "# HELP ink_http_request_duration_seconds Time from request read to answer written.\n"
         "# TYPE ink_http_request_duration_seconds histogram\n";
  for (auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out << "ink_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
          << kBuckets[i] << "\"} " << h.buckets[i] << "\n";
    out << "ink_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
        << h.count << "\n";
    out << "ink_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n";
    out << "ink_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
  }
  out << "# HELP ink_open_connections Open client connections (HTTP and WebSocket).\n"
         "# TYPE ink_open_connections gauge\nink_open_connections "
      << open_connections.load() << "\n";
  return out.str() + registry_.render();
}

}  // namespace ink::server
