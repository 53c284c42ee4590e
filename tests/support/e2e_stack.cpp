#include "support/e2e_stack.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "core/check.h"
#include "core/encoding.h"
#include "core/parse.h"
#include "support/test_env.h"

namespace ink::test {

using core::Json;
using namespace std::chrono_literals;

namespace {
std::string getenv_or(const char* key, const std::string& fallback) {
  const char* v = std::getenv(key);
  return v ? v : fallback;
}
Json parse_json(const std::string& body) { return Json::parse(body, nullptr, false); }
}  // namespace

E2eStack::E2eStack(const std::string& dir_, const std::string& settings) : dir(dir_) {
  source = source_dir();
  build = getenv_or("INK_BUILD_DIR", bin_dir() + "/../..");
  bin = bin_dir();
  auto existing = read_env_file(dir + "/stack.env");
  if (existing.count("INK_BASE_URL")) {
    env = existing;
    base = env["INK_BASE_URL"];
    if (ready()) return;
  }
  std::string cmd =
      settings + " INK_BUILD_DIR=" + build + " " + source + "/scripts/e2e-stack.sh start " + dir;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not start stack: " + cmd);
  env = read_env_file(dir + "/stack.env");
  base = env.at("INK_BASE_URL");
}

std::string E2eStack::backend(int i) const {
  return "http://127.0.0.1:" + std::to_string(std::stoi(env.at("INK_BACKEND_BASE_PORT")) + i - 1);
}

pid_t E2eStack::pid_of(const std::string& name) const {
  std::ifstream in(dir + "/run/" + name + ".pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

int64_t E2eStack::count(const std::string& sql) const {
  return std::stoll(query_value(env.at("DATABASE_URL"), sql));
}

bool E2eStack::script(const std::string& command) const {
  std::string cmd = "INK_ENV_FILE=" + dir + "/stack.env INK_BUILD_DIR=" + build + " " + source +
                    "/scripts/" + command + " >>" + dir + "/scripts.log 2>&1";
  return std::system(cmd.c_str()) == 0;
}

std::vector<core::PublicKey> E2eStack::keys() const { return published_keys(base); }

std::vector<core::PublicKey> published_keys(const std::string& base) {
  std::vector<core::PublicKey> out;
  for (auto& k : parse_json(http_get(base, "/api/v1/keys").body)) {
    auto bytes = core::from_base64(k.at("public_key").get<std::string>());
    if (!bytes.ok() || bytes->size() != 32) continue;
    core::PublicKey pk;
    std::copy(bytes->begin(), bytes->end(), pk.begin());
    out.push_back(pk);
  }
  return out;
}

std::unique_ptr<Process> E2eStack::start_standby_worker(const std::string& name) const {
  const std::string log = dir + "/" + name + ".log";
  auto worker = std::make_unique<Process>(
      std::vector<std::string>{bin + "/ink-worker"},
      std::map<std::string, std::string>{{"DATABASE_URL", env.at("DATABASE_URL")},
                                         {"REDIS_URL", env.at("REDIS_URL")},
                                         {"INK_AUTHORITY", env.at("INK_AUTHORITY")},
                                         {"INK_INTERVAL", env.at("INK_INTERVAL")},
                                         {"INK_WORKER_LEASE", env.at("INK_WORKER_LEASE")},
                                         {"INK_WORKER_METRICS_LISTEN", ""},
                                         {"INK_KEY_PATH", dir + "/keys/ink-ed25519.pem"}},
      log);
  bool waiting =
      wait_until([&] { return read_file(log).find("waiting") != std::string::npos; }, 30s);
  return waiting ? std::move(worker) : nullptr;
}

bool E2eStack::ready() const {
  try {
    return http_get(base, "/api/ready").status == 200;
  } catch (...) {
    return false;
  }
}

void Ledger::add(const std::string& id, const std::string& data) {
  std::lock_guard lock(mutex_);
  accepted_.emplace_back(id, data);
}

size_t Ledger::size() const {
  std::lock_guard lock(mutex_);
  return accepted_.size();
}

HttpResponse Ledger::stamp(const std::string& base, const std::string& data,
                           const std::string& query) {
  auto res = http_post_json(base, "/api/v1/ts/" + query, Json{{"data", data}}.dump());
  if (res.status == 200) add(parse_json(res.body).value("id", ""), data);
  return res;
}

void Ledger::verify_all(const E2eStack& s) const {
  auto keys = s.keys();
  ASSERT_FALSE(keys.empty());
  std::set<std::string> ids;
  std::lock_guard lock(mutex_);
  for (const auto& [id, data] : accepted_) {
    EXPECT_TRUE(ids.insert(id).second) << "id handed out twice: " << id;
    auto res = http_get(s.base, "/api/v1/ts/" + id + "/?wait");
    ASSERT_EQ(res.status, 200) << id << ": " << res.body;
    auto answer = core::ts_answer_from_json(parse_json(res.body));
    ASSERT_TRUE(answer.ok()) << res.body;
    ASSERT_TRUE(answer->proof.has_value()) << "no proof for accepted " << id;
    auto report = core::check_ts_proof(*answer, data, keys);
    EXPECT_TRUE(report.passed()) << id << ": " << report.first_failure()->message;
  }
}

void expect_intact(const E2eStack& s, const Ledger& ledger) {
  ASSERT_TRUE(wait_until([&] { return s.ready(); }, 60s)) << "the stack did not recover";
  Process audit({s.bin + "/ink-worker", "--audit", "--database-url", s.env.at("DATABASE_URL"),
                 "--authority", s.env.at("INK_AUTHORITY")},
                {}, s.dir + "/audit.log");
  EXPECT_EQ(audit.wait(), 0) << read_file(s.dir + "/audit.log");
  ledger.verify_all(s);
}

}  // namespace ink::test
