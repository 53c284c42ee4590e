#include "server/router.h"

#include <gtest/gtest.h>

namespace ink::server {
namespace {

Router table() {
  Router r;
  r.add("GET", "/health", "health");
  r.add("POST", "/v1/ts", "ts_create");
  r.add("GET", "/v1/ts/{}", "ts_read");
  r.add("GET", "/v1/mth/live", "mth_live");
  r.add("GET", "/v1/mth/{}", "mth_head");
  r.add("GET", "/v1/mth/{}/in/{}", "mth_inclusion");
  r.add("GET POST", "/v1/both", "both");
  return r;
}

TEST(Router, FindsRoutesAndParameters) {
  auto r = table();
  auto m = r.match("GET", "/v1/mth/5/in/7");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(r.name(m.route), "mth_inclusion");
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], "5");
  EXPECT_EQ(m.params[1], "7");
  EXPECT_EQ(r.name(r.match("POST", "/v1/ts/").route), "ts_create");
  EXPECT_EQ(r.name(r.match("GET", "//v1//ts/abc/").route), "ts_read");
  EXPECT_EQ(r.name(r.match("POST", "/v1/both").route), "both");
}

TEST(Router, LiteralSegmentsBeatParametersWhateverTheOrder) {
  auto r = table();
  r.add("GET", "/v1/mth/cosigned", "mth_cosigned");  // after /v1/mth/{}
  r.add("GET", "/v1/mth/{}/{}", "two");
  r.add("POST", "/v1/mth/{}/cosignatures", "cosign");
  EXPECT_EQ(r.name(r.match("GET", "/v1/mth/live").route), "mth_live");
  EXPECT_EQ(r.name(r.match("GET", "/v1/mth/cosigned").route), "mth_cosigned");
  EXPECT_EQ(r.name(r.match("GET", "/v1/mth/current").route), "mth_head");
  EXPECT_EQ(r.name(r.match("POST", "/v1/mth/5/cosignatures").route), "cosign");
  EXPECT_EQ(r.name(r.match("GET", "/v1/mth/5/cosignatures").route), "two");
  auto m = r.match("POST", "/v1/mth/cosigned");
  EXPECT_EQ(m.kind, Router::Match::Kind::kMethodNotAllowed);
}

TEST(Router, AmongEqualRoutesTheEarlierWins) {
  Router r;
  r.add("GET", "/v1/{}", "first");
  r.add("GET", "/v1/{}", "second");
  EXPECT_EQ(r.name(r.match("GET", "/v1/x").route), "first");
}

TEST(Router, HeadFollowsGet) {
  auto r = table();
  EXPECT_EQ(r.match("HEAD", "/v1/mth/3").kind, Router::Match::Kind::kFound);
  EXPECT_EQ(r.match("HEAD", "/v1/ts").kind, Router::Match::Kind::kMethodNotAllowed);
}

TEST(Router, UnknownPathsAndMethods) {
  auto r = table();
  EXPECT_EQ(r.match("GET", "/v1/nothing").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(r.match("GET", "/v1/ts/a/b").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(r.match("GET", "").kind, Router::Match::Kind::kNotFound);
  auto m = r.match("DELETE", "/v1/mth/3");
  EXPECT_EQ(m.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET");
  EXPECT_EQ(r.match("GET", "/v1/ts").allow, "POST");
  EXPECT_EQ(r.match("PUT", "/v1/both").allow, "GET, POST");
}

}  // namespace
}  // namespace ink::server
