#include "pubsub/redis.h"

#include <sys/time.h>

#include <algorithm>

namespace ink::pubsub {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = ms.count() / 1000;
  tv.tv_usec = (ms.count() % 1000) * 1000;
  return tv;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(const std::string& s, const char* what) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      throw std::invalid_argument(std::string("bad %-escape in the Redis URL's ") + what);
    out += char(hi << 4 | lo);
    i += 2;
  }
  return out;
}

int number(const std::string& s, int low, int high, const char* what) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit))
    throw std::invalid_argument(std::string("bad ") + what + " in the Redis URL: '" + s + "'");
  int v = std::stoi(s);
  if (v < low || v > high)
    throw std::invalid_argument(std::string(what) + " out of range in the Redis URL: " + s);
  return v;
}

}  // namespace

RedisAddress RedisAddress::parse(const std::string& url) {
  if (url.rfind("rediss://", 0) == 0)
    throw std::invalid_argument(
        "rediss:// (Redis over TLS) is not supported; reach the server through a local TLS "
        "tunnel and use redis://");
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0)
    throw std::invalid_argument(
        "a Redis URL starts with redis:// (redis://[user:password@]host[:port][/db])");
  RedisAddress a;
  std::string rest = url.substr(scheme.size());
  if (rest.find_first_of("?#") != std::string::npos)
    throw std::invalid_argument("the Redis URL has a query or fragment, which is not supported");
  // Credentials with '/' or '@' must be percent-encoded, as in any URL.
  auto slash = rest.find('/');
  std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  rest = rest.substr(0, slash);
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = credentials.find(':'); colon != std::string::npos) {
      a.user = percent_decoded(credentials.substr(0, colon), "user");
      a.password = percent_decoded(credentials.substr(colon + 1), "password");
    } else {
      a.password = percent_decoded(credentials, "password");
    }
  }
  if (!path.empty()) a.db = number(path, 0, 65535, "database number");
  std::string port;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos || close == 1)
      throw std::invalid_argument("bad IPv6 host in the Redis URL (want [address])");
    a.host = rest.substr(1, close - 1);
    std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw std::invalid_argument("junk after the IPv6 host in the Redis URL");
      port = after.substr(1);
      if (port.empty()) throw std::invalid_argument("empty port in the Redis URL");
    }
  } else {
    if (auto colon = rest.find(':'); colon != std::string::npos) {
      port = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
      if (port.empty()) throw std::invalid_argument("empty port in the Redis URL");
    }
    if (!rest.empty()) a.host = rest;
  }
  if (!port.empty()) a.port = number(port, 1, 65535, "port");
  return a;
}

std::string RedisAddress::where() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port) + "/" + std::to_string(db);
}

RedisContext redis_connect(const RedisAddress& address, std::chrono::milliseconds timeout,
                           std::chrono::milliseconds command_timeout) {
  RedisContext c(redisConnectWithTimeout(address.host.c_str(), address.port, to_timeval(timeout)));
  if (!c || c->err)
    throw RedisError("cannot connect to Redis at " + address.where() + ": " +
                     (c ? c->errstr : "out of memory"));
  redisSetTimeout(c.get(), to_timeval(command_timeout.count() ? command_timeout : timeout));
  auto run = [&](redisReply* reply, const char* what) {
    std::unique_ptr<redisReply, void (*)(void*)> r(reply, freeReplyObject);
    if (!r) throw RedisError(std::string("Redis ") + what + " failed: " + c->errstr);
    if (r->type == REDIS_REPLY_ERROR)
      throw RedisError(std::string("Redis ") + what + " refused: " + std::string(r->str, r->len));
  };
  if (!address.password.empty()) {
    if (address.user.empty())
      run(static_cast<redisReply*>(
              redisCommand(c.get(), "AUTH %b", address.password.data(), address.password.size())),
          "AUTH");
    else
      run(static_cast<redisReply*>(redisCommand(c.get(), "AUTH %b %b", address.user.data(),
                                                address.user.size(), address.password.data(),
                                                address.password.size())),
          "AUTH");
  }
  if (address.db != 0)
    run(static_cast<redisReply*>(redisCommand(c.get(), "SELECT %d", address.db)), "SELECT");
  if (command_timeout.count() == 0) {
    timeval none{0, 0};
    redisSetTimeout(c.get(), none);
  }
  return c;
}

}  // namespace ink::pubsub
