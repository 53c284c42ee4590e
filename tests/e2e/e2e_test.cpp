// End-to-end tests through nginx against a whole stack started on free ports.
// One stack serves all tests of this program (started once per process, since
// ctest runs each test in its own process the stack is shared through a
// directory and reused while it is healthy).

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "core/check.h"
#include "core/client_conventions.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/parse.h"
#include "core/protocol.h"
#include "core/verify.h"
#include "support/http_client.h"
#include "support/test_env.h"

namespace ink {
namespace {

using core::Json;
using test::http_get;
using test::http_post_json;

using test::read_env_file;

std::string getenv_or(const char* key, const std::string& fallback) {
  const char* v = std::getenv(key);
  return v ? v : fallback;
}

// The stack, started on first use by this process, or reused if a previous
// test process of this run left a healthy one in INK_E2E_DIR.
class Stack {
 public:
  static Stack& get() {
    static Stack stack;
    return stack;
  }
  std::string base;  // http://127.0.0.1:PORT (nginx)
  std::map<std::string, std::string> env;
  std::string dir, source;

 private:
  Stack() {
    source = getenv_or("INK_SOURCE_DIR", INK_DEFAULT_SOURCE_DIR);
    dir = getenv_or("INK_E2E_DIR", INK_DEFAULT_E2E_DIR);
    auto existing = read_env_file(dir + "/stack.env");
    if (existing.count("INK_BASE_URL")) {
      // The fixture's stack (or one an earlier test left): it may still be
      // recovering from that test (a backend restarting, Redis back), so it
      // gets time to be ready; starting another over it would pull it from
      // under the other suites that share it.
      const auto ready = [&] {
        try {
          return http_get(existing["INK_BASE_URL"], "/api/ready").status == 200;
        } catch (...) {
          return false;
        }
      };
      if (!test::wait_until(ready, std::chrono::seconds(60)))
        throw std::runtime_error("the stack in " + dir + " is not ready within 60 s");
      env = existing;
      base = env["INK_BASE_URL"];
      return;
    }
    std::string cmd = "INK_BUILD_DIR=" + getenv_or("INK_BUILD_DIR", INK_DEFAULT_BUILD_DIR) + " " +
                      source + "/scripts/e2e-stack.sh start " + dir;
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not start stack: " + cmd);
    env = read_env_file(dir + "/stack.env");
    base = env.at("INK_BASE_URL");
  }
};

Json parse_json(const std::string& body) {
  auto j = core::decode_json_strict(body, core::DecodeLimits{.max_bytes = 1 << 24,
                                                             .max_depth = 16,
                                                             .max_items = 1 << 20,
                                                             .max_string_bytes = 1 << 20});
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message) << " in " << body.substr(0, 300);
  return j.ok() ? *j : Json();
}

std::vector<core::PublicKey> fetch_keys(const std::string& base) {
  auto res = http_get(base, "/api/v1/keys");
  EXPECT_EQ(res.status, 200);
  std::vector<core::PublicKey> keys;
  for (auto& k : parse_json(res.body)) {
    auto bytes = core::from_base64(k.at("public_key").get<std::string>());
    EXPECT_TRUE(bytes.ok());
    if (!bytes.ok() || bytes->size() != 32) continue;
    core::PublicKey pk;
    std::copy(bytes->begin(), bytes->end(), pk.begin());
    keys.push_back(pk);
  }
  return keys;
}

std::string stamp_json(const std::string& data) { return Json{{"data", data}}.dump(); }

void expect_error_body(const test::HttpResponse& res, int status, const std::string& code) {
  EXPECT_EQ(res.status, status) << res.body;
  auto j = parse_json(res.body);
  ASSERT_TRUE(j.is_object()) << res.body;
  EXPECT_EQ(j.value("error", ""), code) << res.body;
  EXPECT_FALSE(j.value("message", "").empty()) << res.body;
}

TEST(EndToEnd, StampWithWaitVerifiesOfflineAndReadBackAgrees) {
  auto& s = Stack::get();
  std::string data = core::data_for_bytes(core::as_bytes("e2e stamp " + std::to_string(getpid())));
  auto res = http_post_json(s.base, "/api/v1/ts/?wait", stamp_json(data));
  ASSERT_EQ(res.status, 200) << res.body;
  auto answer_json = parse_json(res.body);
  auto answer = core::ts_answer_from_json(answer_json);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_TRUE(answer->proof.has_value()) << "wait returned without a proof: " << res.body;
  EXPECT_EQ(res.header("location"), "/api/v1/ts/" + answer->id + "/");

  auto keys = fetch_keys(s.base);
  ASSERT_FALSE(keys.empty());
  auto report = core::check_ts_proof(*answer, data, keys);
  EXPECT_TRUE(report.passed()) << (report.first_failure() ? report.first_failure()->message : "");

  // The same proof with other data must fail: the check is real.
  auto wrong = core::check_ts_proof(*answer, data + "0", keys);
  EXPECT_FALSE(wrong.passed());

  auto again = http_get(s.base, res.header("location"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse_json(again.body), answer_json);

  auto head = http_get(s.base, "/api/v1/mth/" + std::to_string(*answer->interval));
  ASSERT_EQ(head.status, 200);
  // The proof carries the head without its consistency proof (it is about the
  // interval, not about the previous head), and the log serves it with the
  // cosignatures of the stack's local witnesses so far (docs/witness.md);
  // everything else is the same head.
  auto served = parse_json(head.body);
  auto in_proof = core::to_wire_json(core::to_json(answer->proof->head));
  ASSERT_TRUE(served.contains("cosignatures") && served["cosignatures"].is_array()) << head.body;
  served.erase("cosignatures");
  served.erase("consistency");
  in_proof.erase("consistency");
  EXPECT_EQ(served, in_proof);
  // Cosignatures keep arriving: the answer is not cached for ever.
  EXPECT_EQ(head.header("cache-control"), "no-cache");
}

TEST(EndToEnd, CborThroughTheProxy) {
  auto& s = Stack::get();
  std::string data = core::data_for_bytes(core::as_bytes("cbor e2e"));
  auto body = core::cbor_encode(Json{{"data", data}});
  test::HttpRequest req;
  req.method = "POST";
  req.target = "/api/v1/ts/?wait";
  req.headers["Content-Type"] = "application/cbor";
  req.body.assign(body.begin(), body.end());
  auto res = test::http(s.base, req);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.header("content-type").find("application/cbor"), std::string::npos);
  auto decoded = core::decode_cbor_strict(
      core::as_bytes(res.body), core::DecodeLimits{.max_bytes = 1 << 20, .max_depth = 16});
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  auto answer = core::ts_answer_from_json(*decoded);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_TRUE(answer->proof.has_value());
  EXPECT_TRUE(core::check_ts_proof(*answer, data, fetch_keys(s.base)).passed());

  // JSON request, CBOR answer by Accept.
  test::HttpRequest get;
  get.target = "/api/v1/mth/current";
  get.headers["Accept"] = "application/cbor";
  auto head = test::http(s.base, get);
  ASSERT_EQ(head.status, 200);
  auto head_doc = core::decode_cbor_strict(
      core::as_bytes(head.body), core::DecodeLimits{.max_bytes = 1 << 20, .max_depth = 16});
  ASSERT_TRUE(head_doc.ok());
  EXPECT_TRUE(core::head_from_json(*head_doc).ok());
}

TEST(EndToEnd, LiveFeedThroughProxyIsConsistent) {
  auto& s = Stack::get();
  test::WebSocketClient ws(s.base, "/api/v1/mth/live");
  auto keys = fetch_keys(s.base);
  std::optional<core::SignedHead> previous;
  int received = 0;
  for (int n = 0; n < 4; ++n) {
    auto msg = ws.read(std::chrono::seconds(10));
    ASSERT_TRUE(msg.has_value()) << "no head within 10 s";
    auto head = core::head_from_json(parse_json(*msg));
    ASSERT_TRUE(head.ok()) << head.error().message;
    EXPECT_TRUE(core::check_head(*head, keys).passed());
    auto stored = http_get(s.base, "/api/v1/mth/" + std::to_string(head->interval.index));
    ASSERT_EQ(stored.status, 200);
    // The same head; the stored one also carries the cosignatures known so far.
    auto stored_head = parse_json(stored.body);
    stored_head.erase("cosignatures");
    EXPECT_EQ(stored_head, parse_json(*msg));
    if (previous) {
      ASSERT_EQ(head->interval.index, previous->interval.index + 1);
      ASSERT_TRUE(head->consistency.has_value());
      EXPECT_EQ(core::verify_consistency(previous->interval.index + 1, head->interval.index + 1,
                                         previous->mth, head->mth, head->consistency->nodes),
                core::ProofError::kOk);
    }
    previous = *head;
    ++received;
  }
  EXPECT_EQ(received, 4);
  ws.close();
}

TEST(EndToEnd, BadInputGetsDocumentedErrors) {
  auto& s = Stack::get();
  expect_error_body(http_post_json(s.base, "/api/v1/ts/", "{\"data\": "), 400, "bad_request");
  expect_error_body(http_post_json(s.base, "/api/v1/ts/", "{\"other\": 1}"), 400, "bad_request");
  expect_error_body(http_post_json(s.base, "/api/v1/ts/", "{\"data\": 5}"), 400, "bad_request");
  expect_error_body(http_post_json(s.base, "/api/v1/ts/", stamp_json(std::string(257, 'a'))), 413,
                    "too_large");
  test::HttpRequest xml;
  xml.method = "POST";
  xml.target = "/api/v1/ts/";
  xml.headers["Content-Type"] = "application/xml";
  xml.body = "<data/>";
  expect_error_body(test::http(s.base, xml), 415, "unsupported_media_type");
  expect_error_body(http_get(s.base, "/api/v1/ts/not-a-uuid/"), 400, "bad_request");
  expect_error_body(http_get(s.base, "/api/v1/ts/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/"), 404,
                    "not_found");
  expect_error_body(http_get(s.base, "/api/v1/mth/5/in/2"), 400, "bad_request");
  expect_error_body(http_get(s.base, "/api/v1/mth/abc"), 400, "bad_request");
  expect_error_body(http_get(s.base, "/api/v1/mth/99999999"), 404, "not_found");
  // Operations endpoint is not served to the outside.
  EXPECT_EQ(http_get(s.base, "/api/metrics").status, 404);
}

// Runs a stack.sh command on the shared stack (e.g. restart-backend 1).
bool stack_command(const Stack& s, const std::string& command) {
  std::string cmd = "INK_ENV_FILE=" + s.dir + "/stack.env " + s.source + "/scripts/stack.sh " +
                    command + " >>" + s.dir + "/stack-commands.log 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(EndToEnd, KillingOneBackendDuringABurstLosesNoAcceptedTs) {
  auto& s = Stack::get();
  std::string pidfile = s.dir + "/run/backend-1.pid";
  std::ifstream in(pidfile);
  pid_t pid = 0;
  in >> pid;
  ASSERT_GT(pid, 0) << "no pid in " << pidfile;
  // Backend 1 comes back for the tests after this one, whatever happens here.
  struct Restart {
    const Stack& s;
    ~Restart() { EXPECT_TRUE(stack_command(s, "restart-backend 1")); }
  } restart{s};

  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> accepted;  // id, data
  std::atomic<int> sent{0}, accepted_after_kill{0};
  std::atomic<bool> killed{false};
  // Each submitter goes on until it has sent 10 after the kill, however fast
  // the first 30 went (bounded, in case the kill never comes).
  auto submit = [&](int worker) {
    int after_kill = 0;
    for (int i = 0; i < 2000 && after_kill < 10; ++i) {
      if (killed) ++after_kill;
      std::string data = "burst-" + std::to_string(worker) + "-" + std::to_string(i);
      try {
        auto res = http_post_json(s.base, "/api/v1/ts/", stamp_json(data));
        if (res.status == 200) {
          auto j = parse_json(res.body);
          std::lock_guard lock(mu);
          accepted.emplace_back(j.at("id").get<std::string>(), data);
          if (killed) ++accepted_after_kill;
        }
      } catch (...) {
      }
      ++sent;
    }
  };
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < 4; ++w) threads.emplace_back(submit, w);
    ASSERT_TRUE(test::wait_until([&] { return sent >= 30; }, std::chrono::seconds(60)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    killed = true;
  }  // (jthreads join here, also when an assertion returned early)
  // The service went on without backend 1.
  EXPECT_GT(accepted_after_kill, 0);

  auto keys = fetch_keys(s.base);
  for (auto& [id, data] : accepted) {
    auto res = http_get(s.base, "/api/v1/ts/" + id + "/?wait");
    ASSERT_EQ(res.status, 200) << id << ": " << res.body;
    auto answer = core::ts_answer_from_json(parse_json(res.body));
    ASSERT_TRUE(answer.ok());
    ASSERT_TRUE(answer->proof.has_value()) << "accepted ts " << id << " has no proof";
    EXPECT_TRUE(core::check_ts_proof(*answer, data, keys).passed()) << id;
  }
  // Each accepted ts sits in exactly one leaf.
  auto dupes = test::query_value(s.env.at("DATABASE_URL"),
                                 "SELECT count(*) FROM (SELECT id FROM ts_leaf GROUP BY id "
                                 "HAVING count(*) > 1) d");
  EXPECT_EQ(dupes, "0");
}

TEST(EndToEnd, NginxAnswersItsOwnErrorsInTheProtocolsBody) {
  auto& s = Stack::get();
  // 413: over nginx's body limit, refused before any backend sees it.
  auto large = http_post_json(s.base, "/api/v1/ts/", std::string(20000, ' '));
  expect_error_body(large, 413, "too_large");
  EXPECT_NE(large.body.find("request body over the limit"), std::string::npos) << large.body;
  // 503: no backend reachable at all.
  {
    struct Restart {
      const Stack& s;
      ~Restart() {
        EXPECT_TRUE(stack_command(s, "restart-backend 1"));
        EXPECT_TRUE(stack_command(s, "restart-backend 2"));
      }
    } restart{s};
    for (int i : {1, 2}) {
      std::ifstream in(s.dir + "/run/backend-" + std::to_string(i) + ".pid");
      pid_t pid = 0;
      in >> pid;
      ASSERT_GT(pid, 0);
      ::kill(pid, SIGKILL);
      ASSERT_TRUE(test::wait_until([&] { return ::kill(pid, 0) != 0; }, std::chrono::seconds(10)));
    }
    auto none = http_post_json(s.base, "/api/v1/ts/", stamp_json("no backend"));
    expect_error_body(none, 503, "unavailable");
    EXPECT_NE(none.body.find("no backend is reachable"), std::string::npos) << none.body;
    EXPECT_FALSE(none.header("retry-after").empty());
  }
  EXPECT_TRUE(test::wait_until(
      [&] {
        try {
          return http_get(s.base, "/api/ready").status == 200;
        } catch (...) {
          return false;
        }
      },
      std::chrono::seconds(30)));
}

TEST(EndToEnd, RedisOutageDoesNotLeaveWaitersHanging) {
  auto& s = Stack::get();
  std::string services = s.dir + "/services";
  ASSERT_EQ(std::system((s.source + "/scripts/services.sh stop-redis " + services).c_str()), 0);
  std::string data = core::data_for_bytes(core::as_bytes("during redis outage"));
  test::HttpRequest req;
  req.method = "POST";
  req.target = "/api/v1/ts/?wait";
  req.headers["Content-Type"] = "application/json";
  req.body = stamp_json(data);
  auto res = test::http(s.base, req);
  ASSERT_EQ(std::system((s.source + "/scripts/services.sh start-redis " + services).c_str()), 0);
  // The backends resubscribe and report ready again (the next test finds the
  // stack as this one found it).
  EXPECT_TRUE(test::wait_until([&] { return http_get(s.base, "/api/ready").status == 200; },
                               std::chrono::seconds(60)))
      << "not ready again after Redis came back";
  ASSERT_EQ(res.status, 200) << res.body;
  auto answer = core::ts_answer_from_json(parse_json(res.body));
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->proof.has_value()) << "waiter got no proof while Redis was down";
}

// Last: it uses up this client's rate budget.
// nginx's limit per client address (the backends' is set far higher in this
// stack, and has its own tests). From an address of its own, so the budget
// of the other tests' address (127.0.0.1) is untouched, whatever the order.
TEST(EndToEnd, RateLimitAnswers429) {
  auto& s = Stack::get();
  int limited = 0;
  for (int i = 0; i < 600 && limited == 0; ++i) {
    test::HttpRequest req;
    req.method = "POST";
    req.target = "/api/v1/ts/";
    req.headers["Content-Type"] = "application/json";
    req.body = stamp_json("rate-" + std::to_string(i));
    req.source_address = "127.0.0.9";
    auto res = test::http(s.base, req);
    if (res.status == 429) {
      ++limited;
      expect_error_body(res, 429, "too_many_requests");
      EXPECT_NE(res.body.find("proxy limit"), std::string::npos) << "not nginx's: " << res.body;
      EXPECT_FALSE(res.header("retry-after").empty());
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_EQ(http_post_json(s.base, "/api/v1/ts/", stamp_json("another client")).status, 200);
}

}  // namespace
}  // namespace ink
