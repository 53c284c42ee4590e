#include "cli/proof_check.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>

#include "cli/proof_io.h"
#include "cli/url.h"
#include "core/client_conventions.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/proof_file.h"
#include "core/record_hash.h"
#include "core/test_log.h"
#include "core/verify.h"

namespace ink::cli {
namespace {

using core::testing::TestLog;
namespace fs = std::filesystem;

std::vector<core::PublicKey> keys_of(const TestLog& log) { return {log.key().public_key()}; }

TEST(ProofCheck, StampedDataPassesEveryStep) {
  TestLog log;
  const std::string data = data_for_text("hello");
  std::string text = format_proof_file(log.proof_file(data, {"hello.txt"}));
  core::ProofFile parsed;
  auto report = check_proof_file(text, data, "The text", keys_of(log), &parsed);
  ASSERT_TRUE(report.passed()) << report.first_failure()->name << ": "
                               << report.first_failure()->message;
  std::vector<std::string> names;
  for (auto& s : report.steps) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"proof-file", "data", "ts-hash", "interval-path",
                                             "ihash", "inclusion", "signature"}));
  EXPECT_EQ(parsed.data, data);
  EXPECT_EQ(parsed.files, std::vector<std::string>{"hello.txt"});
}

TEST(ProofCheck, OtherDataFailsAtData) {
  TestLog log;
  std::string text = format_proof_file(log.proof_file(data_for_text("hello"), {}));
  auto report = check_proof_file(text, data_for_text("hellO"), "The file x", keys_of(log));
  ASSERT_FALSE(report.passed());
  EXPECT_EQ(report.first_failure()->name, "data");
  EXPECT_NE(report.first_failure()->message.find("The file x differs"), std::string::npos);
}

TEST(ProofCheck, WrongKeyFailsAtSignature) {
  TestLog log, other;
  const std::string data = data_for_text("hello");
  std::string text = format_proof_file(log.proof_file(data, {}));
  auto report = check_proof_file(text, data, "The text", keys_of(other));
  ASSERT_FALSE(report.passed());
  EXPECT_EQ(report.first_failure()->name, "signature");
}

// Flipping any one bit of a proof file must make it fail, except inside the
// two informational values ("id" and the file names) that nothing signs.
TEST(ProofCheck, EveryFlippedBitFails) {
  TestLog log;
  const std::string data = data_for_text("flip me");
  const std::string text = format_proof_file(log.proof_file(data, {"a.txt"}));
  auto value_range = [&](const std::string& key_prefix) {
    size_t at = text.find(key_prefix);
    EXPECT_NE(at, std::string::npos);
    size_t begin = at + key_prefix.size();
    size_t end = text.find_first_of("\"]", begin);
    return std::pair{begin, end};
  };
  auto [id_begin, id_end] = value_range("\"id\": \"");
  auto [files_begin, files_end] = value_range("\"files\": [\n    \"");
  ASSERT_TRUE(check_proof_file(text, data, "The text", keys_of(log)).passed());
  size_t checked = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if ((pos >= id_begin && pos < id_end) || (pos >= files_begin && pos < files_end)) continue;
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = text;
      flipped[pos] = static_cast<char>(flipped[pos] ^ (1 << bit));
      auto report = check_proof_file(flipped, data, "The text", keys_of(log));
      ASSERT_FALSE(report.passed()) << "bit " << bit << " at " << pos << " in:\n"
                                    << text.substr(pos > 40 ? pos - 40 : 0, 80);
      ++checked;
    }
  }
  EXPECT_GT(checked, 8 * 1000u);
}

TEST(ProofCheck, ConsistencyProofForOtherSizesFails) {
  TestLog log;
  auto answer = log.stamp(data_for_text("x"));
  for (int k = 0; k < 5; ++k) log.add_interval({});
  const auto& proof_head = answer.proof->head;
  const auto& current = log.heads().back();
  core::CheckReport report;
  check_against_head(report, proof_head, current, &*current.consistency, keys_of(log));
  // The head's own consistency proof is from its predecessor, not from the proof's head.
  ASSERT_FALSE(report.passed());
  EXPECT_EQ(report.first_failure()->name, "consistency");
}

TEST(ProofCheck, ConsistencyWithNewerHead) {
  TestLog log;
  log.add_interval({});
  auto answer = log.stamp(data_for_text("x"));
  for (int k = 0; k < 6; ++k) log.add_interval({core::sha3_256(core::as_bytes(std::to_string(k)))});
  // A consistency proof from the proof's interval to the newest, as the server makes it.
  core::InMemoryNodeStore nodes;
  core::CompactRange range;
  core::Hasher hasher;
  for (const auto& h : log.heads())
    for (const auto& n : range.append(core::ihash(h.interval), hasher)) nodes.put(n.id, n.hash);
  const uint64_t i = answer.proof->head.interval.index, c = log.size() - 1;
  core::ConsistencyProof proof{i, c, core::read_consistency_proof(nodes, i + 1, c + 1).value()};
  core::CheckReport ok;
  check_against_head(ok, answer.proof->head, log.heads().back(), &proof, keys_of(log));
  EXPECT_TRUE(ok.passed()) << ok.first_failure()->message;

  // A fork: another log with the same key and authority but other leaves.
  core::CheckReport forked;
  core::SignedHead other = log.heads().back();
  other.mth[0] ^= 1;
  check_against_head(forked, answer.proof->head, other, &proof, keys_of(log));
  ASSERT_FALSE(forked.passed());
  EXPECT_EQ(forked.first_failure()->name, "current-head");  // its signature no longer matches

  // An older current head means a rollback.
  core::CheckReport older;
  check_against_head(older, answer.proof->head, log.heads().front(), nullptr, keys_of(log));
  ASSERT_FALSE(older.passed());
  EXPECT_EQ(older.first_failure()->name, "consistency");
}

// The steps check_against_head appended, as "name:passed" (to see which failed, and that
// the current head itself was accepted before consistency was judged).
std::vector<std::string> step_verdicts(const core::CheckReport& report) {
  std::vector<std::string> v;
  for (const auto& s : report.steps) v.push_back(s.name + (s.passed ? ":ok" : ":FAIL"));
  return v;
}

const std::vector<std::string> kConsistencyFails{"current-head:ok", "consistency:FAIL"};
const std::vector<std::string> kConsistencyPasses{"current-head:ok", "consistency:ok"};

// (Appending to a string, not "literal" + string: GCC 12 warns on that falsely.)
std::string tagged_name(std::string tag, size_t k) {
  tag += std::to_string(k);
  return tag;
}
core::Hash tagged(std::string tag, int k) {
  return core::sha3_256(core::as_bytes(tagged_name(std::move(tag), static_cast<size_t>(k))));
}

// A log with the proof's head at interval 3 (of 0..3).
struct ForkFixture {
  TestLog log;
  core::SignedHead proof_head;
  ForkFixture() {
    for (int k = 0; k < 3; ++k) log.add_interval({tagged("l", k)});
    proof_head = log.stamp(data_for_text("forked")).proof->head;
  }
};

TEST(ProofCheck, ForkedHeadForTheSameIntervalFailsAtConsistency) {
  ForkFixture f;
  ASSERT_EQ(f.proof_head.interval.index, 3u);
  // Same key, same authority, same first three intervals; another interval 3.
  TestLog fork = f.log.fork(3);
  const core::SignedHead other = fork.add_interval({core::sha3_256(core::as_bytes("other"))});
  ASSERT_EQ(other.interval.index, 3u);
  ASSERT_NE(other.mth, f.proof_head.mth);
  ASSERT_TRUE(core::check_head(other, keys_of(f.log)).passed());  // a valid head in itself

  core::CheckReport report;
  check_against_head(report, f.proof_head, other, nullptr, keys_of(f.log));
  EXPECT_EQ(step_verdicts(report), kConsistencyFails);

  // The proof's own head as the current one passes: the failure above is the fork's.
  core::CheckReport same;
  check_against_head(same, f.proof_head, f.log.heads().back(), nullptr, keys_of(f.log));
  EXPECT_EQ(step_verdicts(same), kConsistencyPasses);
}

TEST(ProofCheck, ForkedNewerHeadFailsAtConsistency) {
  ForkFixture f;
  // The fork shares intervals 0..1, then grows to interval 6 with its own history;
  // its consistency proof from 3 to 6 is genuine, for its own mth_3.
  TestLog fork = f.log.fork(2);
  for (int k = 0; k < 5; ++k) fork.add_interval({tagged("f", k)});
  ASSERT_EQ(fork.size(), 7u);
  const core::SignedHead current = fork.heads().back();
  ASSERT_TRUE(core::check_head(current, keys_of(f.log)).passed());
  const core::ConsistencyProof proof = fork.consistency(3, 6);
  ASSERT_EQ(core::verify_consistency(4, 7, fork.heads()[3].mth, current.mth, proof.nodes),
            core::ProofError::kOk);

  core::CheckReport report;
  check_against_head(report, f.proof_head, current, &proof, keys_of(f.log));
  EXPECT_EQ(step_verdicts(report), kConsistencyFails);

  // A fork made after the proof's interval still extends it: nothing to detect.
  TestLog later = f.log.fork(4);
  for (int k = 0; k < 3; ++k) later.add_interval({});
  core::ConsistencyProof later_proof = later.consistency(3, 6);
  core::CheckReport extends;
  check_against_head(extends, f.proof_head, later.heads().back(), &later_proof, keys_of(f.log));
  EXPECT_EQ(step_verdicts(extends), kConsistencyPasses);
}

TEST(ProofCheck, WrongConsistencyProofFailsAtConsistency) {
  ForkFixture f;
  for (int k = 0; k < 5; ++k)
    f.log.add_interval({core::sha3_256(core::as_bytes(std::to_string(k)))});
  const core::SignedHead current = f.log.heads().back();
  const core::ConsistencyProof good = f.log.consistency(3, 8);
  ASSERT_GE(good.nodes.size(), 2u);
  core::CheckReport ok;
  check_against_head(ok, f.proof_head, current, &good, keys_of(f.log));
  ASSERT_EQ(step_verdicts(ok), kConsistencyPasses);

  std::vector<std::pair<std::string, core::ConsistencyProof>> wrong;
  for (size_t n = 0; n < good.nodes.size(); ++n) {
    core::ConsistencyProof p = good;
    p.nodes[n][n % core::Hash{}.size()] ^= 0x40;
    wrong.emplace_back(tagged_name("node ", n) + " changed", p);
  }
  core::ConsistencyProof shorter = good;
  shorter.nodes.pop_back();
  wrong.emplace_back("last node dropped", shorter);
  core::ConsistencyProof longer = good;
  longer.nodes.push_back(good.nodes.front());
  wrong.emplace_back("node added", longer);
  core::ConsistencyProof swapped = good;
  std::swap(swapped.nodes.front(), swapped.nodes.back());
  wrong.emplace_back("nodes swapped", swapped);
  core::ConsistencyProof other_from = f.log.consistency(2, 8);
  wrong.emplace_back("proof from interval 2", other_from);
  core::ConsistencyProof relabelled = other_from;
  relabelled.old_interval = 3;
  wrong.emplace_back("proof from interval 2 labelled as from 3", relabelled);
  core::ConsistencyProof other_to = f.log.consistency(3, 7);
  wrong.emplace_back("proof to interval 7", other_to);

  for (const auto& [what, proof] : wrong) {
    core::CheckReport report;
    check_against_head(report, f.proof_head, current, &proof, keys_of(f.log));
    EXPECT_EQ(step_verdicts(report), kConsistencyFails) << what;
  }
  core::CheckReport missing;
  check_against_head(missing, f.proof_head, current, nullptr, keys_of(f.log));
  EXPECT_EQ(step_verdicts(missing), kConsistencyFails);
}

TEST(ProofIo, DataForFilesFollowsClientConventions) {
  const fs::path dir = fs::temp_directory_path() / ("ink_cli_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a") << "alpha";
  std::ofstream(dir / "b") << "beta";
  EXPECT_EQ(data_for_file(dir / "a").value(), core::data_for_bytes(core::as_bytes("alpha")));
  EXPECT_EQ(data_for_files({dir / "b", dir / "a"}).value(),
            core::data_for_files({core::data_for_bytes(core::as_bytes("alpha")),
                                  core::data_for_bytes(core::as_bytes("beta"))}));
  auto missing = data_for_file(dir / "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing"), std::string::npos);
  EXPECT_FALSE(data_for_file(dir).ok());
  fs::remove_all(dir);
}

std::string public_pem(const core::PublicKey& key) {
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

TEST(ProofIo, KeyFilesAsJsonOrPem) {
  TestLog log;
  const core::PublicKey pk = log.key().public_key();
  const std::string json = core::to_wire_json(core::keys_json(std::vector{pk})).dump();
  EXPECT_EQ(parse_key_file(json).value(), std::vector{pk});
  EXPECT_EQ(parse_key_file(public_pem(pk)).value(), std::vector{pk});
  EXPECT_FALSE(parse_key_file("[]").ok());
  EXPECT_FALSE(parse_key_file("not a key").ok());
  EXPECT_FALSE(parse_key_file(log.key().to_pem()).ok());  // a private key is not a key file
  std::string wrong_id = json;
  wrong_id[wrong_id.find("\"key\":\"") + 7] ^= 1;
  EXPECT_FALSE(parse_key_file(wrong_id).ok());
}

TEST(ProofIo, ProofFileRoundTripsAndNeedsItsProof) {
  TestLog log;
  core::ProofFile p = log.proof_file(data_for_text("x"), {"x"});
  auto parsed = parse_proof_file(format_proof_file(p));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(format_proof_file(*parsed), format_proof_file(p));
  p.timestamp.proof.reset();
  auto no_proof = parse_proof_file(format_proof_file(p));
  ASSERT_FALSE(no_proof.ok());
  EXPECT_NE(no_proof.error().message.find("timestamp.proof"), std::string::npos);
}

TEST(ProofIo, ProofFileAuthorityMustBeTheSignedOne) {
  TestLog log;
  core::ProofFile p = log.proof_file(data_for_text("x"), {});
  p.authority = "elsewhere.example";
  auto parsed = parse_proof_file(format_proof_file(p));
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("authority"), std::string::npos);
}

TEST(ServerUrl, ParsesWhatUsersType) {
  auto a = parse_server_url("https://unchanging.ink").value();
  EXPECT_TRUE(a.tls);
  EXPECT_EQ(a.host, "unchanging.ink");
  EXPECT_EQ(a.port, "443");
  EXPECT_EQ(a.text(), "https://unchanging.ink");
  auto b = parse_server_url("http://127.0.0.1:23230/").value();
  EXPECT_FALSE(b.tls);
  EXPECT_EQ(b.port, "23230");
  EXPECT_EQ(b.base_path, "");
  EXPECT_EQ(b.host_header(), "127.0.0.1:23230");
  auto c = parse_server_url("localhost:8080/ink/").value();
  EXPECT_FALSE(c.tls);  // loopback without a scheme: plain http
  EXPECT_EQ(c.base_path, "/ink");
  auto d = parse_server_url("example.org").value();
  EXPECT_TRUE(d.tls);
  auto e = parse_server_url("http://[::1]:9000").value();
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.host_header(), "[::1]:9000");
  for (const char* bad : {"ftp://x", "http://", "http://host:0", "http://host:99999",
                          "http://host:12a", "http://host/?q", "http://host:"}) {
    EXPECT_FALSE(parse_server_url(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace ink::cli
