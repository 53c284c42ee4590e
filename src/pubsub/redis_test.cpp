#include "pubsub/redis.h"

#include <gtest/gtest.h>

namespace ink::pubsub {
namespace {

TEST(RedisAddress, Defaults) {
  auto a = RedisAddress::parse("redis://");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 6379);
  EXPECT_EQ(a.db, 0);
  EXPECT_TRUE(a.user.empty());
  EXPECT_TRUE(a.password.empty());
  EXPECT_EQ(RedisAddress::parse("redis://cache.internal").host, "cache.internal");
  EXPECT_EQ(RedisAddress::parse("redis://cache.internal/").db, 0);
}

TEST(RedisAddress, HostPortDb) {
  auto a = RedisAddress::parse("redis://10.0.0.5:6380/3");
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.db, 3);
  EXPECT_EQ(a.where(), "10.0.0.5:6380/3");
}

TEST(RedisAddress, Ipv6Hosts) {
  auto a = RedisAddress::parse("redis://[::1]:7000/2");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 7000);
  EXPECT_EQ(a.db, 2);
  EXPECT_EQ(a.where(), "[::1]:7000/2");
  EXPECT_EQ(RedisAddress::parse("redis://[fe80::1]").port, 6379);
}

TEST(RedisAddress, Credentials) {
  auto acl = RedisAddress::parse("redis://ink:s3cret@127.0.0.1:6379");
  EXPECT_EQ(acl.user, "ink");
  EXPECT_EQ(acl.password, "s3cret");
  auto legacy = RedisAddress::parse("redis://:only-pass@host");
  EXPECT_TRUE(legacy.user.empty());
  EXPECT_EQ(legacy.password, "only-pass");
  EXPECT_EQ(RedisAddress::parse("redis://bare@host").password, "bare");
  auto encoded = RedisAddress::parse("redis://us%40er:p%2Fa%3Ass@host:1/0");
  EXPECT_EQ(encoded.user, "us@er");
  EXPECT_EQ(encoded.password, "p/a:ss");
  EXPECT_EQ(encoded.host, "host");
  EXPECT_EQ(encoded.where().find("p/a"), std::string::npos);  // never the password
}

TEST(RedisAddress, RefusesWhatItCannotServe) {
  for (const char* bad :
       {"rediss://host", "http://host", "host:6379", "redis://host:0", "redis://host:65536",
        "redis://host:abc", "redis://host:", "redis://host/x", "redis://host/-1", "redis://[::1",
        "redis://[]:1", "redis://[::1]x", "redis://host?db=1", "redis://us%zz:p@host"})
    EXPECT_THROW(RedisAddress::parse(bad), std::invalid_argument) << bad;
  try {
    RedisAddress::parse("rediss://host");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("TLS"), std::string::npos);
  }
}

}  // namespace
}  // namespace ink::pubsub
