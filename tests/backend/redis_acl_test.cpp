// The worker and the backend reach a Redis that only lets an ACL user in
// (REDIS_URL with user:password@), as managed Redis services are set up.

#include <signal.h>

#include "backend/backend_stack.h"
#include "core/parse.h"

namespace ink {
namespace {

// A private redis-server whose default user is off: only `ink` with its
// password may connect, subscribe and publish.
class AclRedis {
 public:
  AclRedis()
      : port(free_port()), dir(test::testenv_dir() + "/redis-acl-" + std::to_string(getpid())) {
    std::system(("mkdir -p " + dir).c_str());
    server =
        std::make_unique<test::Process>(std::vector<std::string>{"redis-server",
                                                                 "--port",
                                                                 std::to_string(port),
                                                                 "--bind",
                                                                 "127.0.0.1",
                                                                 "--save",
                                                                 "",
                                                                 "--appendonly",
                                                                 "no",
                                                                 "--dir",
                                                                 dir,
                                                                 "--user",
                                                                 "default",
                                                                 "off",
                                                                 "--user",
                                                                 "ink",
                                                                 "on",
                                                                 ">s3cret",
                                                                 "~*",
                                                                 "&*",
                                                                 "+@all"},
                                        std::map<std::string, std::string>{}, dir + "/redis.log");
  }
  std::string url(const std::string& credentials) const {
    return "redis://" + credentials + "@127.0.0.1:" + std::to_string(port);
  }
  int port;
  std::string dir;
  std::unique_ptr<test::Process> server;
};

TEST(RedisAcl, WorkerAndBackendAuthenticateAsAnAclUser) {
  AclRedis redis;
  Stack s(StackOptions{0, {}, redis.url("ink:s3cret")});
  ASSERT_TRUE(s.ready()) << test::read_file(s.dir + "/backend.log");
  // The head reaches the backend through the authenticated subscription.
  test::WebSocketClient ws(s.base, "/api/v1/mth/live");
  auto msg = ws.read(10s);
  ASSERT_TRUE(msg.has_value()) << "no head over an ACL-authenticated subscription";
  EXPECT_TRUE(core::head_from_json(parse_json(*msg)).ok());
  auto res = post(s, "/api/v1/ts/?wait", stamp("acl"), "application/json");
  ASSERT_EQ(res.status, 200);
  EXPECT_FALSE(parse_json(res.body)["proof"].is_null());
}

TEST(RedisAcl, AWrongPasswordIsReportedNotReady) {
  AclRedis redis;
  // Not waiting for a readiness that must not come: the log says why.
  Stack s(StackOptions{0, {}, redis.url("ink:wrong"), std::chrono::seconds(0)});
  EXPECT_TRUE(test::wait_until(
      [&] {
        return test::read_file(s.dir + "/backend.log").find("AUTH refused") != std::string::npos;
      },
      20s))
      << test::read_file(s.dir + "/backend.log");
  auto ready = http_get(s.base, "/api/ready");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("redis"), std::string::npos) << ready.body;
}

}  // namespace
}  // namespace ink
