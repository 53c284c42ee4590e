#include "core/cosigned.h"

#include <gtest/gtest.h>

#include "core/cosignature.h"
#include "core/json_write.h"
#include "core/test_log.h"

namespace ink::core {
namespace {

using testing::TestLog;

struct W {
  Witness listed;
  SigningKey key;
};

W witness(const std::string& name) {
  auto key = SigningKey::generate().value();
  return {Witness{name, key.public_key(), key.key_id()}, key};
}

Cosignature cosign(const W& w, const SignedHead& head, std::string as_name = "") {
  if (as_name.empty()) as_name = w.listed.name;
  return {
      w.listed.key_id, w.listed.name,
      w.key.sign(cosignature_statement(head.authority, head.interval.index, head.mth, as_name))};
}

class Cosigned : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i) log.add_interval({});
    keys = {log.key().public_key()};
  }
  TestLog log;
  std::vector<PublicKey> keys;
  W a = witness("alpha"), b = witness("beta"), c = witness("gamma");
  std::vector<Witness> list() const { return {a.listed, b.listed}; }
  WitnessedHead later(uint64_t from, uint64_t to, std::vector<const W*> by) {
    WitnessedHead w{log.heads()[to], {}, std::nullopt};
    for (const W* x : by) w.cosignatures.push_back(cosign(*x, w.head));
    if (to > from) w.consistency = log.consistency(from, to);
    return w;
  }
};

TEST_F(Cosigned, AQuorumOnTheSameHeadOrALaterConsistentOnePasses) {
  auto list_ = list();
  auto same = later(2, 2, {&a, &b});
  auto step = check_witnessed(log.heads()[2], same, keys, list_, 2);
  EXPECT_TRUE(step.passed) << step.message;
  EXPECT_NE(step.message.find("alpha, beta"), std::string::npos) << step.message;
  auto ahead = later(2, 5, {&a, &b});
  step = check_witnessed(log.heads()[2], ahead, keys, list_, 2);
  EXPECT_TRUE(step.passed) << step.message;
  EXPECT_NE(step.message.find("extends this proof's head 2"), std::string::npos);
}

TEST_F(Cosigned, TooFewValidCosignaturesFailAndSayWho) {
  auto list_ = list();
  auto one = later(2, 4, {&a});
  auto step = check_witnessed(log.heads()[2], one, keys, list_, 2);
  EXPECT_FALSE(step.passed);
  EXPECT_NE(step.message.find("Only 1 of the 2"), std::string::npos) << step.message;
  // A witness not listed does not count, nor does one counted twice.
  auto stranger = later(2, 4, {&a, &c, &a});
  EXPECT_FALSE(check_witnessed(log.heads()[2], stranger, keys, list_, 2).passed);
  // A changed cosignature, or one made under another name, does not count.
  auto changed = later(2, 4, {&a, &b});
  changed.cosignatures[1].signature[5] ^= 1;
  EXPECT_FALSE(check_witnessed(log.heads()[2], changed, keys, list_, 2).passed);
  auto renamed = later(2, 4, {&a});
  renamed.cosignatures.push_back(cosign(b, renamed.head, "not beta"));
  EXPECT_FALSE(check_witnessed(log.heads()[2], renamed, keys, list_, 2).passed);
}

TEST_F(Cosigned, TheCosignedHeadMustReachTheProofsHead) {
  auto list_ = list();
  auto older = later(1, 1, {&a, &b});
  auto step = check_witnessed(log.heads()[3], older, keys, list_, 1);
  EXPECT_FALSE(step.passed);
  EXPECT_NE(step.message.find("older"), std::string::npos);
  auto no_proof = later(2, 4, {&a, &b});
  no_proof.consistency.reset();
  EXPECT_NE(check_witnessed(log.heads()[2], no_proof, keys, list_, 1)
                .message.find("No consistency proof"),
            std::string::npos);
  auto broken = later(2, 4, {&a, &b});
  broken.consistency->nodes[0][3] ^= 1;
  EXPECT_NE(check_witnessed(log.heads()[2], broken, keys, list_, 1).message.find("branch"),
            std::string::npos);
}

TEST_F(Cosigned, AProofOnAForkFailsAgainstTheWitnessedHistory) {
  auto list_ = list();
  TestLog fork = log.fork(3);
  fork.add_interval({Hash{1}});
  fork.add_interval({Hash{2}});
  fork.add_interval({Hash{3}});
  // The proof's head 4 is on the fork; the witnesses cosigned the real head 5.
  auto witnessed = later(4, 5, {&a, &b});
  auto step = check_witnessed(fork.heads()[4], witnessed, keys, list_, 1);
  EXPECT_FALSE(step.passed);
  // The same index with another root: a split view.
  auto same_index = later(4, 4, {&a, &b});
  EXPECT_NE(check_witnessed(fork.heads()[4], same_index, keys, list_, 1).message.find("split view"),
            std::string::npos);
}

TEST_F(Cosigned, AHeadNotSignedByATrustedKeyOrOfAnotherLogFails) {
  auto list_ = list();
  auto w = later(2, 4, {&a, &b});
  std::vector<PublicKey> other{SigningKey::generate().value().public_key()};
  EXPECT_FALSE(check_witnessed(log.heads()[2], w, other, list_, 1).passed);
  auto elsewhere = log.heads()[2];
  elsewhere.authority = "elsewhere.example";
  EXPECT_NE(check_witnessed(elsewhere, w, keys, list_, 1).message.find("not of this proof's log"),
            std::string::npos);
}

TEST_F(Cosigned, WitnessedHeadsSurviveTheirJsonFormAndRefuseDamage) {
  auto w = later(2, 4, {&a, &b});
  auto j = to_wire_json(to_json(w));
  auto back = witnessed_head_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->cosignatures.size(), 2u);
  EXPECT_EQ(back->cosignatures[1].name, "beta");
  ASSERT_TRUE(back->consistency);
  EXPECT_TRUE(check_witnessed(log.heads()[2], *back, keys, list(), 2).passed);
  auto bad = j;
  bad["head"]["cosignatures"][0]["signature"] = "AAAA";
  auto refused = witnessed_head_from_json(bad, "witnessed");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("witnessed.head.cosignatures[0].signature"),
            std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace ink::core
