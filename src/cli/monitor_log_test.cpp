#include "cli/monitor_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "cli/proof_io.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/record_hash.h"
#include "core/test_log.h"

namespace ink::cli {
namespace {

using core::testing::TestLog;
namespace fs = std::filesystem;

class MonitorLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ink_monitor_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  MonitorLog open_pinned(const TestLog& log) {
    auto m = MonitorLog::open(dir_);
    EXPECT_TRUE(m.ok()) << m.error().message;
    if (!m->pinned()) m->pin("http://server.test", "", {log.key().public_key()});
    return std::move(*m);
  }

  // Appends heads [from, to) of log; expects no finding.
  void follow(MonitorLog& m, const TestLog& log, uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; ++i) {
      auto f = m.append(log.heads()[i], log.head_json(i));
      ASSERT_FALSE(f) << f->kind << ": " << f->message;
    }
  }

  fs::path dir_;
};

void grow(TestLog& log, int n) {
  for (int k = 0; k < n; ++k) {
    std::vector<core::Hash> ts;
    for (int t = 0; t < k % 3; ++t)
      ts.push_back(core::sha3_256(core::as_bytes(std::to_string(k * 10 + t))));
    log.add_interval(ts);
  }
}

TEST_F(MonitorLogTest, FollowsAHonestLogAndSurvivesARestart) {
  TestLog log;
  grow(log, 25);
  {
    MonitorLog m = open_pinned(log);
    follow(m, log, 0, 20);
    ASSERT_TRUE(m.flush().ok());
  }
  MonitorLog again = open_pinned(log);
  EXPECT_EQ(again.size(), 20u);
  EXPECT_EQ(again.authority(), log.authority());
  EXPECT_EQ(again.record(19).mth, log.heads()[19].mth);
  EXPECT_FALSE(again.compare(log.heads()[19], log.head_json(19)));
  follow(again, log, 20, 25);
}

TEST_F(MonitorLogTest, UnconfirmedRecordsAreDroppedOnOpen) {
  TestLog log;
  grow(log, 6);
  {
    MonitorLog m = open_pinned(log);
    follow(m, log, 0, 3);
    ASSERT_TRUE(m.flush().ok());
    follow(m, log, 3, 6);  // appended, never flushed: as if the process died
  }
  MonitorLog again = open_pinned(log);
  EXPECT_EQ(again.size(), 3u);
  follow(again, log, 3, 6);
}

TEST_F(MonitorLogTest, DamagedStateIsRefused) {
  TestLog log;
  grow(log, 4);
  {
    MonitorLog m = open_pinned(log);
    follow(m, log, 0, 4);
    ASSERT_TRUE(m.flush().ok());
  }
  {
    std::fstream f(dir_ / "heads.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5);
    f.put('\x7f');
  }
  auto reopened = MonitorLog::open(dir_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message.find("do not give the stored last mth"), std::string::npos);
}

TEST_F(MonitorLogTest, AForkedHeadIsFound) {
  TestLog honest;
  grow(honest, 10);
  MonitorLog m = open_pinned(honest);
  follow(m, honest, 0, 8);

  // Rebuild the fork with honest's key: copy heads 0..2, then other leaves.
  // A head signed correctly but whose mth is not the root of the leaves seen:
  core::SignedHead evil = honest.heads()[8];
  evil.interval.ith[0] ^= 1;  // another interval 8, and a tree built over it
  {
    core::Hasher hasher;
    core::CompactRange range;
    core::InMemoryNodeStore nodes;
    for (uint64_t i = 0; i < 8; ++i) {
      core::IntervalRecord r = honest.heads()[i].interval;
      if (i == 3) r.ith[1] ^= 1;  // history rewritten at interval 3
      for (auto& n : range.append(core::ihash(r), hasher)) nodes.put(n.id, n.hash);
    }
    for (auto& n : range.append(core::ihash(evil.interval), hasher)) nodes.put(n.id, n.hash);
    evil.mth = range.root(hasher);
    evil.inclusion.nodes = core::read_inclusion_proof(nodes, 8, 9).value();
    evil.consistency->nodes = core::read_consistency_proof(nodes, 8, 9).value();
    // Sign it with the pinned key: only the monitor's own copy of the leaves can tell.
    auto sk = honest.key();
    evil.signature = sk.sign(core::head_statement(evil.authority, 8, evil.mth));
  }
  auto f = m.append(evil, core::to_wire_json(core::to_json(evil)));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, "fork");
  EXPECT_EQ(m.size(), 8u);  // nothing appended
  auto path = m.save_evidence(*f);
  ASSERT_TRUE(path.ok());
  auto doc = core::decode_json_strict(read_text_file(*path).value()).value();
  EXPECT_EQ(doc["kind"], "fork");
  EXPECT_EQ(doc["evidence"]["received"]["mth"], core::to_base64(evil.mth));
  EXPECT_EQ(doc["evidence"]["previous"]["mth"], core::to_base64(honest.heads()[7].mth));
}

TEST_F(MonitorLogTest, BadSignatureUnknownKeyAndBadProofs) {
  TestLog log, stranger(log.authority());
  grow(log, 5);
  grow(stranger, 5);
  MonitorLog m = open_pinned(log);
  follow(m, log, 0, 4);

  core::SignedHead h = log.heads()[4];
  h.signature[10] ^= 1;
  auto bad_sig = m.append(h, {});
  ASSERT_TRUE(bad_sig);
  EXPECT_EQ(bad_sig->kind, "bad-signature");

  auto unknown = m.append(stranger.heads()[4], {});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->kind, "unknown-key");

  h = log.heads()[4];
  h.inclusion.nodes.back()[0] ^= 1;
  auto bad_inclusion = m.append(h, {});
  ASSERT_TRUE(bad_inclusion);
  EXPECT_EQ(bad_inclusion->kind, "bad-inclusion");

  h = log.heads()[4];
  h.consistency->nodes.front()[0] ^= 1;
  auto bad_consistency = m.append(h, {});
  ASSERT_TRUE(bad_consistency);
  EXPECT_EQ(bad_consistency->kind, "bad-consistency");

  auto wrong_index = m.append(log.heads()[3], {});
  ASSERT_TRUE(wrong_index);
  EXPECT_EQ(wrong_index->kind, "wrong-index");

  EXPECT_EQ(m.size(), 4u);
  follow(m, log, 4, 5);  // the real head still goes in
}

TEST_F(MonitorLogTest, AChangedHeadIsFoundAfterARestart) {
  TestLog log;
  grow(log, 6);
  {
    MonitorLog m = open_pinned(log);
    follow(m, log, 0, 6);
    ASSERT_TRUE(m.flush().ok());
  }
  MonitorLog m = open_pinned(log);
  core::SignedHead changed = log.heads()[5];
  changed.interval.timestamp = log.next_clock();
  auto f = m.compare(changed, core::to_wire_json(core::to_json(changed)));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, "changed-head");
  EXPECT_EQ(f->evidence["seen"]["mth"], core::to_base64(log.heads()[5].mth));
  EXPECT_FALSE(f->evidence["received_is_validly_signed"].get<bool>());
}

TEST_F(MonitorLogTest, ClosingTimesMustGrow) {
  TestLog log;
  grow(log, 3);
  MonitorLog m = open_pinned(log);
  follow(m, log, 0, 2);
  // Head 2 re-made with a closing time before head 1's, correctly signed.
  core::SignedHead h = log.heads()[2];
  h.interval.timestamp = log.heads()[0].interval.timestamp;
  core::Hasher hasher;
  core::CompactRange range;
  core::InMemoryNodeStore nodes;
  for (int i = 0; i < 2; ++i)
    for (auto& n : range.append(core::ihash(log.heads()[i].interval), hasher))
      nodes.put(n.id, n.hash);
  for (auto& n : range.append(core::ihash(h.interval), hasher)) nodes.put(n.id, n.hash);
  h.mth = range.root(hasher);
  h.inclusion.nodes = core::read_inclusion_proof(nodes, 2, 3).value();
  h.consistency->nodes = core::read_consistency_proof(nodes, 2, 3).value();
  h.signature = log.key().sign(core::head_statement(h.authority, 2, h.mth));
  auto f = m.append(h, {});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, "clock");
}

}  // namespace
}  // namespace ink::cli
