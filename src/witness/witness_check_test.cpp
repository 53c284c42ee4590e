#include "witness/witness_check.h"

#include <gtest/gtest.h>

#include "core/test_log.h"

namespace ink::witness {
namespace {

using core::testing::TestLog;
using Kind = Verdict::Kind;

WitnessState state_for(const TestLog& log) {
  WitnessState s;
  s.authority = log.authority();
  s.log_key = log.key().public_key();
  s.name = std::string(1, 'w');  // (a literal here trips GCC 12's -Wrestrict)
  return s;
}

void grow(TestLog& log, int heads) {
  for (int i = 0; i < heads; ++i) log.add_interval({});
}

TEST(WitnessCheck, TheFirstHeadIsCosignedOnItsSignatureAlone) {
  TestLog log;
  grow(log, 3);
  auto s = state_for(log);
  EXPECT_EQ(check_head_to_cosign(s, log.heads()[2], log.head_json(2), std::nullopt).kind,
            Kind::kCosign);
}

TEST(WitnessCheck, ANewerHeadNeedsAConsistencyProofFromTheLastCosigned) {
  TestLog log;
  grow(log, 6);
  auto s = state_for(log);
  s.cosigned = CosignedHead{2, log.heads()[2].mth};
  EXPECT_EQ(check_head_to_cosign(s, log.heads()[5], log.head_json(5), log.consistency(2, 5)).kind,
            Kind::kCosign);
  auto missing = check_head_to_cosign(s, log.heads()[5], log.head_json(5), std::nullopt);
  EXPECT_EQ(missing.kind, Kind::kMisbehaviour);
  EXPECT_EQ(missing.finding.kind, "bad-consistency");
  // A proof between other heads, or a changed node, does not do.
  auto other = check_head_to_cosign(s, log.heads()[5], log.head_json(5), log.consistency(1, 5));
  EXPECT_EQ(other.finding.kind, "bad-consistency");
  auto changed = log.consistency(2, 5);
  ASSERT_FALSE(changed.nodes.empty());
  changed.nodes[0][0] ^= 1;
  auto bad = check_head_to_cosign(s, log.heads()[5], log.head_json(5), changed);
  EXPECT_EQ(bad.finding.kind, "bad-consistency");
  EXPECT_TRUE(bad.finding.evidence.contains("proof"));
  EXPECT_TRUE(bad.finding.evidence.contains("cosigned_before"));
}

TEST(WitnessCheck, TheSameHeadAgainOrAnOlderOneIsNothingNew) {
  TestLog log;
  grow(log, 4);
  auto s = state_for(log);
  s.cosigned = CosignedHead{3, log.heads()[3].mth};
  EXPECT_EQ(check_head_to_cosign(s, log.heads()[3], log.head_json(3), std::nullopt).kind,
            Kind::kCosignedBefore);
  EXPECT_EQ(check_head_to_cosign(s, log.heads()[1], log.head_json(1), std::nullopt).kind,
            Kind::kOlder);
}

TEST(WitnessCheck, ASplitViewIsCaughtAtTheSameIndexAndAfterIt) {
  TestLog log;
  grow(log, 4);
  TestLog forked = log.fork(2);  // shares heads 0..1, then its own history
  forked.add_interval({core::Hash{1}});
  forked.add_interval({core::Hash{2}});
  forked.add_interval({core::Hash{3}});
  auto s = state_for(log);
  s.cosigned = CosignedHead{3, log.heads()[3].mth};
  auto same_index = check_head_to_cosign(s, forked.heads()[3], forked.head_json(3), std::nullopt);
  EXPECT_EQ(same_index.kind, Kind::kMisbehaviour);
  EXPECT_EQ(same_index.finding.kind, "fork");
  // Later on the fork: its own consistency proof cannot reach the head cosigned.
  auto later =
      check_head_to_cosign(s, forked.heads()[4], forked.head_json(4), forked.consistency(3, 4));
  EXPECT_EQ(later.finding.kind, "bad-consistency");
}

TEST(WitnessCheck, AnotherKeyAuthorityOrBrokenSignatureIsMisbehaviour) {
  TestLog log;
  grow(log, 2);
  auto s = state_for(log);
  TestLog stranger(log.authority());
  stranger.add_interval({});
  EXPECT_EQ(check_head_to_cosign(s, stranger.heads()[0], stranger.head_json(0), std::nullopt)
                .finding.kind,
            "wrong-key");
  auto other_authority = s;
  other_authority.authority = "elsewhere.example";
  EXPECT_EQ(check_head_to_cosign(other_authority, log.heads()[1], log.head_json(1), std::nullopt)
                .finding.kind,
            "wrong-authority");
  auto tampered = log.heads()[1];
  tampered.signature[0] ^= 1;
  EXPECT_EQ(check_head_to_cosign(s, tampered, log.head_json(1), std::nullopt).finding.kind,
            "bad-signature");
}

}  // namespace
}  // namespace ink::witness
