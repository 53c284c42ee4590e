#include <utility>  // before Asio (Boost 1.74)
// (blank line keeps clang-format from moving it)

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "ops/metrics_endpoint.h"

namespace ink::ops {
namespace {

namespace http = boost::beast::http;

http::response<http::string_body> get(unsigned short port, const std::string& target) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res;
}

TEST(MetricsEndpoint, AnswersMetricsFreshAtEachScrapeAnd404Elsewhere) {
  int scrapes = 0;
  MetricsEndpoint endpoint("127.0.0.1:0",
                           [&] { return "ink_scrapes " + std::to_string(++scrapes) + "\n"; });
  ASSERT_NE(endpoint.port(), 0);
  auto first = get(endpoint.port(), "/metrics");
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(first.body(), "ink_scrapes 1\n");
  EXPECT_EQ(first[http::field::content_type], "text/plain; version=0.0.4");
  EXPECT_EQ(get(endpoint.port(), "/metrics").body(), "ink_scrapes 2\n");
  EXPECT_EQ(get(endpoint.port(), "/").result_int(), 404);
}

TEST(MetricsEndpoint, AnAddressInUseOrMalformedIsAClearError) {
  MetricsEndpoint first("127.0.0.1:0", [] { return std::string(); });
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    MetricsEndpoint second(taken, [] { return std::string(); });
    FAIL() << "a second endpoint on " << taken;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(taken), std::string::npos) << e.what();
  }
  EXPECT_THROW(MetricsEndpoint("nonsense", [] { return std::string(); }), std::runtime_error);
}

}  // namespace
}  // namespace ink::ops
