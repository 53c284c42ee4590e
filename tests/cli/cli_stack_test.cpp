// The `ink` program against a real stack: ink-worker and ink-backend on a
// fresh database, the fixture's Redis. Each test starts its own stack.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>

#include "cli/proof_io.h"
#include "core/client_conventions.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/sign.h"
#include "core/test_log.h"
#include "support/test_env.h"

namespace ink::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The ctest environment should name these; fall back to this build's paths.
std::string programs() { return bin_dir().empty() ? INK_CLI_BIN_DIR : bin_dir(); }
std::string testenv_dir() {
  std::string d = env_value("INK_TESTENV_DIR");
  return d.empty() ? INK_CLI_TESTENV_DIR : d;
}

struct InkRun {
  int status = -1;
  std::string out, err;
};

class CliStack : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::path(testenv_dir()) / ("cli-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = fresh_database("cli");
    port_ = free_port();
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    authority_ = "127.0.0.1:" + std::to_string(port_);
    start_worker((dir_ / "worker-key.pem").string());
    ASSERT_TRUE(wait_until([&] { return heads() >= 1; }, 30s)) << read_file(log("worker"));
    start_backend();
  }

  void TearDown() override {
    worker_.reset();
    backend_.reset();
    if (!HasFailure()) fs::remove_all(dir_);  // kept with its logs when something failed
  }

  std::string log(const std::string& what) const { return (dir_ / (what + ".log")).string(); }

  int64_t heads() {
    try {
      return std::stoll(query_value(db_, "SELECT count(*) FROM interval"));
    } catch (const std::exception&) {
      return 0;  // the worker has not made the schema yet
    }
  }

  void start_worker(const std::string& key_path) {
    worker_ = std::make_unique<Process>(
        std::vector<std::string>{programs() + "/ink-worker", "--interval", "0.2"},
        std::map<std::string, std::string>{{"DATABASE_URL", db_},
                                           {"REDIS_URL", env_value("REDIS_URL")},
                                           {"INK_AUTHORITY", authority_},
                                           {"INK_KEY_PATH", key_path}},
        log("worker"));
  }

  void start_backend() {
    backend_ = std::make_unique<Process>(
        std::vector<std::string>{programs() + "/ink-backend"},
        std::map<std::string, std::string>{{"DATABASE_URL", db_},
                                           {"REDIS_URL", env_value("REDIS_URL")},
                                           {"INK_AUTHORITY", authority_},
                                           {"INK_LISTEN", "127.0.0.1:" + std::to_string(port_)},
                                           {"INK_INTERVAL", "0.2"},
                                           {"INK_WAIT_SECONDS", "10"}},
        log("backend"));
    // Answering is enough (status 1 would be a head that fails its checks,
    // which the tampering tests cause on purpose).
    ASSERT_TRUE(wait_until(
        [&] {
          return ink({"head", "--server", url_, "--retries", "0"}).status != 2;
        },
        30s))
        << read_file(log("backend"));
  }

  void stop_backend() {
    backend_->signal(SIGTERM);
    backend_->wait();
  }

  // Runs the ink program; stdout and stderr apart.
  InkRun ink(const std::vector<std::string>& args) {
    std::string cmd = programs() + "/ink";
    for (const auto& a : args) cmd += " '" + a + "'";
    const fs::path out = dir_ / "ink.out", err = dir_ / "ink.err";
    cmd += " >" + out.string() + " 2>" + err.string();
    int st = std::system(cmd.c_str());
    return InkRun{WIFEXITED(st) ? WEXITSTATUS(st) : 128, read_file(out.string()),
                  read_file(err.string())};
  }

  fs::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << content;
    return dir_ / name;
  }

  fs::path pinned_keys() {
    InkRun keys = ink({"key", "--server", url_});
    EXPECT_EQ(keys.status, 0) << keys.err;
    return write("keys.json", keys.out);
  }

  uint64_t monitor_size(const fs::path& state) {
    auto text = read_file((state / "state.json").string());
    auto j = core::decode_json_strict(text);
    return j && j->contains("size") ? (*j)["size"].get<uint64_t>() : 0;
  }

  std::unique_ptr<Process> start_monitor(const fs::path& state,
                                         std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{programs() + "/ink", "monitor", "--server", url_, "--state",
                                  state.string(),      "--json",  "--poll",   "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(argv, std::map<std::string, std::string>{}, log("monitor"));
  }

  fs::path dir_;
  std::string db_, url_, authority_;
  int port_ = 0;
  std::unique_ptr<Process> worker_, backend_;
};

TEST_F(CliStack, StampThenVerify) {
  fs::path a = write("a.txt", "first document\n");
  fs::path b = write("b.bin", std::string("\x00\x01\x02 binary", 10));
  fs::path c = write("c.txt", "third\n");
  InkRun stamped = ink({"stamp", a.string(), b.string(), c.string(), "--server", url_});
  ASSERT_EQ(stamped.status, 0) << stamped.out << stamped.err;
  for (const fs::path& f : {a, b, c}) {
    EXPECT_TRUE(fs::exists(cli::default_proof_path(f))) << f;
    EXPECT_NE(stamped.out.find(authority_ + "/"), std::string::npos);
    EXPECT_NE(stamped.out.find("  " + f.string()), std::string::npos) << stamped.out;
  }
  // The proof file is the documented format, with the file's data string.
  auto proof = cli::parse_proof_file(read_file(cli::default_proof_path(a).string()));
  ASSERT_TRUE(proof.ok()) << proof.error().message;
  EXPECT_EQ(proof->data, cli::data_for_file(a).value());
  EXPECT_EQ(proof->files, std::vector<std::string>{"a.txt"});
  EXPECT_EQ(proof->authority, authority_);

  // Online: keys from the server, plus consistency with the current head.
  InkRun online = ink({"verify", a.string(), "--server", url_});
  EXPECT_EQ(online.status, 0) << online.out << online.err;
  EXPECT_NE(online.out.find("ok    consistency"), std::string::npos) << online.out;

  // Offline, with the pinned key, after the server is gone.
  fs::path keys = pinned_keys();
  stop_backend();
  for (const fs::path& f : {a, b, c}) {
    InkRun offline = ink({"verify", f.string(), "--key", keys.string()});
    EXPECT_EQ(offline.status, 0) << offline.out << offline.err;
    EXPECT_NE(offline.out.find("VALID"), std::string::npos);
  }
  InkRun json = ink({"verify", c.string(), "--key", keys.string(), "--json"});
  auto doc = core::decode_json_strict(json.out);
  ASSERT_TRUE(doc.ok()) << json.out;
  EXPECT_EQ((*doc)["valid"], true);
  EXPECT_EQ((*doc)["steps"].size(), 7u);
}

TEST_F(CliStack, TogetherAndText) {
  fs::path a = write("a.txt", "one\n");
  fs::path b = write("b.txt", "two\n");
  fs::path set_proof = dir_ / "set.ink.json";
  InkRun together = ink({"stamp", a.string(), b.string(), "--together", "--out", set_proof.string(),
                         "--server", url_, "--json"});
  ASSERT_EQ(together.status, 0) << together.out << together.err;
  auto doc = core::decode_json_strict(together.out).value();
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["data"], cli::data_for_files({a, b}).value());
  EXPECT_EQ(ink({"verify", b.string(), a.string(), "--proof", set_proof.string(), "--server", url_})
                .status,
            0);
  EXPECT_EQ(ink({"verify", a.string(), "--proof", set_proof.string(), "--server", url_}).status, 1);

  fs::path text_proof = dir_ / "text.ink.json";
  InkRun text =
      ink({"stamp", "--text", "hello world", "--out", text_proof.string(), "--server", url_});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out.rfind(authority_ + "/", 0), 0u) << text.out;  // the compact string
  EXPECT_EQ(
      ink({"verify", "--text", "hello world", "--proof", text_proof.string(), "--server", url_})
          .status,
      0);
  InkRun other =
      ink({"verify", "--text", "hello World", "--proof", text_proof.string(), "--server", url_});
  EXPECT_EQ(other.status, 1);
  EXPECT_NE(other.out.find("FAIL  data: The text differs"), std::string::npos) << other.out;
}

TEST_F(CliStack, ChangedFileFlippedBitAndWrongKeyFail) {
  fs::path a = write("a.txt", "the original\n");
  ASSERT_EQ(ink({"stamp", a.string(), "--server", url_}).status, 0);
  fs::path keys = pinned_keys();
  const fs::path proof = cli::default_proof_path(a);
  const std::string original = read_file(proof.string());
  ASSERT_EQ(ink({"verify", a.string(), "--key", keys.string()}).status, 0);

  // A changed file.
  write("a.txt", "the original.\n");
  InkRun changed = ink({"verify", a.string(), "--key", keys.string()});
  EXPECT_EQ(changed.status, 1);
  EXPECT_NE(changed.out.find("FAIL  data: The file " + a.string() + " differs"), std::string::npos)
      << changed.out;
  write("a.txt", "the original\n");

  // A wrong key.
  auto stranger = core::SigningKey::generate().value();
  fs::path wrong = write(
      "wrong.json", core::to_wire_json(core::keys_json(std::vector{stranger.public_key()})).dump());
  InkRun wrong_key = ink({"verify", a.string(), "--key", wrong.string()});
  EXPECT_EQ(wrong_key.status, 1);
  EXPECT_NE(wrong_key.out.find("FAIL  signature: The head says it was signed with key"),
            std::string::npos)
      << wrong_key.out;

  // Named fields: the step that must fail for each.
  auto flip_in_value = [&](const std::string& key, size_t offset) {
    std::string text = original;
    size_t at = text.find("\"" + key + "\": ");
    EXPECT_NE(at, std::string::npos) << key;
    at += key.size() + 4 + offset;
    while (!std::isalpha(static_cast<unsigned char>(text[at]))) ++at;
    text[at] = static_cast<char>(text[at] ^ 0x20);  // letter case: still valid base64
    return text;
  };
  struct Case {
    std::string key;
    size_t offset;
    std::string step;
  };
  for (const Case& c : {Case{"signature", 12, "signature"}, Case{"ith", 6, "proof-file"},
                        Case{"hash", 6, "ts-hash"}}) {
    std::string text = flip_in_value(c.key, c.offset);
    ASSERT_NE(text, original);
    write("a.txt.ink.json", text);
    InkRun r = ink({"verify", a.string(), "--key", keys.string()});
    EXPECT_EQ(r.status, 1) << c.key;
    EXPECT_NE(r.out.find("FAIL  " + c.step), std::string::npos) << c.key << ":\n" << r.out;
  }

  // One bit anywhere (every 5th byte, each bit in turn), except in the two
  // informational values nothing signs: the id and the file names.
  auto range_of = [&](const std::string& prefix) {
    size_t begin = original.find(prefix) + prefix.size();
    return std::pair{begin, original.find_first_of("\"]", begin)};
  };
  auto id = range_of("\"id\": \"");
  auto files = range_of("\"files\": [\n    \"");
  int runs = 0;
  for (size_t pos = 0; pos < original.size(); pos += 5) {
    if ((pos >= id.first && pos < id.second) || (pos >= files.first && pos < files.second))
      continue;
    std::string text = original;
    text[pos] = static_cast<char>(text[pos] ^ (1 << (pos % 8)));
    write("a.txt.ink.json", text);
    InkRun r = ink({"verify", a.string(), "--key", keys.string()});
    ASSERT_EQ(r.status, 1) << "flipped bit " << pos % 8 << " of byte " << pos << ":\n"
                           << r.out << r.err;
    ASSERT_NE(r.out.find("INVALID: step"), std::string::npos) << r.out;
    ++runs;
  }
  EXPECT_GT(runs, 200);
  write("a.txt.ink.json", original);
  EXPECT_EQ(ink({"verify", a.string(), "--key", keys.string()}).status, 0);
}

// A proof from a fork of the service's log: the same authority and key (the
// worker's own key file), four intervals the service never had. Offline it is
// a valid proof; online the current head is genuine, but the service's
// consistency proof does not lead from the proof's mth_3 to it.
TEST_F(CliStack, VerifyOfAProofFromAForkFailsAtConsistency) {
  ASSERT_TRUE(wait_until([&] { return heads() > 5; }, 30s)) << read_file(log("worker"));
  auto key = core::SigningKey::from_pem(read_file((dir_ / "worker-key.pem").string()));
  ASSERT_TRUE(key.ok()) << key.error().message;
  core::testing::TestLog fork(authority_, *key);
  for (char k : std::string("abc"))
    fork.add_interval({core::sha3_256(core::as_bytes(std::string("fork ").append(1, k)))});
  core::ProofFile forked = fork.proof_file(cli::data_for_text("forked"), {});
  ASSERT_EQ(forked.timestamp.proof->head.interval.index, 3u);
  const std::string proof = write("forked.ink.json", cli::format_proof_file(forked)).string();
  const std::string keys = pinned_keys().string();

  InkRun offline = ink({"verify", "--text", "forked", "--proof", proof, "--key", keys});
  EXPECT_EQ(offline.status, 0) << offline.out << offline.err;

  InkRun online = ink({"verify", "--text", "forked", "--proof", proof, "--server", url_});
  EXPECT_EQ(online.status, 1) << online.out << online.err;
  EXPECT_NE(online.out.find("ok    current-head"), std::string::npos) << online.out;
  EXPECT_NE(online.out.find("FAIL  consistency"), std::string::npos) << online.out;
  EXPECT_NE(online.out.find("INVALID: step \"consistency\" failed."), std::string::npos)
      << online.out;

  // The same text stamped by the service itself passes online.
  const std::string honest = (dir_ / "honest.ink.json").string();
  ASSERT_EQ(ink({"stamp", "--text", "forked", "--out", honest, "--server", url_}).status, 0);
  InkRun good = ink({"verify", "--text", "forked", "--proof", honest, "--server", url_});
  EXPECT_EQ(good.status, 0) << good.out << good.err;
}

TEST_F(CliStack, MonitorFollowsRestartsAndDetectsAChangedHead) {
  const fs::path state = dir_ / "monitor";
  auto monitor = start_monitor(state, {"--count", "25"});
  ASSERT_TRUE(wait_until([&] { return !monitor->running(); }, 90s)) << read_file(log("monitor"));
  ASSERT_EQ(monitor->wait(), 0) << read_file(log("monitor"));
  const uint64_t first_run = monitor_size(state);
  EXPECT_GE(first_run, 25u);
  EXPECT_EQ(read_file(log("monitor")).find("misbehaviour"), std::string::npos);

  // A restart: picks up where it stopped, checks the heads seen before.
  auto again = start_monitor(state);
  ASSERT_TRUE(wait_until([&] { return monitor_size(state) >= first_run + 10; }, 60s))
      << read_file(log("monitor"));
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait(), 0) << read_file(log("monitor"));
  EXPECT_NE(read_file(log("monitor")).find("resuming after head"), std::string::npos);
  const uint64_t seen = monitor_size(state);

  // The operator rewrites the last head the monitor saw (and restarts the
  // backend, whose cache still holds the honest one).
  const std::string last = std::to_string(seen - 1);
  query_value(db_, "UPDATE interval SET mth = sha256(mth) WHERE idx = " + last);
  stop_backend();
  start_backend();
  auto detecting = start_monitor(state);
  ASSERT_TRUE(wait_until([&] { return !detecting->running(); }, 60s)) << read_file(log("monitor"));
  EXPECT_EQ(detecting->wait(), 1) << read_file(log("monitor"));
  const std::string output = read_file(log("monitor"));
  EXPECT_NE(output.find("MISBEHAVIOUR (changed-head)"), std::string::npos) << output;

  std::vector<fs::path> evidence;
  for (const auto& e : fs::directory_iterator(state))
    if (e.path().filename().string().starts_with("evidence-")) evidence.push_back(e.path());
  ASSERT_EQ(evidence.size(), 1u);
  auto doc = core::decode_json_strict(read_file(evidence[0].string())).value();
  EXPECT_EQ(doc["kind"], "changed-head");
  EXPECT_EQ(doc["evidence"]["index"], seen - 1);
  EXPECT_NE(doc["evidence"]["seen"]["mth"], doc["evidence"]["received"]["mth"]);
}

TEST_F(CliStack, MonitorDetectsABadSignatureWhileCatchingUp) {
  const fs::path state = dir_ / "monitor";
  auto monitor = start_monitor(state, {"--count", "5"});
  ASSERT_TRUE(wait_until([&] { return !monitor->running(); }, 60s)) << read_file(log("monitor"));
  ASSERT_EQ(monitor->wait(), 0) << read_file(log("monitor"));
  const uint64_t seen = monitor_size(state);
  // A head the monitor has not seen yet gets a forged signature.
  ASSERT_TRUE(wait_until([&] { return heads() > static_cast<int64_t>(seen + 5); }, 30s));
  const std::string target = std::to_string(seen + 3);
  query_value(db_,
              "UPDATE interval SET signature = set_byte(signature, 6, get_byte(signature, 6) # 1) "
              "WHERE idx = " +
                  target);
  stop_backend();
  start_backend();
  auto detecting = start_monitor(state);
  ASSERT_TRUE(wait_until([&] { return !detecting->running(); }, 60s)) << read_file(log("monitor"));
  EXPECT_EQ(detecting->wait(), 1) << read_file(log("monitor"));
  const std::string output = read_file(log("monitor"));
  EXPECT_NE(output.find("MISBEHAVIOUR (bad-signature)"), std::string::npos) << output;
  EXPECT_EQ(monitor_size(state), seen + 3);  // everything before the forged head was accepted
}

TEST_F(CliStack, MonitorDetectsAnUnpinnedKeyLive) {
  const fs::path state = dir_ / "monitor";
  auto monitor = start_monitor(state);
  ASSERT_TRUE(wait_until([&] { return monitor_size(state) >= 5; }, 60s))
      << read_file(log("monitor"));
  // The worker is swapped for one with another key, while the monitor follows.
  worker_->signal(SIGTERM);
  worker_->wait();
  start_worker((dir_ / "other-key.pem").string());
  ASSERT_TRUE(wait_until([&] { return !monitor->running(); }, 60s)) << read_file(log("monitor"));
  EXPECT_EQ(monitor->wait(), 1);
  const std::string output = read_file(log("monitor"));
  EXPECT_NE(output.find("MISBEHAVIOUR (unknown-key)"), std::string::npos) << output;
  bool saved = false;
  for (const auto& e : fs::directory_iterator(state))
    saved |= e.path().filename().string().find("unknown-key") != std::string::npos;
  EXPECT_TRUE(saved);
}

}  // namespace
}  // namespace ink::test
