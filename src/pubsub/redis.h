#pragma once
// Where Redis is and how to get a ready connection to it, for every part
// that talks to Redis (the worker's publisher, the backend's subscriber):
// one URL parser and one connect + AUTH + SELECT.
//
// URL: redis://[[user]:password@]host[:port][/db]
//   host: a name, an IPv4 address or [an IPv6 address]; default 127.0.0.1
//   port: default 6379; db: default 0
//   user and password are percent-decoded; "user:password" authenticates as
//   an ACL user (Redis 6+), ":password" or a bare "password" as the default user.
// rediss:// (TLS) is refused: Debian's hiredis has no TLS; reach a remote
// Redis through a TLS tunnel (stunnel, spiped) on loopback instead.

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace ink::pubsub {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;
  // Throws std::invalid_argument with a message naming what is wrong (never the password).
  static RedisAddress parse(const std::string& url);
  std::string where() const;  // "host:port/db" for messages, without credentials
};

struct RedisError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RedisContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using RedisContext = std::unique_ptr<redisContext, RedisContextFree>;

// Connects (within `timeout`), authenticates and selects the database.
// Commands on the result block for at most `command_timeout` (zero: no limit,
// for a subscriber that waits for messages). Throws RedisError.
RedisContext redis_connect(const RedisAddress& address, std::chrono::milliseconds timeout,
                           std::chrono::milliseconds command_timeout);

}  // namespace ink::pubsub
