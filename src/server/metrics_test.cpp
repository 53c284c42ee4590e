#include "server/metrics.h"

#include <gtest/gtest.h>

namespace ink::server {
namespace {

TEST(Metrics, RequestsCountedByRouteAndStatusWithLatencyBuckets) {
  Metrics m;
  m.observe("ts_create", 200, 0.003);
  m.observe("ts_create", 200, 0.2);
  m.observe("ts_create", 503, 0.001);
  auto text = m.render();
  EXPECT_NE(text.find("# TYPE ink_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("ink_http_requests_total{route=\"ts_create\",status=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("ink_http_requests_total{route=\"ts_create\",status=\"503\"} 1\n"),
            std::string::npos);
  // Cumulative buckets: 0.001 holds one, 0.005 two, 0.25 all three.
  EXPECT_NE(
      text.find("ink_http_request_duration_seconds_bucket{route=\"ts_create\",le=\"0.001\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("ink_http_request_duration_seconds_bucket{route=\"ts_create\",le=\"0.005\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("ink_http_request_duration_seconds_bucket{route=\"ts_create\",le=\"0.25\"} 3\n"),
      std::string::npos);
  EXPECT_NE(text.find("ink_http_request_duration_seconds_count{route=\"ts_create\"} 3\n"),
            std::string::npos);
}

TEST(Metrics, GaugesAndCountersAreReadAtScrapeTime) {
  Metrics m;
  double queue = 3;
  m.add_gauge("ink_queue", "Things queued.", [&] { return queue; });
  m.add_counter("ink_things_total", "Things done.", [] { return 42.0; });
  auto text = m.render();
  EXPECT_NE(text.find("# HELP ink_queue Things queued.\n# TYPE ink_queue gauge\nink_queue 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE ink_things_total counter\nink_things_total 42\n"), std::string::npos);
  queue = 7.5;
  EXPECT_NE(m.render().find("ink_queue 7.5\n"), std::string::npos);
  ++m.open_connections;
  EXPECT_NE(m.render().find("ink_open_connections 1\n"), std::string::npos);
}

}  // namespace
}  // namespace ink::server
