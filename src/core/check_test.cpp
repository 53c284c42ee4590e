#include "core/check.h"

#include <gtest/gtest.h>

#include <functional>

#include "core/clock.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/proof_file.h"
#include "core/record_hash.h"

namespace ink::core {
namespace {

// RFC 6962 straight from the definition, independent of merkle.cpp, so a
// bug there cannot hide one here.
Hash reference_root(std::span<const Hash> leaves) {
  if (leaves.empty()) return sha3_256({});
  if (leaves.size() == 1) return leaf_hash(leaves[0]);
  size_t k = 1;
  while (k * 2 < leaves.size()) k *= 2;
  return node_hash(reference_root(leaves.first(k)), reference_root(leaves.subspan(k)));
}

// PATH(m, D[n]) from the leaf upwards, with the protocol's `a` (bit j set
// when path[j] is a left sibling).
void reference_path(uint64_t m, std::span<const Hash> leaves, std::vector<Hash>& path,
                    uint64_t& a) {
  if (leaves.size() <= 1) return;
  size_t k = 1;
  while (k * 2 < leaves.size()) k *= 2;
  if (m < k) {
    reference_path(m, leaves.first(k), path, a);
    path.push_back(reference_root(leaves.subspan(k)));
  } else {
    reference_path(m - k, leaves.subspan(k), path, a);
    a |= uint64_t{1} << path.size();
    path.push_back(reference_root(leaves.first(k)));
  }
}

struct Fixture {
  SigningKey key = *SigningKey::from_seed(
      *from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  std::string data = "sha512:" + std::string(128, 'a');
  TsAnswer answer;
  std::vector<PublicKey> keys{key.public_key()};

  // Interval 5 holds five ts (ours is the third); the main tree has six
  // intervals, so mth_5 covers ihash_0..ihash_5.
  Fixture() {
    const std::string timestamp = "2026-11-28T12:00:11.000002Z";
    std::vector<Hash> ts_hashes;
    for (int i = 0; i < 5; ++i) {
      ts_hashes.push_back(i == 2 ? ts_hash(data, timestamp)
                                 : ts_hash("other " + std::to_string(i), timestamp));
    }
    TsProof proof;
    reference_path(2, ts_hashes, proof.path, proof.a);

    std::vector<Hash> ihashes;
    for (uint64_t i = 0; i <= 5; ++i) {
      IntervalRecord record{
          i, format_clock(1795867200000000 + static_cast<int64_t>(i) * 2000000 + 2000000),
          i == 5 ? reference_root(ts_hashes) : sha3_256({})};
      ihashes.push_back(ihash(record));
      if (i == 5) proof.head.interval = record;
    }
    SignedHead& head = proof.head;
    head.authority = "example.org";
    head.mth = reference_root(ihashes);
    head.inclusion.head = 5;
    head.inclusion.leaf = 5;
    reference_path(5, ihashes, head.inclusion.nodes, head.inclusion.a);
    head.signature = key.sign(head_statement(head.authority, 5, head.mth));
    head.key = key.key_id();

    answer.hash = ts_hashes[2];
    answer.timestamp = timestamp;
    answer.id = "8d1c7e0e-0000-4000-8000-000000000001";
    answer.interval = 5;
    answer.proof = proof;
  }
};

std::string failed_step(const CheckReport& report) {
  const CheckStep* failure = report.first_failure();
  return failure ? failure->name : "none";
}

TEST(Check, ValidProofPassesEveryStep) {
  Fixture f;
  const CheckReport report = check_ts_proof(f.answer, f.data, f.keys);
  EXPECT_TRUE(report.passed()) << failed_step(report) << ": "
                               << (report.first_failure() ? report.first_failure()->message : "");
  std::vector<std::string> names;
  for (const CheckStep& s : report.steps) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"data", "ts-hash", "interval-path", "ihash",
                                             "inclusion", "signature"}));
  EXPECT_EQ(report.first_failure(), nullptr);
  EXPECT_TRUE(check_head(f.answer.proof->head, f.keys).passed());
}

TEST(Check, ValidProofPassesAfterTheWire) {
  Fixture f;
  const Json doc = to_json(ProofFile{"example.org", f.data, {"a.txt"}, f.answer, std::nullopt, {}});
  auto via_json = decode_json_strict(to_wire_json(doc).dump());
  auto via_cbor = decode_cbor_strict(cbor_encode(doc));
  ASSERT_TRUE(via_json && via_cbor);
  for (const Json& j : {*via_json, *via_cbor}) {
    auto file = proof_file_from_json(j);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_TRUE(check_ts_proof(file->timestamp, file->data, f.keys).passed());
  }
}

struct Tamper {
  const char* what;
  std::function<void(Fixture&)> edit;
  const char* step;
};

TEST(Check, EveryTamperedFieldFailsAtItsStep) {
  const Tamper cases[] = {
      {"other data", [](Fixture& f) { f.data = "sha512:" + std::string(128, 'b'); }, "ts-hash"},
      {"data too long", [](Fixture& f) { f.data = std::string(257, 'a'); }, "data"},
      {"data not UTF-8", [](Fixture& f) { f.data = "\xC0\x80"; }, "data"},
      {"no proof", [](Fixture& f) { f.answer.proof.reset(); }, "proof"},
      {"hash", [](Fixture& f) { f.answer.hash[0] ^= 1; }, "ts-hash"},
      {"timestamp", [](Fixture& f) { f.answer.timestamp = "2026-11-28T12:00:11.000003Z"; },
       "ts-hash"},
      {"timestamp not a clock", [](Fixture& f) { f.answer.timestamp = "yesterday"; }, "ts-hash"},
      {"answer interval", [](Fixture& f) { f.answer.interval = 4; }, "interval-path"},
      {"a", [](Fixture& f) { f.answer.proof->a ^= 1; }, "interval-path"},
      {"a beyond path", [](Fixture& f) { f.answer.proof->a |= 1u << 10; }, "interval-path"},
      {"path node", [](Fixture& f) { f.answer.proof->path[0][5] ^= 1; }, "interval-path"},
      {"path shortened", [](Fixture& f) { f.answer.proof->path.pop_back(); }, "interval-path"},
      {"path lengthened", [](Fixture& f) { f.answer.proof->path.push_back(Hash{}); },
       "interval-path"},
      {"ith", [](Fixture& f) { f.answer.proof->head.interval.ith[0] ^= 1; }, "interval-path"},
      {"interval closed before the ts",
       [](Fixture& f) { f.answer.proof->head.interval.timestamp = "2026-11-28T12:00:11.000001Z"; },
       "interval-path"},
      {"interval timestamp",
       [](Fixture& f) { f.answer.proof->head.interval.timestamp = "2026-11-28T12:00:13.000000Z"; },
       "inclusion"},
      {"interval timestamp not a clock",
       [](Fixture& f) { f.answer.proof->head.interval.timestamp = "soon"; }, "ihash"},
      {"interval index",
       [](Fixture& f) {
         f.answer.proof->head.interval.index = 4;
         f.answer.interval = 4;
       },
       "ihash"},
      {"inclusion leaf", [](Fixture& f) { f.answer.proof->head.inclusion.leaf = 4; }, "ihash"},
      {"inclusion head", [](Fixture& f) { f.answer.proof->head.inclusion.head = 6; }, "ihash"},
      {"index, leaf and head together",
       [](Fixture& f) {
         auto& h = f.answer.proof->head;
         h.interval.index = h.inclusion.leaf = h.inclusion.head = 6;
         f.answer.interval = 6;
       },
       "inclusion"},
      {"inclusion a", [](Fixture& f) { f.answer.proof->head.inclusion.a ^= 2; }, "inclusion"},
      {"inclusion node", [](Fixture& f) { f.answer.proof->head.inclusion.nodes[0][0] ^= 1; },
       "inclusion"},
      {"inclusion nodes dropped", [](Fixture& f) { f.answer.proof->head.inclusion.nodes.clear(); },
       "inclusion"},
      {"mth", [](Fixture& f) { f.answer.proof->head.mth[31] ^= 1; }, "inclusion"},
      {"authority", [](Fixture& f) { f.answer.proof->head.authority = "example.com"; },
       "signature"},
      {"signature", [](Fixture& f) { f.answer.proof->head.signature[0] ^= 1; }, "signature"},
      {"key id", [](Fixture& f) { f.answer.proof->head.key = "0000000000000000"; }, "signature"},
      {"no trusted keys", [](Fixture& f) { f.keys.clear(); }, "signature"},
      {"another trusted key", [](Fixture& f) { f.keys = {SigningKey::generate()->public_key()}; },
       "signature"},
  };
  for (const Tamper& t : cases) {
    Fixture f;
    t.edit(f);
    const CheckReport report = check_ts_proof(f.answer, f.data, f.keys);
    EXPECT_FALSE(report.passed()) << t.what;
    EXPECT_EQ(failed_step(report), t.step) << t.what;
    ASSERT_FALSE(report.steps.empty());
    // It stops at the first failure, and says something.
    EXPECT_EQ(&report.steps.back(), report.first_failure()) << t.what;
    EXPECT_FALSE(report.steps.back().message.empty()) << t.what;
  }
}

TEST(Check, SignatureFromAnyPublishedKey) {
  Fixture f;
  f.keys.insert(f.keys.begin(), SigningKey::generate()->public_key());  // rotation: two keys
  EXPECT_TRUE(check_ts_proof(f.answer, f.data, f.keys).passed());
}

TEST(Check, HeadOnItsOwn) {
  Fixture f;
  SignedHead head = f.answer.proof->head;
  EXPECT_TRUE(check_head(head, f.keys).passed());
  head.mth[0] ^= 1;
  const CheckReport report = check_head(head, f.keys);
  EXPECT_EQ(failed_step(report), "inclusion");
  EXPECT_NE(report.first_failure()->message.find("mth_5"), std::string::npos)
      << report.first_failure()->message;
  EXPECT_FALSE(CheckReport{}.passed());
}

}  // namespace
}  // namespace ink::core
