#include "server/http_framing.h"

#include <gtest/gtest.h>

#include <vector>

namespace ink::server {
namespace {

std::optional<FramingProblem> framing(unsigned version, std::vector<HeaderField> fields) {
  return check_framing(version, fields);
}

TEST(HttpFraming, PlainRequestsPass) {
  EXPECT_FALSE(framing(11, {{"Host", "x"}}));
  EXPECT_FALSE(framing(11, {{"host", "x"}, {"Content-Length", "12"}}));
  EXPECT_FALSE(framing(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}}));
  EXPECT_FALSE(framing(11, {{"Host", "x"}, {"transfer-encoding", " Chunked "}}));
  EXPECT_FALSE(framing(10, {}));  // HTTP/1.0 needs no Host
}

TEST(HttpFraming, HostRules) {
  EXPECT_EQ(framing(11, {})->status, 400);
  EXPECT_EQ(framing(11, {{"Host", "a"}, {"Host", "b"}})->status, 400);
}

TEST(HttpFraming, ContentLengthRules) {
  EXPECT_EQ(
      framing(11, {{"Host", "x"}, {"Content-Length", "12"}, {"Content-Length", "12"}})->message,
      "duplicate Content-Length");
  for (const char* v : {"12, 12", "+12", "-1", "", "0x10", "1 2", "1234567890123456789"})
    EXPECT_EQ(framing(11, {{"Host", "x"}, {"Content-Length", v}})->status, 400) << v;
  EXPECT_EQ(framing(11, {{"Host", "x"}, {"Content-Length", "3"}, {"Transfer-Encoding", "chunked"}})
                ->status,
            400);
}

TEST(HttpFraming, TransferEncodingRules) {
  auto te = [](const char* v, unsigned version = 11) {
    return framing(version, {{"Host", "x"}, {"Transfer-Encoding", v}});
  };
  EXPECT_EQ(te("xchunked")->status, 400);
  EXPECT_EQ(te("chunked, identity")->status, 400);
  EXPECT_EQ(te("gzip")->status, 400);
  EXPECT_EQ(te("chunked, chunked")->status, 400);
  EXPECT_EQ(te(" , ")->status, 400);
  EXPECT_EQ(te("gzip, chunked")->status, 501);
  EXPECT_EQ(te("gzip, chunked")->code, "not_implemented");
  EXPECT_EQ(te("chunked", 10)->status, 400);
  // Several fields are one list.
  EXPECT_EQ(
      framing(11,
              {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}})
          ->status,
      400);
  EXPECT_EQ(
      framing(11, {{"Host", "x"}, {"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}})
          ->status,
      501);
}

TEST(HttpFraming, ObsFoldIsRefused) {
  EXPECT_FALSE(check_raw_header("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\r\n"));
  EXPECT_EQ(check_raw_header("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n")->status, 400);
  EXPECT_EQ(check_raw_header("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\tc\r\n\r\n")->status, 400);
}

}  // namespace
}  // namespace ink::server
