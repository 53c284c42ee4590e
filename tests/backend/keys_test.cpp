// The key lifecycle through the real stack (docs/keys.md): stamp, rotate with
// `ink-worker --rotate-key`, stamp; both proofs verify with only the first
// key pinned; `ink monitor` follows the rotation; a key swapped without a
// transition makes it exit 1 with evidence; heads by a retired or revoked
// key fail `ink verify` at the signature step saying why; and a worker
// killed -9 in the middle of a rotation leaves exactly one transition.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "backend/backend_stack.h"
#include "core/key_chain.h"
#include "core/sign.h"

namespace ink {
namespace {

// A program run to its end; its output (stdout and stderr) and exit status.
std::pair<int, std::string> run(std::vector<std::string> argv, const std::string& log) {
  test::Process p(argv, {}, log);
  int status = p.wait();
  return {status, test::read_file(log)};
}

std::pair<int, std::string> ink(std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), test::bin_dir() + "/ink");
  return run(args, log);
}

std::string write_new_key(const std::string& path) {
  auto key = core::SigningKey::generate();
  EXPECT_TRUE(key.ok());
  std::ofstream(path) << key->to_pem();
  return key->key_id();
}

std::pair<int, std::string> rotate(const Stack& s, const std::string& pem, double wait,
                                   const std::string& log) {
  return run(
      {test::bin_dir() + "/ink-worker", "--database-url", s.db, "--authority", kAuthority, "--key",
       s.dir + "/key.pem", "--rotate-key", pem, "--rotate-wait", std::to_string(wait)},
      log);
}

uint64_t current_index(const Stack& s) {
  auto head = parse_json(http_get(s.base, "/api/v1/mth/current").body);
  return head.is_object() ? head["interval"].value("index", uint64_t{0}) : 0;
}

void wait_for_heads(const Stack& s, uint64_t at_least) {
  ASSERT_TRUE(test::wait_until([&] { return current_index(s) >= at_least; }, 30s));
}

// Stamps a file of `text` in dir; returns the file's path (its proof beside it).
std::string stamp_file(const Stack& s, const std::string& dir, const std::string& name,
                       const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  auto [status, output] = ink({"stamp", path, "--server", s.base}, dir + "/stamp-" + name + ".log");
  EXPECT_EQ(status, 0) << output;
  return path;
}

std::string fresh_dir(const std::string& name) {
  std::string dir = test::testenv_dir() + "/" + name + "-" + std::to_string(getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  return dir;
}

// No head stored signed by a key outside its range.
void expect_heads_in_range(Stack& s) {
  EXPECT_EQ(s.count("SELECT count(*) FROM interval i JOIN key_transition t "
                    "ON i.key_id = t.old_key_id AND i.idx >= t.idx"),
            0);
  EXPECT_EQ(s.count("SELECT count(*) FROM interval i JOIN key_transition t "
                    "ON i.key_id = t.new_key_id AND i.idx < t.idx"),
            0);
}

TEST(Keys, RotationKeepsProofsVerifiableAndTheMonitorFollows) {
  std::string dir = fresh_dir("keys-rotate");
  Stack s;
  ASSERT_TRUE(s.ready());
  wait_for_heads(s, 2);
  auto key = ink({"key", "--server", s.base}, dir + "/key.log");
  ASSERT_EQ(key.first, 0) << key.second;
  std::ofstream(dir + "/first-key.json") << key.second.substr(key.second.find('['));
  auto first_keys = parse_json(http_get(s.base, "/api/v1/keys").body);
  ASSERT_EQ(first_keys.size(), 1u) << first_keys.dump();
  EXPECT_EQ(first_keys[0]["first_interval"], 0);
  EXPECT_TRUE(first_keys[0]["last_interval"].is_null());
  const std::string old_id = first_keys[0]["key"];

  test::Process monitor({test::bin_dir() + "/ink", "monitor", "--server", s.base, "--key",
                         dir + "/first-key.json", "--state", dir + "/monitor", "--poll", "0.2"},
                        {}, dir + "/monitor.log");
  std::string before = stamp_file(s, dir, "before.txt", "signed by the first key");

  const std::string new_id = write_new_key(dir + "/new.pem");
  auto rotated = rotate(s, dir + "/new.pem", 30, dir + "/rotate.log");
  ASSERT_EQ(rotated.first, 0) << rotated.second;
  EXPECT_NE(rotated.second.find("key transition at interval"), std::string::npos) << rotated.second;
  EXPECT_EQ(s.count("SELECT count(*) FROM key_transition"), 1);
  const uint64_t t = std::stoull(test::query_value(s.db, "SELECT idx FROM key_transition"));
  wait_for_heads(s, t + 3);
  std::string after = stamp_file(s, dir, "after.txt", "signed by the second key");

  // The key list: oldest first, ranges, the transition with both signatures.
  auto keys = parse_json(http_get(s.base, "/api/v1/keys").body);
  ASSERT_EQ(keys.size(), 2u) << keys.dump();
  EXPECT_EQ(keys[0]["key"], old_id);
  EXPECT_EQ(keys[0]["last_interval"], t - 1);
  EXPECT_EQ(keys[1]["key"], new_id);
  EXPECT_EQ(keys[1]["first_interval"], t);
  EXPECT_EQ(keys[1]["transition"]["from"], old_id);
  EXPECT_EQ(keys[1]["algorithm"], "ed25519");
  // The worker swapped its key files: the new key in place, the old one kept.
  EXPECT_TRUE(test::wait_until(
      [&] { return test::read_file(s.dir + "/key.pem") == test::read_file(dir + "/new.pem"); },
      10s));
  EXPECT_TRUE(std::filesystem::exists(s.dir + "/key.pem.retired-" + old_id));
  expect_heads_in_range(s);

  // Both proofs, with only the first key pinned (the chain from the server).
  for (const auto& file : {before, after}) {
    auto v = ink({"verify", file, "--key", dir + "/first-key.json", "--server", s.base},
                 file + ".verify.log");
    EXPECT_EQ(v.first, 0) << v.second;
  }
  // Offline, with only the first key pinned: a proof stamped after the
  // rotation carries the chain; one stamped before needs none.
  EXPECT_TRUE(parse_json(test::read_file(after + ".ink.json")).contains("keys"));
  EXPECT_FALSE(parse_json(test::read_file(before + ".ink.json")).contains("keys"));
  for (const auto& file : {before, after}) {
    auto v = ink({"verify", file, "--key", dir + "/first-key.json"}, file + ".offline.log");
    EXPECT_EQ(v.first, 0) << v.second;
  }
  // Offline, with a key file that carries the chain (`ink key` now).
  auto chain = ink({"key", "--server", s.base}, dir + "/chain.log");
  ASSERT_EQ(chain.first, 0) << chain.second;
  std::ofstream(dir + "/chain-key.json") << chain.second.substr(chain.second.find('['));
  auto offline = ink({"verify", after, "--key", dir + "/chain-key.json"}, dir + "/offline.log");
  EXPECT_EQ(offline.first, 0) << offline.second;

  // The monitor kept running across the rotation, in the same state.
  EXPECT_TRUE(monitor.running()) << test::read_file(dir + "/monitor.log");
  monitor.signal(SIGTERM);
  EXPECT_EQ(monitor.wait(), 0) << test::read_file(dir + "/monitor.log");
  const std::string monitor_log = test::read_file(dir + "/monitor.log");
  EXPECT_NE(monitor_log.find("key " + new_id + " follows"), std::string::npos) << monitor_log;

  // A thief with the retired key signs a head after its last interval: refused.
  auto proof = parse_json(test::read_file(after + ".ink.json"));
  ASSERT_TRUE(proof.is_object());
  auto& head = proof["timestamp"]["proof"]["head"];
  auto old_key = core::SigningKey::from_pem(test::read_file(s.dir + "/key.pem.retired-" + old_id));
  ASSERT_TRUE(old_key.ok());
  auto mth = core::hash_from_base64(head["mth"].get<std::string>());
  ASSERT_TRUE(mth.ok());
  const uint64_t after_index = head["interval"];
  head["signature"] =
      core::to_base64(old_key->sign(core::head_statement(kAuthority, after_index, *mth)));
  head["key"] = old_id;
  std::ofstream(dir + "/forged.ink.json") << proof.dump();
  auto forged = ink({"verify", after, "--proof", dir + "/forged.ink.json", "--key",
                     dir + "/first-key.json", "--server", s.base},
                    dir + "/forged.log");
  EXPECT_EQ(forged.first, 1) << forged.second;
  EXPECT_NE(forged.second.find("FAIL  signature"), std::string::npos) << forged.second;
  EXPECT_NE(forged.second.find("retired after interval " + std::to_string(t - 1)),
            std::string::npos)
      << forged.second;

  // Revoked: the first key after an index before the first proof's head.
  auto before_proof = parse_json(test::read_file(before + ".ink.json"));
  const uint64_t before_index = before_proof["timestamp"]["proof"]["head"]["interval"];
  ASSERT_GE(before_index, 1u);
  auto revoke = run(
      {test::bin_dir() + "/ink-worker", "--database-url", s.db, "--authority", kAuthority, "--key",
       s.dir + "/key.pem", "--revoke-key", old_id, "--after", std::to_string(before_index - 1)},
      dir + "/revoke.log");
  ASSERT_EQ(revoke.first, 0) << revoke.second;
  auto again =
      run({test::bin_dir() + "/ink-worker", "--database-url", s.db, "--authority", kAuthority,
           "--key", s.dir + "/key.pem", "--revoke-key", new_id, "--after", "1"},
          dir + "/revoke-active.log");
  EXPECT_EQ(again.first, 1) << "the active key cannot be revoked: " << again.second;
  keys = parse_json(http_get(s.base, "/api/v1/keys").body);
  EXPECT_EQ(keys[0]["revocation"]["after"], before_index - 1) << keys.dump();
  EXPECT_EQ(keys[0]["revocation"]["by"], new_id);
  // The key list is cached for a minute; the server's answer is fresh for a new process.
  auto revoked = ink({"verify", before, "--key", dir + "/first-key.json", "--server", s.base},
                     dir + "/revoked.log");
  EXPECT_EQ(revoked.first, 1) << revoked.second;
  EXPECT_NE(revoked.second.find("FAIL  signature"), std::string::npos) << revoked.second;
  EXPECT_NE(revoked.second.find("revoked after interval " + std::to_string(before_index - 1)),
            std::string::npos)
      << revoked.second;
  // The second key's proof still holds.
  auto still = ink({"verify", after, "--key", dir + "/first-key.json", "--server", s.base},
                   dir + "/still.log");
  EXPECT_EQ(still.first, 0) << still.second;
}

TEST(Keys, AKeySwappedWithoutATransitionMakesTheMonitorExitOne) {
  std::string dir = fresh_dir("keys-swap");
  Stack s;
  ASSERT_TRUE(s.ready());
  wait_for_heads(s, 1);
  test::Process monitor({test::bin_dir() + "/ink", "monitor", "--server", s.base, "--state",
                         dir + "/monitor", "--poll", "0.2"},
                        {}, dir + "/monitor.log");
  ASSERT_TRUE(test::wait_until(
      [&] { return test::read_file(dir + "/monitor.log").find("ok  ") != std::string::npos; },
      20s));
  // The operator swaps the key file by hand, without --rotate-key.
  s.stop_worker();
  write_new_key(s.dir + "/key.pem");
  s.restart_worker();
  ASSERT_TRUE(test::wait_until([&] { return !monitor.running(); }, 30s))
      << test::read_file(dir + "/monitor.log");
  EXPECT_EQ(monitor.wait(), 1);
  const std::string log = test::read_file(dir + "/monitor.log");
  EXPECT_NE(log.find("MISBEHAVIOUR (unknown-key)"), std::string::npos) << log;
  EXPECT_NE(log.find("evidence saved to"), std::string::npos) << log;
  EXPECT_EQ(s.count("SELECT count(*) FROM key_transition"), 0);
}

TEST(Keys, TheWitnessFollowsARotationAndKeepsItsState) {
  std::string dir = fresh_dir("keys-witness");
  auto witness_key = core::SigningKey::generate();
  ASSERT_TRUE(witness_key.ok());
  std::ofstream(dir + "/witness.pem") << witness_key->to_pem();
  std::ofstream(dir + "/witnesses.json")
      << Json::array({{{"name", "w"}, {"public_key", core::to_base64(witness_key->public_key())}}})
             .dump();
  StackOptions options;
  options.backend_env = {{"INK_WITNESSES", dir + "/witnesses.json"}};
  Stack s(options);
  ASSERT_TRUE(s.ready());
  auto key = ink({"key", "--server", s.base}, dir + "/key.log");
  ASSERT_EQ(key.first, 0) << key.second;
  std::ofstream(dir + "/log-key.json") << key.second.substr(key.second.find('['));
  auto start_witness = [&] {
    return std::make_unique<test::Process>(
        std::vector<std::string>{test::bin_dir() + "/ink", "witness", "--server", s.base,
                                 "--log-key", dir + "/log-key.json", "--key", dir + "/witness.pem",
                                 "--name", "w", "--state", dir + "/state", "--poll", "0.1"},
        std::map<std::string, std::string>{}, dir + "/witness.log");
  };
  auto witness = start_witness();
  auto newest_cosigned = [&] { return s.count("SELECT coalesce(max(idx), -1) FROM cosignature"); };
  ASSERT_TRUE(test::wait_until([&] { return newest_cosigned() >= 1; }, 20s))
      << test::read_file(dir + "/witness.log");

  write_new_key(dir + "/new.pem");
  auto rotated = rotate(s, dir + "/new.pem", 30, dir + "/rotate.log");
  ASSERT_EQ(rotated.first, 0) << rotated.second;
  const int64_t t = std::stoll(test::query_value(s.db, "SELECT idx FROM key_transition"));
  ASSERT_TRUE(test::wait_until([&] { return newest_cosigned() >= t + 2; }, 20s))
      << test::read_file(dir + "/witness.log");
  EXPECT_TRUE(witness->running()) << test::read_file(dir + "/witness.log");
  EXPECT_NE(test::read_file(dir + "/witness.log").find("follows the pinned key"), std::string::npos)
      << test::read_file(dir + "/witness.log");
  // Every head got its cosignature, across the rotation.
  EXPECT_EQ(
      s.count("SELECT count(*) FROM cosignature WHERE idx <= " + std::to_string(t + 2)),
      s.count("SELECT count(DISTINCT idx) FROM cosignature WHERE idx <= " + std::to_string(t + 2)));
  EXPECT_EQ(s.count("SELECT count(*) FROM interval i WHERE i.idx BETWEEN " + std::to_string(t) +
                    " AND " + std::to_string(t + 2) +
                    " AND NOT EXISTS (SELECT 1 FROM cosignature c WHERE c.idx = i.idx)"),
            0);

  // Restarted with the same state and the first key's file: it carries on;
  // and again with `ink key`'s list after the rotation (both keys, one
  // chain), as `make up` gives its local witnesses.
  for (bool chain_file : {false, true}) {
    SCOPED_TRACE(chain_file ? "the chain's key file" : "the first key's file");
    witness->signal(SIGTERM);
    witness->wait();
    if (chain_file) {
      auto listed = ink({"key", "--server", s.base}, dir + "/key-after.log");
      ASSERT_EQ(listed.first, 0) << listed.second;
      std::ofstream(dir + "/log-key.json") << listed.second.substr(listed.second.find('['));
    }
    const int64_t before_restart = newest_cosigned();
    witness = start_witness();
    ASSERT_TRUE(test::wait_until([&] { return newest_cosigned() >= before_restart + 2; }, 20s))
        << test::read_file(dir + "/witness.log");
    EXPECT_TRUE(witness->running()) << test::read_file(dir + "/witness.log");
  }
  // A fresh witness given the chain's key file pins its first key and follows.
  witness->signal(SIGTERM);
  witness->wait();
  std::system(("rm -rf " + dir + "/state").c_str());
  const int64_t before_fresh = newest_cosigned();
  witness = start_witness();
  ASSERT_TRUE(test::wait_until([&] { return newest_cosigned() >= before_fresh + 2; }, 20s))
      << test::read_file(dir + "/witness.log");
}

// kill -9 of the worker in the middle of a rotation, at both sides of the COMMIT.
TEST(Keys, AWorkerKilledMidRotationLeavesExactlyOneTransition) {
  for (const std::string phase : {"rotation-before-commit", "rotation-after-commit"}) {
    SCOPED_TRACE(phase);
    std::string dir = fresh_dir("keys-crash-" + phase);
    StackOptions options;
    options.worker_env = {{"INK_WORKER_CRASH_AT", phase}};
    Stack s(options);
    ASSERT_TRUE(s.ready());
    wait_for_heads(s, 1);
    const std::string new_id = write_new_key(dir + "/new.pem");
    auto rotated = rotate(s, dir + "/new.pem", 5, dir + "/rotate.log");
    // Before the COMMIT nothing is stored (the command gives up waiting);
    // after it the transition is there although the worker died.
    EXPECT_EQ(rotated.first, phase == "rotation-before-commit" ? 3 : 0) << rotated.second;
    EXPECT_EQ(s.count("SELECT count(*) FROM key_transition"),
              phase == "rotation-before-commit" ? 0 : 1);
    // Restarted as `make up` would: the same command line, no crash point.
    s.stop_worker();
    s.worker_env().clear();
    s.restart_worker();
    ASSERT_TRUE(
        test::wait_until([&] { return s.count("SELECT count(*) FROM key_transition") == 1; }, 20s));
    const uint64_t t = std::stoull(test::query_value(s.db, "SELECT idx FROM key_transition"));
    wait_for_heads(s, t + 3);
    EXPECT_EQ(s.count("SELECT count(*) FROM key_transition"), 1);
    EXPECT_EQ(test::query_value(s.db, "SELECT new_key_id FROM key_transition"), new_id);
    EXPECT_EQ(test::query_value(s.db, "SELECT key_id FROM interval ORDER BY idx DESC LIMIT 1"),
              new_id);
    expect_heads_in_range(s);
    EXPECT_TRUE(test::wait_until(
        [&] { return test::read_file(s.dir + "/key.pem") == test::read_file(dir + "/new.pem"); },
        10s));
    EXPECT_FALSE(std::filesystem::exists(s.dir + "/key.pem.next"));
    auto again = rotate(s, dir + "/new.pem", 5, dir + "/rotate-again.log");
    EXPECT_EQ(again.first, 0) << again.second;
    EXPECT_EQ(s.count("SELECT count(*) FROM key_transition"), 1);
    // The audit checks the chain and every head's key range.
    auto audit = run({test::bin_dir() + "/ink-worker", "--audit", "--database-url", s.db,
                      "--authority", kAuthority},
                     dir + "/audit.log");
    EXPECT_EQ(audit.first, 0) << audit.second;
  }
}

}  // namespace
}  // namespace ink
