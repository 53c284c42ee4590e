// The command line in-process: arguments, exit statuses and messages, with
// proofs built by the core (no server needed).
#include "cli/cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/proof_io.h"
#include "core/decode.h"
#include "core/json_write.h"
#include "core/test_log.h"

namespace ink::cli {
namespace {

namespace fs = std::filesystem;
using core::testing::TestLog;

struct Outcome {
  int status;
  std::string out, err;
};

Outcome ink(std::vector<std::string> args) {
  args.insert(args.begin(), "ink");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status = run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ink_cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    file_ = dir_ / "contract.txt";
    std::ofstream(file_) << "I promise.\n";
    proof_ = default_proof_path(file_);
    std::ofstream(proof_) << format_proof_file(
        log_.proof_file(data_for_file(file_).value(), {"contract.txt"}));
    keys_ = dir_ / "keys.json";
    std::ofstream(keys_)
        << core::to_wire_json(core::keys_json(std::vector{log_.key().public_key()})).dump();
  }
  void TearDown() override { fs::remove_all(dir_); }

  TestLog log_;
  fs::path dir_, file_, proof_, keys_;
};

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(ink({}).status, kExitError);
  EXPECT_EQ(ink({"frobnicate"}).status, kExitError);
  EXPECT_EQ(ink({"stamp"}).status, kExitError);
  EXPECT_EQ(ink({"stamp", "a", "--text", "b"}).status, kExitError);
  EXPECT_EQ(ink({"monitor"}).status, kExitError);  // --state is required
  auto missing = ink({"verify", (dir_ / "nothing").string(), "--key", keys_.string()});
  EXPECT_EQ(missing.status, kExitError);
  EXPECT_NE(missing.err.find("cannot read " + (dir_ / "nothing").string()), std::string::npos)
      << missing.err;
  fs::remove(proof_);
  auto no_proof = ink({"verify", file_.string(), "--key", keys_.string()});
  EXPECT_EQ(no_proof.status, kExitError);
  EXPECT_NE(no_proof.err.find("cannot read " + proof_.string()), std::string::npos) << no_proof.err;
  auto bad_url = ink({"head", "--server", "ftp://example.org"});
  EXPECT_EQ(bad_url.status, kExitError);
  EXPECT_NE(bad_url.err.find("only http:// and https://"), std::string::npos);
}

TEST_F(CliTest, EveryCommandHasHelp) {
  for (const char* cmd : {"stamp", "verify", "monitor", "head", "key"}) {
    auto r = ink({cmd, "--help"});
    EXPECT_EQ(r.status, kExitOk) << cmd;
    EXPECT_NE(r.out.find("--server"), std::string::npos) << cmd << ":\n" << r.out;
  }
  EXPECT_NE(ink({"verify", "--help"}).out.find("--proof"), std::string::npos);
  EXPECT_EQ(ink({"--help"}).status, kExitOk);
}

TEST_F(CliTest, VerifyOfflineWithPinnedKey) {
  auto r = ink({"verify", file_.string(), "--key", keys_.string()});
  EXPECT_EQ(r.status, kExitOk) << r.out << r.err;
  EXPECT_NE(r.out.find("VALID"), std::string::npos);
  EXPECT_NE(r.out.find("ok    signature"), std::string::npos);
}

TEST_F(CliTest, VerifyChangedFileExitsOneNamingTheStep) {
  std::ofstream(file_, std::ios::app) << "Not really.\n";
  auto r = ink({"verify", file_.string(), "--proof", proof_.string(), "--key", keys_.string()});
  EXPECT_EQ(r.status, kExitInvalid);
  EXPECT_NE(r.out.find("FAIL  data: The file " + file_.string() + " differs"), std::string::npos)
      << r.out;
  auto j = ink({"verify", file_.string(), "--key", keys_.string(), "--json"});
  EXPECT_EQ(j.status, kExitInvalid);
  auto doc = core::decode_json_strict(j.out).value();
  EXPECT_EQ(doc["valid"], false);
  EXPECT_EQ(doc["failed_step"], "data");
}

TEST_F(CliTest, VerifyWithWrongKeyExitsOne) {
  TestLog other;
  fs::path wrong = dir_ / "wrong.json";
  std::ofstream(wrong)
      << core::to_wire_json(core::keys_json(std::vector{other.key().public_key()})).dump();
  auto r = ink({"verify", file_.string(), "--key", wrong.string()});
  EXPECT_EQ(r.status, kExitInvalid);
  EXPECT_NE(r.out.find("FAIL  signature"), std::string::npos) << r.out;
}

TEST_F(CliTest, VerifyDamagedProofExitsOne) {
  std::string text = read_text_file(proof_).value();
  text[text.find("\"signature\": \"") + 20] ^= 0x01;
  std::ofstream(proof_, std::ios::trunc) << text;
  auto r = ink({"verify", file_.string(), "--key", keys_.string()});
  EXPECT_EQ(r.status, kExitInvalid) << r.out << r.err;
  EXPECT_NE(r.out.find("INVALID"), std::string::npos);
}

TEST_F(CliTest, UnreachableServerIsANetworkError) {
  // Port 1 on loopback: nothing listens there, the connection is refused.
  auto r = ink({"head", "--server", "http://127.0.0.1:1", "--retries", "1", "--timeout", "2"});
  EXPECT_EQ(r.status, kExitError);
  EXPECT_NE(r.err.find("network error: cannot connect to http://127.0.0.1:1"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("retrying in"), std::string::npos) << r.err;  // one retry, announced
}

}  // namespace
}  // namespace ink::cli
