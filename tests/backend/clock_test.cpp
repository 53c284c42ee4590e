// The clock policy end to end: with INK_CLOCK_POLICY=enforce, a backend whose
// clock cannot be vouched for refuses new timestamps (and says why in
// /api/ready) but keeps serving proofs; a worker in that state closes no
// interval; when the clock holds again everything accepted is sequenced,
// once. The clock state comes from INK_CLOCK_STATE_FILE, one per process.
// Also: the worker's /metrics and its JSON log lines.

#include <fstream>
#include <sstream>
#include <thread>

#include "backend/backend_stack.h"
#include "core/client_conventions.h"

namespace ink {
namespace {

void write_clock(const std::string& path, bool synchronized) {
  std::ofstream(path + ".tmp") << Json{
      {"synchronized", synchronized},
      {"max_error_seconds",
       synchronized ? 0.01 : 16.0}}.dump();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// An unlabelled series from a Prometheus text body; NaN if absent.
double series(const std::string& body, const std::string& name) {
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return NAN;
  return std::stod(body.substr(at + name.size() + 2));
}

TEST(EnforcedClock, RefusesNewTimestampsKeepsProofsAndLosesNothing) {
  std::string dir = test::testenv_dir() + "/clock-" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  std::string backend_clock = dir + "/backend.json", worker_clock = dir + "/worker.json";
  write_clock(backend_clock, true);
  write_clock(worker_clock, true);
  int metrics_port = free_port();
  std::string worker_metrics = "http://127.0.0.1:" + std::to_string(metrics_port);
  StackOptions options;
  options.backend_env = {{"INK_CLOCK_POLICY", "enforce"}, {"INK_CLOCK_STATE_FILE", backend_clock}};
  options.worker_env = {{"INK_CLOCK_POLICY", "enforce"},
                        {"INK_CLOCK_STATE_FILE", worker_clock},
                        {"INK_LOG_FORMAT", "json"},
                        {"INK_WORKER_METRICS_LISTEN", "127.0.0.1:" + std::to_string(metrics_port)}};
  Stack s(options);
  ASSERT_TRUE(s.ready());

  std::string data_a = core::data_for_bytes(core::as_bytes("clock a"));
  auto a = post(s, "/api/v1/ts/?wait", stamp(data_a), "application/json");
  ASSERT_EQ(a.status, 200) << a.body;
  std::string id_a = parse_json(a.body).at("id");

  // The worker's clock goes off: it keeps its role and closes nothing.
  write_clock(worker_clock, false);
  ASSERT_TRUE(test::wait_until(
      [&] { return series(http_get(worker_metrics, "/metrics").body, "ink_clock_ok") == 0; }, 10s));
  auto refusals_before =
      series(http_get(worker_metrics, "/metrics").body, "ink_worker_clock_refusals_total");
  std::string data_b = core::data_for_bytes(core::as_bytes("clock b"));
  auto b = post(s, "/api/v1/ts/", stamp(data_b), "application/json");
  ASSERT_EQ(b.status, 200) << "the backend's own clock holds: " << b.body;
  std::string id_b = parse_json(b.body).at("id");
  auto head_before = s.count("SELECT count(*) FROM interval");
  std::this_thread::sleep_for(1500ms);  // five intervals of 0.3 s
  EXPECT_EQ(s.count("SELECT count(*) FROM interval"), head_before) << "an interval was closed";
  auto worker_body = http_get(worker_metrics, "/metrics").body;
  EXPECT_GT(series(worker_body, "ink_worker_clock_refusals_total"), refusals_before);
  EXPECT_EQ(series(worker_body, "ink_worker_role"), 1) << "the worker kept its role";
  EXPECT_EQ(series(worker_body, "ink_clock_synchronized"), 0);
  EXPECT_EQ(series(worker_body, "ink_clock_max_error_seconds"), 16);

  // The backend's clock goes off: new ts refused with the reason, proofs served.
  write_clock(backend_clock, false);
  // Still ready (proofs and heads are served), saying why stamping stopped.
  ASSERT_TRUE(test::wait_until(
      [&] { return parse_json(http_get(s.base, "/api/ready").body).contains("clock"); }, 10s));
  auto ready = http_get(s.base, "/api/ready");
  EXPECT_EQ(ready.status, 200);
  auto ready_json = parse_json(ready.body);
  EXPECT_EQ(ready_json.value("new_timestamps", ""), "refused") << ready.body;
  EXPECT_NE(ready_json.value("clock", "").find("not synchronised"), std::string::npos)
      << ready.body;
  auto ts_rows = s.count("SELECT count(*) FROM ts");
  auto refused = post(s, "/api/v1/ts/", stamp(core::data_for_bytes(core::as_bytes("clock c"))),
                      "application/json");
  expect_error(refused, 503, "clock_unsynchronized");
  EXPECT_NE(refused.body.find("not synchronised"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "10");
  EXPECT_EQ(s.count("SELECT count(*) FROM ts"), ts_rows) << "a refused ts was stored";
  EXPECT_EQ(http_get(s.base, "/api/v1/ts/" + id_a + "/").status, 200);
  EXPECT_EQ(http_get(s.base, "/api/v1/mth/current").status, 200);
  EXPECT_EQ(metric(s, "ink_clock_synchronized"), 0);
  EXPECT_EQ(metric(s, "ink_clock_ok"), 0);
  EXPECT_EQ(metric(s, "ink_clock_enforced"), 1);

  // Both clocks hold again: stamping resumes and b is sequenced, once.
  write_clock(backend_clock, true);
  write_clock(worker_clock, true);
  ASSERT_TRUE(test::wait_until(
      [&] { return !parse_json(http_get(s.base, "/api/ready").body).contains("clock"); }, 10s));
  auto proven_b = http_get(s.base, "/api/v1/ts/" + id_b + "/?wait");
  ASSERT_EQ(proven_b.status, 200) << proven_b.body;
  EXPECT_TRUE(parse_json(proven_b.body).contains("proof")) << proven_b.body;
  EXPECT_EQ(s.count("SELECT count(*) FROM ts_leaf WHERE id = '" + id_b + "'"), 1);
  auto d = post(s, "/api/v1/ts/?wait", stamp(core::data_for_bytes(core::as_bytes("clock d"))),
                "application/json");
  EXPECT_EQ(d.status, 200) << d.body;

  // Head age, from the backend's feed and from the worker alike.
  double age = metric(s, "ink_head_age_seconds");
  EXPECT_GE(age, 0);
  EXPECT_LT(age, 30);
  EXPECT_GT(metric(s, "ink_newest_head_timestamp_seconds"), 1.7e9);
  EXPECT_EQ(metric(s, "ink_redis_subscribed"), 1);
  worker_body = http_get(worker_metrics, "/metrics").body;
  EXPECT_GT(series(worker_body, "ink_worker_intervals_total"), 0);
  EXPECT_NE(worker_body.find("ink_worker_interval_phase_seconds_count{phase=\"sign\"}"),
            std::string::npos);
  EXPECT_LT(series(worker_body, "ink_head_age_seconds"), 30);

  // INK_LOG_FORMAT=json: every line of the worker's log is one JSON object.
  std::istringstream log(test::read_file(s.dir + "/worker.log"));
  int lines = 0;
  bool told_critical = false;
  for (std::string line; std::getline(log, line);) {
    if (line.empty()) continue;
    auto j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not JSON: " << line;
    EXPECT_EQ(j.value("program", ""), "ink-worker") << line;
    ++lines;
    if (j.value("level", "") == "critical" &&
        j.value("message", "").find("NOT CLOSING INTERVALS") != std::string::npos)
      told_critical = true;
  }
  EXPECT_GT(lines, 3);
  EXPECT_TRUE(told_critical) << "the refusal was logged at critical level";
}

}  // namespace
}  // namespace ink
