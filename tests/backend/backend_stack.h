#pragma once
// A fresh database, a worker with a short interval, and one ink-backend, all
// real, for the backend's integration tests; and the small helpers they share.

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "core/decode.h"
#include "core/encoding.h"
#include "core/protocol.h"
#include "support/e2e_stack.h"
#include "support/fault_proxy.h"
#include "support/http_client.h"
#include "support/test_env.h"

namespace ink {

using core::Json;
using namespace std::chrono_literals;
using test::http;
using test::http_get;
using test::http_post_json;

inline constexpr const char* kAuthority = "backend-test.ink";

using test::free_port;

inline Json parse_json(const std::string& body) { return Json::parse(body, nullptr, false); }

inline Json parse_cbor(const std::string& body) {
  auto doc = core::decode_cbor_strict(core::as_bytes(body),
                                      core::DecodeLimits{.max_bytes = 1 << 20, .max_depth = 16});
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().message);
  return doc.ok() ? *doc : Json();
}

struct StackOptions {
  // Where the backend (only) reaches PostgreSQL, e.g. a test::FaultProxy in
  // front of it; 0 for directly.
  int backend_pg_port = 0;
  std::map<std::string, std::string> backend_env = {};
  std::string redis_url = "";  // empty: the fixture's Redis
  // How long to wait for the backend's first ready answer (a guard only).
  std::chrono::seconds ready_within = std::chrono::seconds(30);
  std::map<std::string, std::string> worker_env = {};
};

// A fresh database, a worker with a short interval, and one backend.
class Stack {
 public:
  Stack() : Stack(StackOptions()) {}
  explicit Stack(const StackOptions& options) {
    const int backend_pg_port = options.backend_pg_port;
    redis_url = options.redis_url.empty() ? test::env_value("REDIS_URL") : options.redis_url;
    auto backend_env = options.backend_env;
    worker_env_ = options.worker_env;
    db = test::fresh_database("backend");
    backend_db = backend_pg_port ? test::with_port(db, backend_pg_port) : db;
    dir = test::testenv_dir() + "/backend-" + std::to_string(getpid());
    std::system(("mkdir -p " + dir).c_str());
    worker_ = start_worker();
    start_backend(backend_env);
    ready_ = test::wait_until(
        [&] {
          try {
            return http_get(base, "/api/ready").status == 200 &&
                   http_get(base, "/api/v1/mth/current").status == 200;
          } catch (...) {
            return false;
          }
        },
        options.ready_within);
  }
  bool ready() const { return ready_; }

  std::unique_ptr<test::Process> start_worker() {
    return std::make_unique<test::Process>(
        std::vector<std::string>{test::bin_dir() + "/ink-worker", "--database-url", db,
                                 "--redis-url", redis_url, "--authority", kAuthority, "--interval",
                                 "0.3", "--key", dir + "/key.pem"},
        worker_env_, dir + "/worker.log");
  }
  void start_backend(std::map<std::string, std::string> env = {}) {
    if (port == 0) port = free_port();
    base = "http://127.0.0.1:" + std::to_string(port);
    env.emplace("INK_RATE_LIMIT", "0");
    backend = std::make_unique<test::Process>(
        std::vector<std::string>{test::bin_dir() + "/ink-backend", "--database-url", backend_db,
                                 "--redis-url", redis_url, "--authority", kAuthority, "--listen",
                                 "127.0.0.1:" + std::to_string(port), "--threads", "2",
                                 "--wait-seconds", "10"},
        env, dir + "/backend.log");
  }
  void stop_worker() { worker_.reset(); }
  void restart_worker() { worker_ = start_worker(); }
  // The environment of the next start_worker() (e.g. to drop a crash point).
  std::map<std::string, std::string>& worker_env() { return worker_env_; }
  int64_t count(const std::string& sql) { return std::stoll(test::query_value(db, sql)); }

  std::vector<core::PublicKey> keys() { return test::published_keys(base); }

  std::string db, backend_db, redis_url, dir, base;
  int port = 0;
  std::unique_ptr<test::Process> backend;

 private:
  std::unique_ptr<test::Process> worker_;
  std::map<std::string, std::string> worker_env_;
  bool ready_ = false;
};

inline test::HttpResponse post(const Stack& s, const std::string& target, const std::string& body,
                               const std::string& content_type, const std::string& accept = "") {
  test::HttpRequest req;
  req.method = "POST";
  req.target = target;
  req.body = body;
  if (!content_type.empty()) req.headers["Content-Type"] = content_type;
  if (!accept.empty()) req.headers["Accept"] = accept;
  return http(s.base, req);
}

inline std::string stamp(const std::string& data) { return Json{{"data", data}}.dump(); }

inline void expect_error(const test::HttpResponse& res, int status, const std::string& code) {
  EXPECT_EQ(res.status, status) << res.body;
  auto j = parse_json(res.body);
  ASSERT_TRUE(j.is_object()) << res.body;
  EXPECT_EQ(j.value("error", ""), code) << res.body;
  EXPECT_FALSE(j.value("message", "").empty());
}

// A value of the backend's /api/metrics (an unlabelled series); -1 if absent.
inline double metric(const Stack& s, const std::string& name) {
  auto body = http_get(s.base, "/api/metrics").body;
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + name.size() + 2));
}

}  // namespace ink
